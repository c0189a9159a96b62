import type { Queryable } from '../../platform/db/db.ts';
import { notFound } from '../../platform/http/errors.ts';
import { disposingContext, ensurePauseReason, isPausedWith } from './presence.repo.ts';
import { setPresence } from './presence.ts';

/** The pause reason an agent shows while disposing; created on first use, reused if an admin made one of that name. */
export const DISPOSING_REASON = 'Disposing';

/**
 * The agent opened the disposition of an interaction in their hands: when
 * its campaign pauses agents while disposing and they are available, they
 * are paused (their pending offers go back to the queue) until the close —
 * or until they cancel it. A manual pause or offline is never overridden.
 * Returns whether the agent was paused.
 */
export async function startDisposing(q: Queryable, userId: string, interactionId: number, now: Date): Promise<boolean> {
  const it = await disposingContext(q, userId, interactionId);
  if (!it) throw notFound('interaction');
  if (!it.pause_while_disposing || it.state !== 'available') return false;
  return setPresence(q, userId, 'paused', await ensurePauseReason(q, DISPOSING_REASON), now);
}

/** Disposing is over (closed or cancelled): an agent paused for it is available again. */
export async function endDisposing(q: Queryable, userId: string, now: Date): Promise<boolean> {
  if (!(await isPausedWith(q, userId, DISPOSING_REASON))) return false;
  return setPresence(q, userId, 'available', null, now);
}

/** The agent opens (active) or cancels the disposition of an interaction in their hands; returns whether they are paused for it now. */
export async function setDisposing(q: Queryable, userId: string, interactionId: number, active: boolean, now: Date): Promise<boolean> {
  if (!active) {
    await endDisposing(q, userId, now);
    return false;
  }
  return startDisposing(q, userId, interactionId, now);
}
