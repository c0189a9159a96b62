import type { Db } from '../db/db.ts';
import type { BlobStore } from './blob-store.ts';
import { blobKeyPage, blobReferences, deleteUnreferenced } from './blob-store.repo.ts';

/** How long a blob nothing points at is kept: longer than any write takes to commit what points at it (a day, as uploads). */
export const BLOB_GRACE_SEC = 24 * 3600;

/** What one collection removed. */
export interface CollectResult {
  /** Blobs nothing pointed at any more, rows and bytes. */
  removed: number;
  /** Bytes that were never registered (streams cut off, rolled-back writes). */
  swept: number;
}

/**
 * Removes blobs that no row points at any more and that no writer touched
 * within the grace period: files of deleted or dropped mail, uploads expired
 * unsent, bytes of a write that never committed. Reachability, not
 * reference counts: a count would be one more row updated by every insert
 * and delete of every message, attachment and upload (and contended for a
 * logo in every newsletter), and one missed decrement loses mail for good,
 * where this pass computes the truth from the rows themselves. What points
 * at a blob is read from the foreign keys to `blobs`, so a table added later
 * is covered without telling anyone; the foreign keys also make a wrong
 * delete impossible (the statement fails instead). The pass walks the blobs
 * in key order a page at a time, one short transaction a page.
 */
export async function collectBlobs(
  deps: { db: Db; blobs: BlobStore },
  opts: { graceSec?: number; pageSize?: number } = {},
): Promise<CollectResult> {
  const graceSec = opts.graceSec ?? BLOB_GRACE_SEC;
  const pageSize = opts.pageSize ?? 500;
  const swept = await deps.blobs.sweepUnregistered(graceSec);
  const refs = await blobReferences(deps.db);
  let removed = 0;
  let after: Buffer | null = null;
  for (;;) {
    const keys = await blobKeyPage(deps.db, after, pageSize);
    if (keys.length === 0) break;
    after = keys[keys.length - 1]!;
    try {
      removed += await deps.db.tx(async (q) => {
        const victims = await deleteUnreferenced(q, refs, keys, graceSec);
        await deps.blobs.dropBytes(q, victims);
        return victims.length;
      });
    } catch (err) {
      // a row began pointing at one of the page's blobs while it was being
      // collected (foreign key violation): the page waits for the next pass
      if ((err as { code?: unknown } | null)?.code !== '23503') throw err;
    }
  }
  return { removed, swept };
}

/**
 * Removes, among these blobs, those nothing points at any more — right after
 * the rows that pointed at them were deleted on purpose (a supervisor
 * deleting mail), rather than a day later. A writer that deduplicated onto
 * one of them touched its row first, so it is kept (its touch is newer than
 * this transaction); the foreign keys still guard every delete.
 */
export async function collectBlobKeys(deps: { db: Db; blobs: BlobStore }, sha256s: readonly string[]): Promise<number> {
  if (sha256s.length === 0) return 0;
  const refs = await blobReferences(deps.db);
  const keys = sha256s.map((k) => Buffer.from(k, 'hex'));
  try {
    return await deps.db.tx(async (q) => {
      const victims = await deleteUnreferenced(q, refs, keys, 0);
      await deps.blobs.dropBytes(q, victims);
      return victims.length;
    });
  } catch (err) {
    // a row began pointing at one of them meanwhile: the collector's next pass decides
    if ((err as { code?: unknown } | null)?.code !== '23503') throw err;
    return 0;
  }
}
