import type { Queryable } from '../../platform/db/db.ts';
import { notFound } from '../../platform/http/errors.ts';
import { insertNote } from '../interactions/index.ts';
import { inScope } from './records.policy.ts';
import { campaignOfInteraction, type CampaignScope } from './records.repo.ts';

/**
 * A supervisor's internal note on any interaction of their campaigns (the
 * "spy" note): the agents see it in the thread, customers never (notes are
 * never sent). 404 outside the supervisor's campaigns.
 */
export async function addSpyNote(q: Queryable, scope: CampaignScope, userId: string, interactionId: number, text: string): Promise<{ id: number; createdAt: Date }> {
  if (!inScope(scope, await campaignOfInteraction(q, interactionId))) throw notFound('interaction');
  return insertNote(q, interactionId, userId, text);
}
