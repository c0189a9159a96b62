import type { Db, Queryable } from '../../platform/db/db.ts';
import { emitEvent } from '../../platform/events/events.ts';
import { invalid } from '../../platform/http/errors.ts';
import { withdrawOffers } from './offers.ts';
import { findPresence, lockPresence, pauseReasonExists, savePresence, unconnectedAgents, type PresenceState } from './presence.repo.ts';
import { lockAgents } from './routing.repo.ts';

export { writeConnections, type PresenceState } from './presence.repo.ts';

export interface Presence {
  state: PresenceState;
  pauseReasonId: string | null;
  pauseReason: string | null;
  since: Date | null;
}

/** An agent's presence; never set means offline. */
export async function getPresence(q: Queryable, userId: string): Promise<Presence> {
  const r = await findPresence(q, userId);
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
    if (!(await pauseReasonExists(q, pauseReasonId))) throw invalid('pauseReasonId', 'no such pause reason');
  } else pauseReasonId = null;
  // no routing decision may offer to this agent while their presence changes
  await lockAgents(q, [userId]);
  const before = await lockPresence(q, userId);
  if (before && before.state === state && before.pause_reason_id === pauseReasonId) return false;
  await savePresence(q, userId, state, pauseReasonId, now);
  if (state !== 'available') await withdrawOffers(q, { userIds: [userId] }, now);
  await emitEvent(q, { type: 'agent.presence_changed', userId, state });
  return true;
}

/**
 * Agents who are available or paused whose workspace sockets have not come
 * back for `graceMs` — every tab closed, or their node died — go offline,
 * and their offers return to the queue. A presence set less than `graceMs`
 * ago is left alone, so an agent who just logged in has time to open the
 * workspace; and a sweeper that started less than `graceMs` ago (`upSince`:
 * a restart, where every socket was cut) leaves everyone alone, so consoles
 * reconnecting after a restart find their presence as they left it.
 */
export async function sweepPresence(db: Db, now: Date, graceMs: number, upSince: Date): Promise<string[]> {
  if (now.getTime() - upSince.getTime() < graceMs) return [];
  const gone: string[] = [];
  const before = new Date(now.getTime() - graceMs);
  for (const userId of await unconnectedAgents(db, before, before)) {
    if (await db.tx((q) => setPresence(q, userId, 'offline', null, now))) gone.push(userId);
  }
  return gone;
}
