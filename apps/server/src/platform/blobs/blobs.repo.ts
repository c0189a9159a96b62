import type { Queryable } from '../db/db.ts';

/**
 * Registers blobs (raw messages, attachments, uploads) in one statement, in
 * the caller's transaction, so a row never points at bytes the database does
 * not know; already known ones are left as they are.
 */
export async function recordBlobs(q: Queryable, blobs: ReadonlyArray<{ sha256: string; size: number }>): Promise<void> {
  if (blobs.length === 0) return;
  await q.query(
    `INSERT INTO blobs (sha256, size) SELECT * FROM unnest($1::bytea[], $2::bigint[]) ON CONFLICT DO NOTHING`,
    [blobs.map((b) => Buffer.from(b.sha256, 'hex')), blobs.map((b) => b.size)],
  );
}
