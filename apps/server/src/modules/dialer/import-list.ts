import { validateList, type ListReport, type ListRules } from '@postdesk/mailkit/bulk';
import { sanitizeTemplateHtml } from '@postdesk/mailkit/template';
import type { Db } from '../../platform/db/db.ts';
import { copyRows, finishList, insertList } from './dialer-lists.repo.ts';

/** What importing a list needs: the file, and what its rows must match. */
export interface ImportListInput {
  dialerId: string;
  name: string;
  source: AsyncIterable<Buffer | string>;
  rules: ListRules;
  /** Called as rows go in, for the console's progress bar. */
  onProgress?: (rows: number) => void;
}

/** The outcome: the validator's report, and the list's id when it was imported. */
export interface ImportListResult {
  report: ListReport;
  listId: number | null;
}

/**
 * Validates a list as a whole while streaming its rows into the ledger with
 * COPY, in one transaction: any problem rolls everything back, so a list is
 * either imported whole or not at all, and the report names every problem.
 */
export async function importList(deps: { db: Db }, input: ImportListInput): Promise<ImportListResult> {
  const client = await deps.db.pool.connect();
  let listId: number | null = null;
  try {
    await client.query('BEGIN');
    listId = await insertList(client, input.dialerId, input.name);
    const copy = copyRows(client, input.dialerId, listId);
    let done = 0;
    const report = await validateList(input.source, input.rules, async (rows) => {
      // a row's own message is HTML written by whoever made the list: cleaned like a template, once, before it is stored
      for (const r of rows) if (r.message !== null) r.message = sanitizeTemplateHtml(r.message);
      await copy.write(rows);
      done += rows.length;
      input.onProgress?.(done);
    });
    await copy.end();
    if (!report.ok) {
      await client.query('ROLLBACK');
      return { report, listId: null };
    }
    await finishList(client, listId, report.rows);
    await client.query('COMMIT');
    return { report, listId };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
