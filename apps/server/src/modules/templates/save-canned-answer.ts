import type { Queryable } from '../../platform/db/db.ts';
import { isUniqueViolation } from '../../platform/db/db.ts';
import { nameTaken, notFound } from '../../platform/http/errors.ts';
import { checkCampaignScope } from './campaign-scope.ts';
import { insertCanned, updateCanned, type CannedRow, type Viewer } from './templates.repo.ts';

/** Adds a canned answer (id null) or overwrites one; its campaign must be one the admin may see; names are unique per campaign. */
export async function saveCannedAnswer(q: Queryable, v: Viewer, id: string | null, a: { name: string; campaignId: string | null; text: string }): Promise<CannedRow> {
  await checkCampaignScope(q, v, a.campaignId, 'write');
  try {
    if (id === null) return await insertCanned(q, a);
    const saved = await updateCanned(q, id, a);
    if (!saved) throw notFound('canned answer');
    return saved;
  } catch (err) {
    if (isUniqueViolation(err, 'canned_answers_name_key')) throw nameTaken(a.name);
    throw err;
  }
}
