import type { Queryable } from '../../platform/db/db.ts';
import { emitEvent } from '../../platform/events/events.ts';
import { resumeSending } from '../outbound/index.ts';
import { resetMailboxSync } from './campaigns.repo.ts';

/**
 * A campaign's credentials work again (an admin signed in again with
 * OAuth2): the outbox sends what waited, and the mailbox that stopped in
 * "needs attention" syncs again from its cursor — same server, same account,
 * so nothing is fetched twice and nothing is skipped.
 */
export async function restoreConnection(q: Queryable, campaignId: string): Promise<void> {
  await resumeSending(q, campaignId);
  await resetMailboxSync(q, campaignId, false);
  await emitEvent(q, { type: 'campaign.changed', campaignId });
}
