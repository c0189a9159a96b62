import type { Queryable } from '../../platform/db/db.ts';
import { emitEvent } from '../../platform/events/events.ts';
import { AppError, invalid, notFound } from '../../platform/http/errors.ts';
import type { CampaignScope } from '../auth/index.ts';
import { canSeeCampaign } from '../campaigns/index.ts';
import { isDispositionOf } from '../dispositions/index.ts';
import { endDisposing } from './disposing.ts';
import {
  clearTransfer,
  lifecycleOf,
  lockInteraction,
  markAgentTransfer,
  markClosed,
  moveToCampaign,
  returnToTransferrer,
  transition,
  type LockedInteraction,
} from '../interactions/index.ts';
import { hasPendingOffer, insertTransferOffer } from './offers.repo.ts';
import { withdrawOffers } from './offers.ts';
import { agentLoads, handlingRules, isActiveCampaign, lockAgents, memberPresence } from './routing.repo.ts';

/** Who acts: the agent holding the interaction, or staff (who may act on any interaction of the campaigns in their scope). */
export interface Actor {
  userId: string;
  staff: boolean;
  scope: CampaignScope;
}

/** Locks the interaction for an action; an agent sees only their own, a supervisor their campaigns', everyone else's is "not found". */
async function holdInteraction(q: Queryable, id: number, actor: Actor): Promise<LockedInteraction> {
  const it = await lockInteraction(q, id);
  if (!it) throw notFound('interaction');
  if (it.assigned_to === actor.userId) return it;
  if (actor.staff && (await canSeeCampaign(q, actor.scope, it.campaign_id))) return it;
  throw notFound('interaction');
}

/**
 * Closes an interaction. The agent's capacity frees at once; an interaction
 * closed by a supervisor before anyone accepted it counts as abandoned. A
 * campaign with mandatory dispositions refuses a close without one. The
 * closer, if paused while disposing, is available again.
 */
export async function closeInteraction(q: Queryable, id: number, actor: Actor, now: Date, dispositionId: string | null = null): Promise<void> {
  const it = await holdInteraction(q, id, actor);
  const next = transition(lifecycleOf(it, false), 'close');
  if (!next.ok) throw new AppError('conflict', next.reason);
  if (dispositionId) {
    if (!(await isDispositionOf(q, dispositionId, it.campaign_id))) throw invalid('dispositionId', 'not a disposition of this campaign');
  } else if (it.first_accepted_at) {
    // an interaction nobody took (abandoned) is closed without one
    if ((await handlingRules(q, it.campaign_id))?.mandatory_disposition) throw invalid('dispositionId', 'this campaign asks for a disposition when closing');
  }
  await withdrawOffers(q, { interactionId: id }, now);
  await markClosed(q, id, now, dispositionId);
  await emitEvent(q, { type: 'interaction.closed', campaignId: it.campaign_id, interactionId: id, userId: it.assigned_to });
  // whoever closed it is done disposing
  await endDisposing(q, actor.userId, now);
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
  const pending = it.transfer_until !== null || (await hasPendingOffer(q, id));
  const next = transition(lifecycleOf(it, pending), 'userId' in target ? 'transfer_to_agent' : 'transfer_to_queue');
  if (!next.ok) throw new AppError('conflict', next.reason);
  const c = (await handlingRules(q, it.campaign_id))!;

  if ('userId' in target) {
    if (!c.transfer_to_agent) throw new AppError('forbidden', 'this campaign does not allow transfers to an agent');
    if (target.userId === it.assigned_to) throw invalid('userId', 'the interaction is already with this agent');
    const member = await memberPresence(q, it.campaign_id, target.userId);
    if (!member) throw invalid('userId', 'not an agent of this campaign');
    if (member.state !== 'available') throw invalid('userId', 'the agent is not available');
    await lockAgents(q, [target.userId]);
    const load = (await agentLoads(q, [target.userId])).get(target.userId)!;
    if (load.active + load.pending >= c.max_interactions_per_agent) throw invalid('userId', 'the agent has no free capacity');
    const expires = new Date(now.getTime() + c.transfer_to_agent_timeout_sec * 1000);
    await insertTransferOffer(q, { interactionId: id, campaignId: it.campaign_id, userId: target.userId, now, expires });
    await markAgentTransfer(q, id, now);
    await emitEvent(q, { type: 'offer.created', campaignId: it.campaign_id, interactionId: id, userIds: [target.userId] });
    return;
  }

  if (!c.transfer_to_queue) throw new AppError('forbidden', 'this campaign does not allow transfers to another campaign');
  if (target.campaignId === it.campaign_id) throw invalid('campaignId', 'the interaction is already in this campaign');
  if (!(await isActiveCampaign(q, target.campaignId))) throw invalid('campaignId', 'no such campaign');
  const until = new Date(now.getTime() + c.transfer_to_queue_timeout_sec * 1000);
  await moveToCampaign(q, id, { campaignId: target.campaignId, fromUser: it.assigned_to, fromCampaign: it.campaign_id, until, now });
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
  const back = it.transfer_from && it.transfer_from_campaign ? { userId: it.transfer_from, campaignId: it.transfer_from_campaign } : null;
  if (!back || !transition(lifecycleOf(it, true), 'return_transfer').ok) {
    await clearTransfer(q, id);
    return false;
  }
  await withdrawOffers(q, { interactionId: id }, now);
  await returnToTransferrer(q, id, now);
  await emitEvent(q, { type: 'interaction.closed', campaignId: it.campaign_id, interactionId: id, userId: null });
  await emitEvent(q, { type: 'interaction.assigned', campaignId: back.campaignId, interactionId: id, userId: back.userId, previousUserId: null });
  return true;
}
