import type { BlobStore } from '../../platform/blobs/blob-store.ts';
import { collectBlobs } from '../../platform/blobs/collect-blobs.ts';
import type { Db } from '../../platform/db/db.ts';
import type { Logger } from '../../platform/log/logger.ts';
import { expireUploads } from './expire-uploads.ts';
import { whileHoldingHousekeepingLock } from './uploads.repo.ts';

/** A running housekeeping timer; stop() waits for a pass in progress. */
export interface StorageHousekeeping {
  /** Runs one pass now (tests, and the first pass after start). */
  runOnce(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Expires uploads never sent, then collects the blobs nothing points at any
 * more, every `everyMs` on the worker role, one node at a time (an advisory
 * lock). The collector's grace period makes a late or doubled pass harmless.
 */
export function startStorageHousekeeping(
  deps: { db: Db; blobs: BlobStore; log: Logger },
  opts: { uploadTtlMs: number; everyMs: number; firstAfterMs: number },
): StorageHousekeeping {
  let running: Promise<void> | null = null;
  const pass = async (): Promise<void> => {
    const t0 = Date.now();
    const done = await whileHoldingHousekeepingLock(deps.db, async () => {
      const expired = await expireUploads(deps, opts.uploadTtlMs);
      const collected = await collectBlobs(deps);
      return { expired, ...collected };
    });
    if (done) deps.log.info({ ...done, ms: Date.now() - t0 }, 'storage.housekeeping');
  };
  const runOnce = (): Promise<void> => {
    running ??= pass()
      .catch((err: unknown) => deps.log.error({ err: String(err) }, 'storage housekeeping failed'))
      .finally(() => (running = null));
    return running;
  };
  const first = setTimeout(() => void runOnce(), opts.firstAfterMs);
  const timer = setInterval(() => void runOnce(), opts.everyMs);
  first.unref();
  timer.unref();
  return {
    runOnce,
    async stop() {
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
