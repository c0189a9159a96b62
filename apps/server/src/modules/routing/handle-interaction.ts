import type { Queryable } from '../../platform/db/db.ts';
import { emitEvent } from '../../platform/events/events.ts';
import { AppError, invalid, notFound } from '../../platform/http/errors.ts';
import { lockInteraction, withdrawOffers, type LockedInteraction } from './offers.ts';
import { agentLoads, lockAgents } from './routing.repo.ts';

/** Who acts: the agent holding the interaction, or staff (who may act on any interaction). */
export interface Actor {
  userId: string;
  staff: boolean;
}

/** Locks the interaction for an action; an agent sees only their own, everyone else's is "not found". */
async function holdInteraction(q: Queryable, id: number, actor: Actor): Promise<LockedInteraction> {
  const it = await lockInteraction(q, id);
  if (!it || (!actor.staff && it.assigned_to !== actor.userId)) throw notFound('interaction');
  return it;
}

/**
 * Closes an interaction. The agent's capacity frees at once; an interaction
 * closed by a supervisor before anyone accepted it counts as abandoned. A
 * campaign with mandatory dispositions refuses a close without one.
 */
export async function closeInteraction(q: Queryable, id: number, actor: Actor, now: Date, dispositionId: string | null = null): Promise<void> {
  const it = await holdInteraction(q, id, actor);
  if (it.status === 'closed') throw new AppError('conflict', 'the interaction is already closed');
  if (dispositionId) {
    const d = await q.query(`SELECT 1 FROM dispositions WHERE id = $1 AND campaign_id = $2`, [dispositionId, it.campaign_id]);
    if (d.rowCount === 0) throw invalid('dispositionId', 'not a disposition of this campaign');
  } else if (it.first_accepted_at) {
    // an interaction nobody took (abandoned) is closed without one
    const c = await q.query<{ mandatory_disposition: boolean }>(`SELECT mandatory_disposition FROM campaigns WHERE id = $1`, [it.campaign_id]);
    if (c.rows[0]?.mandatory_disposition) throw invalid('dispositionId', 'this campaign asks for a disposition when closing');
  }
  await withdrawOffers(q, { interactionId: id }, now);
  await q.query(
    `UPDATE interactions SET status = 'closed', queue_state = 'done', closed_at = $2::timestamptz, updated_at = $2,
            last_agent = coalesce(assigned_to, last_agent), assigned_to = NULL,
            abandoned_at = CASE WHEN first_accepted_at IS NULL THEN $2 END,
            sticky_agent_until = NULL, sticky_queue_until = NULL,
            transfer_from = NULL, transfer_from_campaign = NULL, transfer_until = NULL, disposition_id = $3
      WHERE id = $1`,
    [id, now, dispositionId],
  );
  await emitEvent(q, { type: 'interaction.closed', campaignId: it.campaign_id, interactionId: id, userId: it.assigned_to });
}

/** Where an interaction is transferred to. */
export type TransferTarget = { userId: string } | { campaignId: string };

/**
 * Transfers an interaction its agent holds, when the campaign allows it.
 * - to an agent (a member of the campaign who is available and under the
 *   maximum): a transfer offer waits for them until the campaign's transfer
 *   timeout; meanwhile it stays with the transferring agent;
 * - to a campaign: it waits in that campaign's queue, ahead of ordinary
 *   mail, until the timeout.
 * Not accepted in time, it comes back to the transferring agent, unread.
 */
export async function transferInteraction(q: Queryable, id: number, actor: Actor, target: TransferTarget, now: Date): Promise<void> {
  const it = await holdInteraction(q, id, actor);
  if (it.status !== 'open' || it.queue_state !== 'assigned' || !it.assigned_to) throw new AppError('conflict', 'only an interaction in progress can be transferred');
  if (it.transfer_until || (await q.query(`SELECT 1 FROM offers WHERE interaction_id = $1 AND state = 'pending'`, [id])).rowCount) {
    throw new AppError('conflict', 'a transfer of this interaction is already waiting');
  }
  const c = (
    await q.query<{ transfer_to_agent: boolean; transfer_to_agent_timeout_sec: number; transfer_to_queue: boolean; transfer_to_queue_timeout_sec: number; max_interactions_per_agent: number }>(
      `SELECT transfer_to_agent, transfer_to_agent_timeout_sec, transfer_to_queue, transfer_to_queue_timeout_sec, max_interactions_per_agent
         FROM campaigns WHERE id = $1`,
      [it.campaign_id],
    )
  ).rows[0]!;

  if ('userId' in target) {
    if (!c.transfer_to_agent) throw new AppError('forbidden', 'this campaign does not allow transfers to an agent');
    if (target.userId === it.assigned_to) throw invalid('userId', 'the interaction is already with this agent');
    const ok = await q.query<{ state: string | null }>(
      `SELECT p.state FROM campaign_members m JOIN users u ON u.id = m.user_id AND u.enabled
         LEFT JOIN agent_presence p ON p.user_id = m.user_id
        WHERE m.campaign_id = $1 AND m.user_id = $2`,
      [it.campaign_id, target.userId],
    );
    if (ok.rowCount === 0) throw invalid('userId', 'not an agent of this campaign');
    if (ok.rows[0]!.state !== 'available') throw invalid('userId', 'the agent is not available');
    await lockAgents(q, [target.userId]);
    const load = (await agentLoads(q, [target.userId])).get(target.userId)!;
    if (load.active + load.pending >= c.max_interactions_per_agent) throw invalid('userId', 'the agent has no free capacity');
    const expires = new Date(now.getTime() + c.transfer_to_agent_timeout_sec * 1000);
    await q.query(
      `INSERT INTO offers (interaction_id, campaign_id, user_id, kind, created_at, expires_at) VALUES ($1, $2, $3, 'transfer', $4, $5)`,
      [id, it.campaign_id, target.userId, now, expires],
    );
    await q.query(`UPDATE interactions SET transfer_from = assigned_to, updated_at = $2 WHERE id = $1`, [id, now]);
    await emitEvent(q, { type: 'offer.created', campaignId: it.campaign_id, interactionId: id, userIds: [target.userId] });
    return;
  }

  if (!c.transfer_to_queue) throw new AppError('forbidden', 'this campaign does not allow transfers to another campaign');
  if (target.campaignId === it.campaign_id) throw invalid('campaignId', 'the interaction is already in this campaign');
  const dest = await q.query(`SELECT 1 FROM campaigns WHERE id = $1 AND deleted_at IS NULL AND enabled`, [target.campaignId]);
  if (dest.rowCount === 0) throw invalid('campaignId', 'no such campaign');
  const until = new Date(now.getTime() + c.transfer_to_queue_timeout_sec * 1000);
  await q.query(
    `UPDATE interactions SET campaign_id = $2, queue_state = 'waiting', queued_at = $3, assigned_to = NULL,
            transfer_from = $4, transfer_from_campaign = $5, transfer_until = $6,
            sticky_agent_until = NULL, sticky_queue_until = NULL, updated_at = $3
      WHERE id = $1`,
    [id, target.campaignId, now, it.assigned_to, it.campaign_id, until],
  );
  await emitEvent(q, { type: 'interaction.closed', campaignId: it.campaign_id, interactionId: id, userId: it.assigned_to });
  await emitEvent(q, { type: 'interaction.queued', campaignId: target.campaignId, interactionId: id });
}

/**
 * A campaign transfer whose time ran out: if nobody in the destination took
 * it, it goes back to the agent who transferred it, unread. Returns false
 * when there was nothing to do (taken in time, or already returned).
 */
export async function returnTransfer(q: Queryable, id: number, now: Date): Promise<boolean> {
  const it = await lockInteraction(q, id);
  if (!it || !it.transfer_until || it.transfer_until > now) return false;
  if (it.queue_state === 'assigned' || it.queue_state === 'done' || !it.transfer_from || !it.transfer_from_campaign) {
    await q.query(`UPDATE interactions SET transfer_from = NULL, transfer_from_campaign = NULL, transfer_until = NULL WHERE id = $1`, [id]);
    return false;
  }
  await withdrawOffers(q, { interactionId: id }, now);
  await q.query(
    `UPDATE interactions SET campaign_id = transfer_from_campaign, queue_state = 'assigned', assigned_to = transfer_from, assigned_at = $2,
            unread = true, transfer_from = NULL, transfer_from_campaign = NULL, transfer_until = NULL, updated_at = $2
      WHERE id = $1`,
    [id, now],
  );
  await emitEvent(q, { type: 'interaction.closed', campaignId: it.campaign_id, interactionId: id, userId: null });
  await emitEvent(q, { type: 'interaction.assigned', campaignId: it.transfer_from_campaign, interactionId: id, userId: it.transfer_from, previousUserId: null });
  return true;
}
