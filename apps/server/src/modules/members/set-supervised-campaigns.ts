import type { Db } from '../../platform/db/db.ts';
import { emitEvent } from '../../platform/events/events.ts';
import { AppError, notFound, type ErrorDetail } from '../../platform/http/errors.ts';
import { existingIds, isSupervisor, replaceSupervised } from './members.repo.ts';

/**
 * An admin sets the campaigns a supervisor supervises, as a whole list.
 * Unknown campaigns are refused by name and nothing is half-applied; the
 * supervisor's open sockets re-read their scope (`user.access_changed`).
 */
export async function setSupervisedCampaigns(db: Db, userId: string, campaignIds: string[]): Promise<void> {
  if (!(await isSupervisor(db, userId))) throw notFound('supervisor');
  const ids = [...new Set(campaignIds)];
  const found = await existingIds(db, ids, []);
  const details: ErrorDetail[] = campaignIds.flatMap((id, i) => (found.campaigns.has(id) ? [] : [{ path: `campaignIds.${i}`, message: 'no such campaign' }]));
  if (details.length) throw new AppError('validation_failed', details.map((d) => `${d.path}: ${d.message}`).join('; '), details);
  await db.tx(async (q) => {
    await replaceSupervised(q, userId, ids);
    await emitEvent(q, { type: 'user.access_changed', userId });
  });
}
