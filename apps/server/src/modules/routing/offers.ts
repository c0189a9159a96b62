import type { Queryable } from '../../platform/db/db.ts';
import { emitEvent } from '../../platform/events/events.ts';
import { AppError, notFound } from '../../platform/http/errors.ts';
import {
  assignInteraction,
  cancelAgentTransfer,
  endStickyWait,
  lifecycleOf,
  lockInteraction,
  requeueInteraction,
  transition,
} from '../interactions/index.ts';
import {
  acceptPendingOffer,
  endPendingOffer,
  findOffer,
  hasPendingOffer,
  pendingOfferIds,
  withdrawPendingOffersOf,
  type OfferEnd,
} from './offers.repo.ts';

import { clearMissedOffers } from './presence.repo.ts';

export type { OfferEnd } from './offers.repo.ts';

/**
 * The agent takes the interaction. The interaction row is locked first (the
 * routing lock order), then the offer moves pending → accepted only if it
 * is still pending and not past its time: of two agents answering a ringall
 * offer, or an answer racing the timeout, exactly one wins.
 */
export async function acceptOffer(q: Queryable, offerId: number, userId: string, now: Date): Promise<{ interactionId: number; campaignId: string }> {
  const offer = await findOffer(q, offerId, userId);
  if (!offer) throw notFound('offer');
  const it = await lockInteraction(q, offer.interaction_id);
  if (!it) throw notFound('offer');
  const next = transition(lifecycleOf(it, true), 'accept');
  if (!next.ok || !(await acceptPendingOffer(q, offerId, now))) throw new AppError('conflict', 'this offer is no longer available');
  // ringall: the others lose their offer
  for (const o of await withdrawPendingOffersOf(q, it.id, now)) {
    await emitEvent(q, { type: 'offer.ended', campaignId: it.campaign_id, interactionId: it.id, offerId: o.id, userId: o.user_id, state: 'withdrawn' });
  }
  await assignInteraction(q, it.id, userId, now);
  await clearMissedOffers(q, userId);
  const previous = offer.kind === 'transfer' ? it.assigned_to : null;
  await emitEvent(q, { type: 'interaction.assigned', campaignId: it.campaign_id, interactionId: it.id, userId, previousUserId: previous, viaOffer: true });
  return { interactionId: it.id, campaignId: it.campaign_id };
}

/**
 * Ends a pending offer without acceptance (the agent declined, its time ran
 * out, or it was withdrawn because the agent left). Returns false when the
 * offer was no longer pending: a timer that fires twice, or a decline racing
 * an accept, changes nothing the second time.
 * - a routing offer: when no other offer for the interaction is out, it
 *   waits again, keeping its place in the queue (queued_at is unchanged);
 * - a sticky offer declined or lapsed ends the wait for that agent;
 * - a transfer offer: the interaction stays with the transferring agent and
 *   comes back to them unread.
 */
export async function endOffer(q: Queryable, offerId: number, state: OfferEnd, now: Date, userId?: string): Promise<boolean> {
  const offer = await findOffer(q, offerId);
  if (!offer || (userId !== undefined && offer.user_id !== userId)) {
    if (userId !== undefined) throw notFound('offer');
    return false;
  }
  const it = await lockInteraction(q, offer.interaction_id);
  if (!it) return false;
  if (!(await endPendingOffer(q, offerId, state, now))) {
    if (userId !== undefined) throw new AppError('conflict', 'this offer is no longer pending');
    return false;
  }
  await emitEvent(q, { type: 'offer.ended', campaignId: it.campaign_id, interactionId: it.id, offerId, userId: offer.user_id, state });
  if (offer.kind === 'transfer') {
    await cancelAgentTransfer(q, it.id, now);
    if (it.assigned_to) {
      await emitEvent(q, { type: 'interaction.assigned', campaignId: it.campaign_id, interactionId: it.id, userId: it.assigned_to, previousUserId: null });
    }
    return true;
  }
  const stickyOver = offer.kind === 'sticky' && state !== 'withdrawn';
  if (!(await hasPendingOffer(q, it.id)) && transition(lifecycleOf(it, false), 'requeue').ok) {
    await requeueInteraction(q, it.id, now, stickyOver);
    await emitEvent(q, { type: 'interaction.queued', campaignId: it.campaign_id, interactionId: it.id });
  } else if (stickyOver) {
    await endStickyWait(q, it.id);
  }
  return true;
}

/**
 * Withdraws the pending offers of an interaction (closed, transfer returned),
 * or of agents (paused, offline, logged out), optionally only those from
 * some campaigns (no longer a member): each goes through endOffer, so the
 * interaction waits again at its place.
 */
export async function withdrawOffers(
  q: Queryable,
  where: { interactionId: number } | { userIds: readonly string[]; campaignIds?: readonly string[] },
  now: Date,
): Promise<number> {
  let n = 0;
  for (const id of await pendingOfferIds(q, where)) if (await endOffer(q, id, 'withdrawn', now)) n++;
  return n;
}
