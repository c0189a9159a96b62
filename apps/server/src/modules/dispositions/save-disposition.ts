import type { Queryable } from '../../platform/db/db.ts';
import { isUniqueViolation } from '../../platform/db/db.ts';
import { nameTaken, notFound } from '../../platform/http/errors.ts';
import { insertDisposition, renameDisposition, type DispositionRow } from './dispositions.repo.ts';

/**
 * Adds a disposition to a campaign, or renames one. Names are unique per
 * campaign (case-insensitively): a taken one is a 409 naming the field.
 */
export async function saveDisposition(q: Queryable, target: { campaignId: string } | { id: string }, name: string): Promise<DispositionRow> {
  try {
    if ('campaignId' in target) return await insertDisposition(q, target.campaignId, name);
    const row = await renameDisposition(q, target.id, name);
    if (!row) throw notFound('disposition');
    return row;
  } catch (err) {
    if (isUniqueViolation(err, 'dispositions_name_key')) throw nameTaken(name);
    throw err;
  }
}
