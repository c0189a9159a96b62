import type { Queryable } from '../../platform/db/db.ts';
import { AppError } from '../../platform/http/errors.ts';
import { insertPauseReason } from './presence.repo.ts';

/** Adds a pause reason agents may choose; names are unique (case-insensitively): a taken one is a 409 naming the field. */
export async function addPauseReason(q: Queryable, name: string): Promise<{ id: string; name: string }> {
  const row = await insertPauseReason(q, name);
  if (!row) throw new AppError('conflict', `a pause reason named "${name}" already exists`, [{ path: 'name', message: 'already exists' }]);
  return row;
}
