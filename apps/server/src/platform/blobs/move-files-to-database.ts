import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Db } from '../db/db.ts';
import { blobRow, countFileBlobs, fileBlobPage } from './blob-store.repo.ts';
import { blobFiles } from './fs-blob-store.ts';
import { pgBlobStore } from './pg-blob-store.ts';

/** What a run of the move did, for the command to print. */
export interface MoveReport {
  moved: number;
  movedBytes: number;
  /** Blobs registered whose file is missing or does not hash to its key: left as they are, named here. */
  problems: Array<{ sha256: string; problem: string }>;
  /** Files removed because the database already held their blob (a run stopped between its commit and the removal). */
  leftoversRemoved: number;
  /** Blobs still files after this run (problems, or written meanwhile by a node on the filesystem store). */
  remaining: number;
}

/**
 * Moves the filesystem store's files into the database (`npm run
 * blobs:migrate`). Each file is streamed into the blob's chunk rows inside
 * one transaction, hashed on the way: it commits only if the bytes hash to
 * the blob's key and size. After the commit the blob is read back from the
 * database and hashed again, and only then is its file removed. Resumable:
 * each run takes the blobs still without chunks, so a run stopped anywhere
 * is simply started again; a file whose blob was moved but not yet removed
 * is removed by the next run. Postdesk may keep running on an external
 * database meanwhile: the PostgreSQL store reads files not moved yet.
 */
export async function moveFilesToDatabase(
  deps: { db: Db; root: string },
  opts: { pageSize?: number; onProgress?: (done: number, total: number, bytes: number) => void } = {},
): Promise<MoveReport> {
  const files = blobFiles(deps.root);
  const store = pgBlobStore({ db: deps.db });
  const report: MoveReport = { moved: 0, movedBytes: 0, problems: [], leftoversRemoved: 0, remaining: 0 };
  const total = (await countFileBlobs(deps.db)).count;
  let after: Buffer | null = null;
  for (;;) {
    const page = await fileBlobPage(deps.db, after, opts.pageSize ?? 200);
    if (page.length === 0) break;
    after = Buffer.from(page[page.length - 1]!.sha256, 'hex');
    for (const blob of page) {
      const problem = await moveOne(deps.db, store, files, blob);
      if (problem) report.problems.push({ sha256: blob.sha256, problem });
      else {
        report.moved++;
        report.movedBytes += blob.size;
      }
      opts.onProgress?.(report.moved + report.problems.length, total, report.movedBytes);
    }
  }
  report.leftoversRemoved = await removeMovedFiles(deps.db, deps.root);
  report.remaining = (await countFileBlobs(deps.db)).count;
  return report;
}

async function moveOne(
  db: Db,
  store: ReturnType<typeof pgBlobStore>,
  files: ReturnType<typeof blobFiles>,
  blob: { sha256: string; size: number },
): Promise<string | null> {
  const onDisk = await files.sizeOf(blob.sha256);
  if (onDisk === null) return 'its file is missing';
  if (onDisk !== blob.size) return `its file holds ${onDisk} bytes, ${blob.size} registered`;
  const wrong = new Error('hash');
  try {
    await db.tx(async (q) => {
      const ref = await store.putStream(files.read(blob.sha256), { tx: q });
      if (ref.sha256 !== blob.sha256 || ref.size !== blob.size) throw wrong;
    });
  } catch (err) {
    if (err === wrong) return 'its file does not hash to its key (damaged on disk)';
    throw err;
  }
  // read back from the database, hashed again, before the file goes
  const back = createHash('sha256');
  let size = 0;
  for await (const piece of store.read(blob.sha256)) {
    back.update(piece as Buffer);
    size += (piece as Buffer).length;
  }
  if (back.digest('hex') !== blob.sha256 || size !== blob.size) throw new Error(`blob ${blob.sha256} read back from the database differs: stopped, its file kept`);
  await files.remove(blob.sha256);
  return null;
}

// Files whose blob the database holds already: a run stopped between a
// commit and the file's removal, or blobs written twice.
async function removeMovedFiles(db: Db, root: string): Promise<number> {
  const files = blobFiles(root);
  let removed = 0;
  const list = (dir: string): Promise<string[]> => readdir(dir).catch(() => []);
  for (const a of (await list(root)).filter((n) => /^[0-9a-f]{2}$/.test(n))) {
    for (const b of (await list(path.join(root, a))).filter((n) => /^[0-9a-f]{2}$/.test(n))) {
      for (const name of (await list(path.join(root, a, b))).filter((n) => /^[0-9a-f]{64}$/.test(n))) {
        const row = await blobRow(db, name);
        if (row?.chunks != null) {
          await files.remove(name);
          removed++;
        }
      }
    }
  }
  return removed;
}
