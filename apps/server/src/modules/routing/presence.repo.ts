import type { Queryable } from '../../platform/db/db.ts';

/** How available an agent is. */
export type PresenceState = 'offline' | 'available' | 'paused';

/** An agent's presence row with its pause reason's name. */
export interface PresenceRow {
  state: PresenceState;
  pause_reason_id: string | null;
  name: string | null;
  since: Date;
}

/** An agent's presence, or undefined when never set (offline). */
export async function findPresence(q: Queryable, userId: string): Promise<PresenceRow | undefined> {
  const { rows } = await q.query<PresenceRow>(
    `SELECT p.state, p.pause_reason_id, r.name, p.since FROM agent_presence p LEFT JOIN pause_reasons r ON r.id = p.pause_reason_id WHERE p.user_id = $1`,
    [userId],
  );
  return rows[0];
}

/** Locks an agent's presence row (when there is one) and reads it. */
export async function lockPresence(q: Queryable, userId: string): Promise<{ state: string; pause_reason_id: string | null } | undefined> {
  const { rows } = await q.query<{ state: string; pause_reason_id: string | null }>(
    `SELECT state, pause_reason_id FROM agent_presence WHERE user_id = $1 FOR UPDATE`,
    [userId],
  );
  return rows[0];
}

/** Writes an agent's presence, stamped with when it changed; the missed offers in a row start again from none. */
export async function savePresence(q: Queryable, userId: string, state: PresenceState, pauseReasonId: string | null, now: Date): Promise<void> {
  await q.query(
    `INSERT INTO agent_presence (user_id, state, pause_reason_id, since) VALUES ($1, $2, $3, $4)
     ON CONFLICT (user_id) DO UPDATE SET state = excluded.state, pause_reason_id = excluded.pause_reason_id, since = excluded.since, missed_offers = 0`,
    [userId, state, pauseReasonId, now],
  );
}

/**
 * Counts an offer the agent let lapse; returns how many in a row now, their
 * state, and after how many the offering campaign pauses them (0: never).
 */
export async function countMissedOffer(q: Queryable, userId: string, campaignId: string): Promise<{ missed: number; state: string; pause_after: number } | undefined> {
  const { rows } = await q.query<{ missed: number; state: string; pause_after: number }>(
    `UPDATE agent_presence p SET missed_offers = p.missed_offers + 1 FROM campaigns c
      WHERE p.user_id = $1 AND c.id = $2 RETURNING p.missed_offers AS missed, p.state, c.missed_offers_pause AS pause_after`,
    [userId, campaignId],
  );
  return rows[0];
}

/** The agent took an offer: no longer missing them. */
export async function clearMissedOffers(q: Queryable, userId: string): Promise<void> {
  await q.query(`UPDATE agent_presence SET missed_offers = 0 WHERE user_id = $1 AND missed_offers > 0`, [userId]);
}

/** The pause reasons an agent may choose, by name. */
export async function listPauseReasons(q: Queryable): Promise<Array<{ id: string; name: string }>> {
  const { rows } = await q.query<{ id: string; name: string }>(`SELECT id, name FROM pause_reasons WHERE deleted_at IS NULL ORDER BY lower(name)`);
  return rows;
}

/** True when the pause reason exists and is not deleted. */
export async function pauseReasonExists(q: Queryable, id: string): Promise<boolean> {
  const r = await q.query(`SELECT 1 FROM pause_reasons WHERE id = $1 AND deleted_at IS NULL`, [id]);
  return (r.rowCount ?? 0) > 0;
}

/** Adds a pause reason; undefined when the name is taken. */
export async function insertPauseReason(q: Queryable, name: string): Promise<{ id: string; name: string } | undefined> {
  const { rows } = await q.query<{ id: string; name: string }>(`INSERT INTO pause_reasons (name) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id, name`, [name]);
  return rows[0];
}

/** Deletes a pause reason (softly: agents paused with it keep showing it); false when there was none. */
export async function deletePauseReason(q: Queryable, id: string): Promise<boolean> {
  const r = await q.query(`UPDATE pause_reasons SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL`, [id]);
  return (r.rowCount ?? 0) > 0;
}

/** The id of the pause reason named `name`, created when there is none (reused if an admin made one of that name). */
export async function ensurePauseReason(q: Queryable, name: string): Promise<string> {
  const { rows } = await q.query<{ id: string }>(
    `WITH ins AS (INSERT INTO pause_reasons (name) VALUES ($1) ON CONFLICT (lower(name)) WHERE deleted_at IS NULL DO NOTHING RETURNING id)
     SELECT id FROM ins UNION ALL SELECT id FROM pause_reasons WHERE lower(name) = lower($1) AND deleted_at IS NULL LIMIT 1`,
    [name],
  );
  return rows[0]!.id;
}

/** True when the agent is paused with the pause reason named `name`. */
export async function isPausedWith(q: Queryable, userId: string, name: string): Promise<boolean> {
  const { rows } = await q.query(
    `SELECT 1 FROM agent_presence p JOIN pause_reasons r ON r.id = p.pause_reason_id
      WHERE p.user_id = $1 AND p.state = 'paused' AND lower(r.name) = lower($2)`,
    [userId, name],
  );
  return rows.length > 0;
}

/** Whether the campaign of an interaction in the agent's hands pauses them while disposing, and their presence; undefined when it is not theirs and open. */
export async function disposingContext(q: Queryable, userId: string, interactionId: number): Promise<{ pause_while_disposing: boolean; state: string | null } | undefined> {
  const { rows } = await q.query<{ pause_while_disposing: boolean; state: string | null }>(
    `SELECT c.pause_while_disposing, p.state FROM interactions i JOIN campaigns c ON c.id = i.campaign_id
       LEFT JOIN agent_presence p ON p.user_id = $1
      WHERE i.id = $2 AND i.assigned_to = $1 AND i.status = 'open'`,
    [userId, interactionId],
  );
  return rows[0];
}

/** Writes this node's open workspace sockets per user (the heartbeat); rows stale for an hour are removed. */
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

/** Agents available or paused since before `since` with no workspace connection seen after `seenAfter`. */
export async function unconnectedAgents(q: Queryable, since: Date, seenAfter: Date): Promise<string[]> {
  const { rows } = await q.query<{ user_id: string }>(
    `SELECT p.user_id FROM agent_presence p
      WHERE p.state <> 'offline' AND p.since <= $1
        AND NOT EXISTS (SELECT 1 FROM agent_connections c WHERE c.user_id = p.user_id AND c.seen_at > $2)`,
    [since, seenAfter],
  );
  return rows.map((r) => r.user_id);
}
