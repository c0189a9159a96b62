import type { Queryable } from '../../platform/db/db.ts';
import { emitEvent } from '../../platform/events/events.ts';
import { AppError, notFound } from '../../platform/http/errors.ts';
import { deletePauseReason, insertPauseReason } from './presence.repo.ts';

/**
 * Adds a pause reason agents may choose; names are unique (case-insensitively):
 * a taken one is a 409 naming the field. Consoles already open hear of it.
 */
export async function addPauseReason(q: Queryable, name: string): Promise<{ id: string; name: string }> {
  const row = await insertPauseReason(q, name);
  if (!row) throw new AppError('conflict', `a pause reason named "${name}" already exists`, [{ path: 'name', message: 'already exists' }]);
  await emitEvent(q, { type: 'pause_reasons.changed' });
  return row;
}

/** Removes a pause reason (softly); consoles already open hear of it. */
export async function removePauseReason(q: Queryable, id: string): Promise<void> {
  if (!(await deletePauseReason(q, id))) throw notFound('pause reason');
  await emitEvent(q, { type: 'pause_reasons.changed' });
}
