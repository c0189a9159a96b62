import type { BlacklistEntry } from '@postdesk/contracts';
import { validateBlacklistFile, type BlacklistProblem } from '@postdesk/mailkit/bulk';
import type { Db } from '../../platform/db/db.ts';
import { AppError, invalid, notFound } from '../../platform/http/errors.ts';
import { blacklistKey } from './blacklist-key.ts';
import { deleteBlacklistEntry, insertBlacklistBatch, insertBlacklistEntry, searchBlacklist, type BlacklistEntryRow } from './blacklist.repo.ts';

// The blacklist as admins manage it: search, add, remove, and upload a file
// checked as a whole (nothing of a file with one bad line is imported).
// The blacklist is global: an address on it receives no dialer mail from any
// campaign, so only admins see and edit it.

const present = (r: BlacklistEntryRow): BlacklistEntry => ({ address: r.address, reason: r.reason, note: r.note, createdAt: r.created_at.toISOString() });

/** What a person typed, in the form addresses are stored in: a whole address as its key, a part in NFKC lower case. */
export function searchPart(q: string): string {
  const t = q.trim();
  if (t === '') return '';
  return /^[^\s@]+@[^\s@]+$/.test(t) ? blacklistKey(t) : t.normalize('NFKC').toLowerCase();
}

/** A page of the blacklist whose addresses contain `q`. */
export async function readBlacklist(db: Db, q: string, offset: number, limit: number): Promise<{ items: BlacklistEntry[]; total: number }> {
  const page = await searchBlacklist(db, searchPart(q), offset, limit);
  return { items: page.items.map(present), total: page.total };
}

/** Adds one address by hand; 409 when it is on the list already. */
export async function addToBlacklist(db: Db, address: string, note: string): Promise<BlacklistEntry> {
  if (/[\r\n\0]/.test(note)) throw invalid('note', 'one line');
  const key = blacklistKey(address);
  const row = await insertBlacklistEntry(db, key, 'manual', note.trim());
  if (!row) throw new AppError('conflict', `${key} is blacklisted already`, [{ path: 'address', message: 'blacklisted already' }]);
  return present(row);
}

/** Removes an address (given in any case or form); 404 when it is not on the list. */
export async function removeFromBlacklist(db: Db, address: string): Promise<void> {
  if (!(await deleteBlacklistEntry(db, blacklistKey(address)))) throw notFound('blacklisted address');
}

/** The verdict on an uploaded blacklist file. */
export interface BlacklistUploadResult {
  ok: boolean;
  rows: number;
  added: number;
  problems: BlacklistProblem[];
  moreProblems: number;
  complete: boolean;
}

/** Checks a file as a whole while adding its entries in one transaction: any problem rolls everything back. */
export async function uploadBlacklist(db: Db, source: AsyncIterable<Buffer | string>): Promise<BlacklistUploadResult> {
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    let added = 0;
    const report = await validateBlacklistFile(source, {}, async (entries) => {
      added += await insertBlacklistBatch(client, entries.map((e) => ({ address: blacklistKey(e.address), note: e.note })));
    });
    if (!report.ok) {
      await client.query('ROLLBACK');
      return { ok: false, rows: report.rows, added: 0, problems: report.problems, moreProblems: report.moreProblems, complete: report.complete };
    }
    await client.query('COMMIT');
    return { ok: true, rows: report.rows, added, problems: [], moreProblems: 0, complete: true };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
