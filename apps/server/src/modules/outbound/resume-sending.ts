import type { Queryable } from '../../platform/db/db.ts';
import { emitEvent } from '../../platform/events/events.ts';
import { releaseHold } from './outbox.repo.ts';

/**
 * Lifts a campaign's SMTP hold after the admin fixed or verified its
 * settings, and wakes the outbox workers on every node (at commit) so the
 * messages that waited go at once. Nothing happens when nothing was held.
 */
export async function resumeSending(q: Queryable, campaignId: string): Promise<boolean> {
  if (!(await releaseHold(q, campaignId))) return false;
  await emitEvent(q, { type: 'smtp.resumed', campaignId });
  return true;
}
