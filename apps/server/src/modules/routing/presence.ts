import type { Db, Queryable } from '../../platform/db/db.ts';
import { emitEvent } from '../../platform/events/events.ts';
import { invalid } from '../../platform/http/errors.ts';
import { withdrawOffers } from './offers.ts';
import { lockAgents } from './routing.repo.ts';

export type PresenceState = 'offline' | 'available' | 'paused';

export interface Presence {
  state: PresenceState;
  pauseReasonId: string | null;
  pauseReason: string | null;
  since: Date | null;
}

export async function getPresence(q: Queryable, userId: string): Promise<Presence> {
  const { rows } = await q.query<{ state: PresenceState; pause_reason_id: string | null; name: string | null; since: Date }>(
    `SELECT p.state, p.pause_reason_id, r.name, p.since FROM agent_presence p LEFT JOIN pause_reasons r ON r.id = p.pause_reason_id WHERE p.user_id = $1`,
    [userId],
  );
  const r = rows[0];
  return r ? { state: r.state, pauseReasonId: r.pause_reason_id, pauseReason: r.name, since: r.since } : { state: 'offline', pauseReasonId: null, pauseReason: null, since: null };
}

/**
 * Changes an agent's presence. Each change is stamped (the supervisor shows
 * time in state); setting the same state again keeps the stamp. Leaving
 * `available` withdraws the offers waiting for the agent, which go back to
 * the queue at their old place; interactions already accepted stay theirs.
 */
export async function setPresence(q: Queryable, userId: string, state: PresenceState, pauseReasonId: string | null, now: Date): Promise<boolean> {
  if (state === 'paused') {
    if (!pauseReasonId) throw invalid('pauseReasonId', 'choose a pause reason');
    const ok = await q.query(`SELECT 1 FROM pause_reasons WHERE id = $1 AND deleted_at IS NULL`, [pauseReasonId]);
    if (ok.rowCount === 0) throw invalid('pauseReasonId', 'no such pause reason');
  } else pauseReasonId = null;
  // no routing decision may offer to this agent while their presence changes
  await lockAgents(q, [userId]);
  const before = (await q.query<{ state: string; pause_reason_id: string | null }>(`SELECT state, pause_reason_id FROM agent_presence WHERE user_id = $1 FOR UPDATE`, [userId])).rows[0];
  if (before && before.state === state && before.pause_reason_id === pauseReasonId) return false;
  await q.query(
    `INSERT INTO agent_presence (user_id, state, pause_reason_id, since) VALUES ($1, $2, $3, $4)
     ON CONFLICT (user_id) DO UPDATE SET state = excluded.state, pause_reason_id = excluded.pause_reason_id, since = excluded.since`,
    [userId, state, pauseReasonId, now],
  );
  if (state !== 'available') await withdrawOffers(q, { userIds: [userId] }, now);
  await emitEvent(q, { type: 'agent.presence_changed', userId, state });
  return true;
}

/**
 * This node's open workspace sockets per user, written every heartbeat so
 * other nodes know who is still connected. A user whose last socket closed
 * is simply no longer refreshed: the row goes stale, which is the grace a
 * page reload needs; rows stale for an hour are removed.
 */
export async function writeConnections(q: Queryable, nodeId: string, counts: ReadonlyMap<string, number>, now: Date): Promise<void> {
  const users = [...counts.keys()];
  await q.query(`DELETE FROM agent_connections WHERE seen_at < $1`, [new Date(now.getTime() - 3_600_000)]);
  if (users.length === 0) return;
  await q.query(
    `INSERT INTO agent_connections (node_id, user_id, sockets, seen_at)
     SELECT $1, u, n, $4 FROM unnest($2::uuid[], $3::int[]) AS t(u, n)
     ON CONFLICT (node_id, user_id) DO UPDATE SET sockets = excluded.sockets, seen_at = excluded.seen_at`,
    [nodeId, users, users.map((u) => counts.get(u)!), now],
  );
}

/**
 * Agents who are available or paused with no workspace open anywhere — every
 * session closed, or their node died — go offline. A connection not
 * refreshed for `staleMs` no longer counts (a page reload reconnects well
 * within it); a presence set less than `graceMs` ago is left alone, so an
 * agent who just logged in has time to open the workspace.
 */
export async function sweepPresence(db: Db, now: Date, graceMs: number, staleMs: number): Promise<string[]> {
  const { rows } = await db.query<{ user_id: string }>(
    `SELECT p.user_id FROM agent_presence p
      WHERE p.state <> 'offline' AND p.since <= $1
        AND NOT EXISTS (SELECT 1 FROM agent_connections c WHERE c.user_id = p.user_id AND c.seen_at > $2)`,
    [new Date(now.getTime() - graceMs), new Date(now.getTime() - staleMs)],
  );
  const gone: string[] = [];
  for (const r of rows) {
    if (await db.tx((q) => setPresence(q, r.user_id, 'offline', null, now))) gone.push(r.user_id);
  }
  return gone;
}
