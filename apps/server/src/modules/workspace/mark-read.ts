import type { Queryable } from '../../platform/db/db.ts';
import { AppError } from '../../platform/http/errors.ts';
import { markRead, markUnread } from '../interactions/index.ts';
import { visibleInteraction, type Viewer } from './workspace.repo.ts';

/** The agent working an interaction has read it; a supervisor looking must not hide new mail from them, so only theirs counts. */
export async function markThreadRead(q: Queryable, v: Viewer, interactionId: number): Promise<void> {
  const it = await visibleInteraction(q, v, interactionId);
  if (it.assigned_to === v.userId && it.unread) await markRead(q, it.id, v.userId);
}

/**
 * The agent holding an interaction marks it as unread again, to come back to
 * it: only where the campaign allows it ("Mark as unread") and only their own.
 */
export async function markThreadUnread(q: Queryable, v: Viewer, interactionId: number): Promise<void> {
  const it = await visibleInteraction(q, v, interactionId);
  if (!it.mark_as_unread) throw new AppError('conflict', 'this campaign does not let agents mark interactions as unread');
  if (it.assigned_to !== v.userId || !(await markUnread(q, it.id, v.userId))) throw new AppError('conflict', 'this interaction is not in your hands');
}
