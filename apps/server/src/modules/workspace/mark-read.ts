import type { Queryable } from '../../platform/db/db.ts';
import { markRead } from '../interactions/index.ts';
import { visibleInteraction, type Viewer } from './workspace.repo.ts';

/** The agent working an interaction has read it; a supervisor looking must not hide new mail from them, so only theirs counts. */
export async function markThreadRead(q: Queryable, v: Viewer, interactionId: number): Promise<void> {
  const it = await visibleInteraction(q, v, interactionId);
  if (it.assigned_to === v.userId && it.unread) await markRead(q, it.id, v.userId);
}
