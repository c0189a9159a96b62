import type { Queryable } from '../../platform/db/db.ts';
import { emitEvent } from '../../platform/events/events.ts';
import { AppError } from '../../platform/http/errors.ts';
import { updateMember as updateMemberRow } from './members.repo.ts';

/** Changes a member's place in `linear` / round-robin order or their penalty for weighted random; routing hears of it. */
export async function updateMember(q: Queryable, campaignId: string, userId: string, s: { position?: number; penalty?: number }): Promise<void> {
  if (!(await updateMemberRow(q, campaignId, userId, { position: s.position ?? null, penalty: s.penalty ?? null }))) {
    throw new AppError('not_found', 'no such member of this campaign');
  }
  await emitEvent(q, { type: 'members.changed', campaignIds: [campaignId], userIds: [userId] });
}
