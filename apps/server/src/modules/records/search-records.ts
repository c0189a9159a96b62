import type { RecordSearch } from '@postdesk/contracts';
import type { Queryable } from '../../platform/db/db.ts';
import { AppError } from '../../platform/http/errors.ts';
import { searchRecords, type CampaignScope, type RecordRow } from './records.repo.ts';
import { SearchError } from './search-sql.ts';

/**
 * One page of the interactions list (filters, advanced search) within the
 * user's campaigns, and the cursor of the next page (null on the last).
 * A condition the allow-list refuses is a 400 naming it.
 */
export async function searchPage(
  q: Queryable,
  scope: CampaignScope,
  search: RecordSearch,
  page: { cursor?: string; limit: number; ids?: readonly number[] },
): Promise<{ rows: RecordRow[]; nextCursor: string | null }> {
  const rows = await runSearch(q, scope, search, { before: page.cursor === undefined ? undefined : Number(page.cursor), limit: page.limit + 1, ids: page.ids });
  const more = rows.length > page.limit;
  const shown = more ? rows.slice(0, page.limit) : rows;
  return { rows: shown, nextCursor: more ? String(shown[shown.length - 1]!.id) : null };
}

/** searchRecords with the allow-list's refusals turned into a 400 naming the condition. */
export async function runSearch(q: Queryable, scope: CampaignScope, search: RecordSearch, page: Parameters<typeof searchRecords>[3]): Promise<RecordRow[]> {
  try {
    return await searchRecords(q, scope, search, page);
  } catch (err) {
    if (err instanceof SearchError) throw new AppError('validation_failed', `${err.path}: ${err.message}`, [{ path: err.path, message: err.message }]);
    throw err;
  }
}
