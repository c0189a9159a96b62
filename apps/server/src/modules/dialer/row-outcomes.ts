import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { DialerRow } from '@postdesk/contracts';
import type { Queryable } from '../../platform/db/db.ts';
import type { Logger } from '../../platform/log/logger.ts';
import { neutraliseCell } from '../records/index.ts';
import { searchRows, type RowFilter, type RowOutcomeRow } from './dialers.repo.ts';

// What happened to each row of a dialer: searched by address, state and list
// in keyset pages, and exported as CSV (formula cells neutralised, as the
// records export does: an SMTP reply or an address is data, never a formula).

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function presentRow(r: RowOutcomeRow): DialerRow {
  return {
    id: r.id,
    listId: r.list_id,
    line: r.line,
    destination: r.destination,
    state: r.state as DialerRow['state'],
    attempts: r.attempts,
    uncertain: r.uncertain,
    smtpCode: r.smtp_code,
    reply: r.reply,
    finishedAt: iso(r.finished_at),
    seenAt: iso(r.seen_at),
    rejectedAt: iso(r.rejected_at),
    spamAt: iso(r.spam_at),
    unsubscribedAt: iso(r.unsubscribed_at),
  };
}

/** One page of rows; nextAfter continues the walk (null at the end). */
export async function readRowPage(q: Queryable, dialerId: string, f: RowFilter, after: number, limit: number): Promise<{ items: DialerRow[]; nextAfter: number | null }> {
  const rows = await searchRows(q, dialerId, f, after, limit);
  return { items: rows.map(presentRow), nextAfter: rows.length === limit ? rows[rows.length - 1]!.id : null };
}

const COLUMNS = ['row', 'list', 'line', 'destination', 'state', 'attempts', 'uncertain', 'smtp_code', 'reply', 'finished_at', 'seen_at', 'rejected_at', 'spam_at', 'unsubscribed_at'] as const;
const PAGE = 2_000;

function cells(r: RowOutcomeRow): string[] {
  return [
    String(r.id),
    String(r.list_id),
    String(r.line),
    r.destination,
    r.state,
    String(r.attempts),
    String(r.uncertain),
    r.smtp_code === null ? '' : String(r.smtp_code),
    r.reply ?? '',
    iso(r.finished_at) ?? '',
    iso(r.seen_at) ?? '',
    iso(r.rejected_at) ?? '',
    iso(r.spam_at) ?? '',
    iso(r.unsubscribed_at) ?? '',
  ].map(neutraliseCell);
}

async function* allRows(q: Queryable, dialerId: string, f: RowFilter): AsyncGenerator<string[]> {
  let after = 0;
  for (;;) {
    const rows = await searchRows(q, dialerId, f, after, PAGE);
    for (const r of rows) yield cells(r);
    if (rows.length < PAGE) return;
    after = rows[rows.length - 1]!.id;
  }
}

/** Every matching row as CSV: UTF-8 with BOM, a header line, streamed page by page with backpressure. */
export function exportRows(deps: { db: Queryable; log: Logger }, dialerId: string, f: RowFilter): Readable {
  const out = stringify({ bom: true, header: true, columns: [...COLUMNS] });
  pipeline(Readable.from(allRows(deps.db, dialerId, f)), out).catch((err: unknown) => deps.log.warn({ err, dialerId }, 'dialer rows export ended early'));
  return out;
}
