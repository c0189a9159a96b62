import type { Db } from '../../platform/db/db.ts';
import { emitEvent } from '../../platform/events/events.ts';
import { AppError, type ErrorDetail } from '../../platform/http/errors.ts';
import { withdrawOffers } from '../routing/index.ts';
import { deleteMembers, existingIds, insertMembers } from './members.repo.ts';

/**
 * Adds or removes every agent to / from every campaign, in one action.
 * Unknown ids are refused by name and nothing is half-applied; offers from
 * a campaign an agent no longer belongs to go back to its queue. Routing
 * hears of it (`members.changed`).
 */
export async function changeMembers(db: Db, change: 'add' | 'remove', campaignIds: string[], userIds: string[], now: Date): Promise<void> {
  const found = await existingIds(db, campaignIds, userIds);
  const details: ErrorDetail[] = [
    ...campaignIds.flatMap((id, i) => (found.campaigns.has(id) ? [] : [{ path: `campaignIds.${i}`, message: 'no such campaign' }])),
    ...userIds.flatMap((id, i) => (found.agents.has(id) ? [] : [{ path: `userIds.${i}`, message: 'no such agent' }])),
  ];
  if (details.length) throw new AppError('validation_failed', details.map((d) => `${d.path}: ${d.message}`).join('; '), details);
  if (change === 'add') await insertMembers(db, campaignIds, userIds);
  else {
    await db.tx(async (q) => {
      await deleteMembers(q, campaignIds, userIds);
      await withdrawOffers(q, { userIds, campaignIds }, now);
    });
  }
  await emitEvent(db, { type: 'members.changed', campaignIds, userIds });
}
