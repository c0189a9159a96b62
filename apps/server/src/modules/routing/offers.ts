import type { Queryable } from '../../platform/db/db.ts';
import { emitEvent } from '../../platform/events/events.ts';
import { AppError, notFound } from '../../platform/http/errors.ts';

export type OfferEnd = 'declined' | 'expired' | 'withdrawn';

interface OfferRow {
  id: number;
  interaction_id: number;
  campaign_id: string;
  user_id: string;
  kind: 'route' | 'sticky' | 'transfer';
  state: string;
  expires_at: Date;
}

/** The routing columns of an interaction, read under its row lock. */
export interface LockedInteraction {
  id: number;
  campaign_id: string;
  status: string;
  queue_state: string;
  assigned_to: string | null;
  first_accepted_at: Date | null;
  transfer_from: string | null;
  transfer_from_campaign: string | null;
  transfer_until: Date | null;
}

/** Locks an interaction's row for a routing change (the lock order: see routing.repo.ts). */
export async function lockInteraction(q: Queryable, id: number): Promise<LockedInteraction | null> {
  const { rows } = await q.query<LockedInteraction>(
    `SELECT id, campaign_id, status, queue_state, assigned_to, first_accepted_at, transfer_from, transfer_from_campaign, transfer_until
       FROM interactions WHERE id = $1 FOR UPDATE`,
    [id],
  );
  return rows[0] ?? null;
}

/**
 * The agent takes the interaction. The interaction row is locked first (the
 * routing lock order), then the offer moves pending → accepted only if it
 * is still pending and not past its time: of two agents answering a ringall
 * offer, or an answer racing the timeout, exactly one wins.
 */
export async function acceptOffer(q: Queryable, offerId: number, userId: string, now: Date): Promise<{ interactionId: number; campaignId: string }> {
  const offer = (await q.query<OfferRow>(`SELECT * FROM offers WHERE id = $1 AND user_id = $2`, [offerId, userId])).rows[0];
  if (!offer) throw notFound('offer');
  const it = await lockInteraction(q, offer.interaction_id);
  if (!it) throw notFound('offer');
  const won = await q.query(
    `UPDATE offers SET state = 'accepted', decided_at = $2 WHERE id = $1 AND state = 'pending' AND expires_at > $2`,
    [offerId, now],
  );
  if (won.rowCount !== 1) throw new AppError('conflict', 'this offer is no longer available');
  // ringall: the others lose their offer
  const others = await q.query<{ id: number; user_id: string }>(
    `UPDATE offers SET state = 'withdrawn', decided_at = $2 WHERE interaction_id = $1 AND state = 'pending' RETURNING id, user_id`,
    [it.id, now],
  );
  for (const o of others.rows) {
    await emitEvent(q, { type: 'offer.ended', campaignId: it.campaign_id, interactionId: it.id, offerId: o.id, userId: o.user_id, state: 'withdrawn' });
  }
  await q.query(
    `UPDATE interactions SET queue_state = 'assigned', assigned_to = $2, assigned_at = $3,
            first_accepted_at = coalesce(first_accepted_at, $3), last_agent = $2,
            sticky_agent_until = NULL, sticky_queue_until = NULL,
            transfer_from = NULL, transfer_from_campaign = NULL, transfer_until = NULL, updated_at = $3
      WHERE id = $1`,
    [it.id, userId, now],
  );
  const previous = offer.kind === 'transfer' ? it.assigned_to : null;
  await emitEvent(q, { type: 'interaction.assigned', campaignId: it.campaign_id, interactionId: it.id, userId, previousUserId: previous });
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
  const offer = (await q.query<OfferRow>(`SELECT * FROM offers WHERE id = $1`, [offerId])).rows[0];
  if (!offer || (userId !== undefined && offer.user_id !== userId)) {
    if (userId !== undefined) throw notFound('offer');
    return false;
  }
  const it = await lockInteraction(q, offer.interaction_id);
  if (!it) return false;
  const ended = await q.query(`UPDATE offers SET state = $2, decided_at = $3 WHERE id = $1 AND state = 'pending'`, [offerId, state, now]);
  if (ended.rowCount !== 1) {
    if (userId !== undefined) throw new AppError('conflict', 'this offer is no longer pending');
    return false;
  }
  await emitEvent(q, { type: 'offer.ended', campaignId: it.campaign_id, interactionId: it.id, offerId, userId: offer.user_id, state });
  if (offer.kind === 'transfer') {
    await q.query(`UPDATE interactions SET unread = true, transfer_from = NULL, transfer_until = NULL, updated_at = $2 WHERE id = $1`, [it.id, now]);
    if (it.assigned_to) {
      await emitEvent(q, { type: 'interaction.assigned', campaignId: it.campaign_id, interactionId: it.id, userId: it.assigned_to, previousUserId: null });
    }
    return true;
  }
  const rest = await q.query(`SELECT 1 FROM offers WHERE interaction_id = $1 AND state = 'pending' LIMIT 1`, [it.id]);
  const stickyOver = offer.kind === 'sticky' && state !== 'withdrawn';
  if (rest.rowCount === 0 && it.queue_state === 'offered') {
    await q.query(
      `UPDATE interactions SET queue_state = 'waiting', updated_at = $2,
              sticky_agent_until = CASE WHEN $3 THEN NULL ELSE sticky_agent_until END
        WHERE id = $1`,
      [it.id, now, stickyOver],
    );
    await emitEvent(q, { type: 'interaction.queued', campaignId: it.campaign_id, interactionId: it.id });
  } else if (stickyOver) {
    await q.query(`UPDATE interactions SET sticky_agent_until = NULL WHERE id = $1`, [it.id]);
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
  const byInteraction = 'interactionId' in where;
  const { rows } = await q.query<{ id: number }>(
    `SELECT id FROM offers
      WHERE state = 'pending'
        AND ($1::bigint IS NULL OR interaction_id = $1)
        AND ($2::uuid[] IS NULL OR user_id = ANY($2))
        AND ($3::uuid[] IS NULL OR campaign_id = ANY($3))
      ORDER BY id`,
    [byInteraction ? where.interactionId : null, byInteraction ? null : where.userIds, byInteraction ? null : (where.campaignIds ?? null)],
  );
  let n = 0;
  for (const r of rows) if (await endOffer(q, r.id, 'withdrawn', now)) n++;
  return n;
}
