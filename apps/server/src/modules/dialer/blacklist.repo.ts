import type { Queryable } from '../../platform/db/db.ts';

// The dialer blacklist as admins see and edit it. Addresses are stored in
// their blacklist form (blacklist-key.ts) and compared with =; the search is
// a substring of that form, served by the trigram index of 0029.

/** One blacklisted address as stored. */
export interface BlacklistEntryRow {
  address: string;
  reason: 'manual' | 'upload' | 'bounce' | 'spam' | 'unsubscribe';
  note: string;
  created_at: Date;
}

/** LIKE's wildcards in what a person typed are literal. */
const likeLiteral = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** A page of entries whose address contains `part` (already in blacklist form; '' = every entry), newest first, and how many match. */
export async function searchBlacklist(q: Queryable, part: string, offset: number, limit: number): Promise<{ items: BlacklistEntryRow[]; total: number }> {
  const pattern = `%${likeLiteral(part)}%`;
  const where = part === '' ? '' : 'WHERE address LIKE $1';
  const args = part === '' ? [] : [pattern];
  const [page, count] = await Promise.all([
    q.query<BlacklistEntryRow>(
      `SELECT address, reason, note, created_at FROM dialer_blacklist ${where} ORDER BY created_at DESC, address LIMIT $${args.length + 1} OFFSET $${args.length + 2}`,
      [...args, limit, offset],
    ),
    q.query<{ n: number }>(`SELECT count(*)::int AS n FROM dialer_blacklist ${where}`, args),
  ]);
  return { items: page.rows, total: count.rows[0]!.n };
}

/** Adds one address; null when it was blacklisted already. */
export async function insertBlacklistEntry(q: Queryable, address: string, reason: BlacklistEntryRow['reason'], note: string): Promise<BlacklistEntryRow | null> {
  const { rows } = await q.query<BlacklistEntryRow>(
    `INSERT INTO dialer_blacklist (address, reason, note) VALUES ($1, $2, $3) ON CONFLICT (address) DO NOTHING RETURNING address, reason, note, created_at`,
    [address, reason, note],
  );
  return rows[0] ?? null;
}

/** Adds a batch of an uploaded file (inside the upload's transaction); returns how many were new (an address already there keeps its reason). */
export async function insertBlacklistBatch(q: Queryable, entries: ReadonlyArray<{ address: string; note: string }>): Promise<number> {
  if (entries.length === 0) return 0;
  const { rowCount } = await q.query(
    `INSERT INTO dialer_blacklist (address, reason, note)
     SELECT a, 'upload', n FROM unnest($1::text[], $2::text[]) AS e(a, n)
     ON CONFLICT (address) DO NOTHING`,
    [entries.map((e) => e.address), entries.map((e) => e.note)],
  );
  return rowCount ?? 0;
}

/** Removes an address; false when it was not blacklisted. */
export async function deleteBlacklistEntry(q: Queryable, address: string): Promise<boolean> {
  const { rowCount } = await q.query('DELETE FROM dialer_blacklist WHERE address = $1', [address]);
  return (rowCount ?? 0) > 0;
}
