import type { Queryable } from '../../platform/db/db.ts';
import { notFound } from '../../platform/http/errors.ts';
import { presentThread, readThread } from '../workspace/index.ts';
import { inScope } from './records.policy.ts';
import { campaignOfInteraction, type CampaignScope } from './records.repo.ts';

/**
 * The email viewer's thread: the same read and shape as the agent's desk
 * (messages with headers and files, notes), for an interaction of the
 * user's campaigns (404 otherwise).
 */
export async function readRecord(q: Queryable, scope: CampaignScope, userId: string, id: number, now: Date) {
  if (!inScope(scope, await campaignOfInteraction(q, id))) throw notFound('interaction');
  return presentThread(await readThread(q, { userId, all: true }, id, now), userId);
}
