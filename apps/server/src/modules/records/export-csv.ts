import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { RecordSearch } from '@postdesk/contracts';
import type { Queryable } from '../../platform/db/db.ts';
import type { Logger } from '../../platform/log/logger.ts';
import type { CampaignScope, RecordRow } from './records.repo.ts';
import { runSearch } from './search-records.ts';

/** Rows read per query: a page of the same keyset walk the list uses, so memory stays flat however many rows match. */
const PAGE = 2000;

/**
 * A cell a spreadsheet would run as a formula (leading `=`, `+`, `-`, `@`,
 * tab or carriage return) gets a leading apostrophe, so it is shown as the
 * text it is (OWASP "CSV injection"). Everything else is left as it is.
 */
export const neutraliseCell = (s: string): string => (/^[=+\-@\t\r]/.test(s) ? `'${s}` : s);

const COLUMNS = ['ticket', 'campaign', 'customer_email', 'customer_name', 'subject', 'status', 'read', 'agent', 'disposition', 'created_at', 'last_message_at', 'closed_at', 'messages'] as const;

function cells(r: RecordRow): string[] {
  return [
    String(r.id),
    r.campaign_name,
    r.customer_address,
    r.customer_name,
    r.subject,
    r.status,
    r.unread ? 'unread' : 'read',
    r.agent_name ?? '',
    r.disposition ?? '',
    r.created_at.toISOString(),
    r.last_message_at.toISOString(),
    r.closed_at ? r.closed_at.toISOString() : '',
    String(r.messages),
  ].map(neutraliseCell);
}

async function* rowsOf(q: Queryable, scope: CampaignScope, search: RecordSearch, ids: readonly number[] | undefined): AsyncGenerator<string[]> {
  let before: number | undefined;
  for (;;) {
    const rows = await runSearch(q, scope, search, { before, limit: PAGE, ids });
    for (const r of rows) yield cells(r);
    if (rows.length < PAGE) return;
    before = rows[rows.length - 1]!.id;
  }
}

/**
 * The matching interactions (or the selected ones among them) as CSV:
 * UTF-8 with a byte-order mark (so Excel reads accents), a header line,
 * quoting by csv-stringify, formula cells neutralised. Streamed page by
 * page with backpressure: constant memory for any number of rows. The
 * search is checked before the first byte, so a refused condition is a 400.
 */
export async function exportCsv(deps: { db: Queryable; log: Logger }, scope: CampaignScope, search: RecordSearch, ids?: readonly number[]): Promise<Readable> {
  await runSearch(deps.db, scope, search, { limit: 1, ids });
  const out = stringify({ bom: true, header: true, columns: [...COLUMNS] });
  pipeline(Readable.from(rowsOf(deps.db, scope, search, ids)), out).catch((err: unknown) => deps.log.warn({ err }, 'csv export ended early'));
  return out;
}
