import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { Db, Queryable } from '../db/db.ts';
import { BlobNotFoundError, checkKey, sha256Hex, type BlobStore } from './blob-store.ts';
import { blobRow, claimUnregistered, deleteChunkSets, inBlobTx, registerFile } from './blob-store.repo.ts';

async function fsyncPath(p: string): Promise<void> {
  const fh = await open(p, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

const isMissing = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === 'ENOENT';

/** Reads blob files under root/ab/cd/<sha256>: the filesystem store's, and the PostgreSQL store's for files not yet moved into the database. */
export interface BlobFiles {
  where(sha256: string): string;
  sizeOf(sha256: string): Promise<number | null>;
  get(sha256: string): Promise<Buffer>;
  read(sha256: string): Readable;
  remove(sha256: string): Promise<void>;
}

/** The file layout both stores know: two levels of folders by the key's first hex digits. */
export function blobFiles(root: string): BlobFiles {
  const where = (sha256: string): string => {
    checkKey(sha256);
    return path.join(root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  };
  return {
    where,
    async sizeOf(sha256) {
      try {
        return (await stat(where(sha256))).size;
      } catch {
        return null;
      }
    },
    async get(sha256) {
      try {
        return await readFile(where(sha256));
      } catch (err) {
        throw isMissing(err) ? new BlobNotFoundError(sha256) : err;
      }
    },
    read(sha256) {
      const file = where(sha256);
      return Readable.from(
        (async function* () {
          let fh: FileHandle;
          try {
            fh = await open(file, 'r');
          } catch (err) {
            throw isMissing(err) ? new BlobNotFoundError(sha256) : err;
          }
          try {
            const buf = Buffer.allocUnsafe(1024 * 1024);
            for (;;) {
              const { bytesRead } = await fh.read(buf, 0, buf.length, null);
              if (bytesRead === 0) return;
              yield Buffer.from(buf.subarray(0, bytesRead));
            }
          } finally {
            await fh.close();
          }
        })(),
        { objectMode: false },
      );
    },
    remove: (sha256) => rm(where(sha256), { force: true }),
  };
}

/**
 * Blobs as files under root/ab/cd/<sha256>, for single-node installs
 * (POSTDESK_BLOB_STORE=fs). A write goes to a temporary file in the same
 * folder and is renamed into place, so a crash leaves either no blob or a
 * whole one under its key; the file and its folder are fsynced before the
 * blob counts as stored. Ingest writes a message's blobs (the raw message
 * and its files) without syncing and syncs them together once all are
 * written, before any transaction points at them: one fsync each still, but
 * issued at once, so the file system commits them in one journal flush
 * instead of one after the other (the difference between ~9 ms and well under
 * 1 ms a blob here). A blob found on disk with the wrong size (torn by a
 * power loss before its sync) is written again.
 *
 * The blob's row is written (or touched) first, then the file, in one
 * transaction: the collector deletes a row and its file in one transaction
 * too, so a put of the same bytes at that moment waits on the row and then
 * finds the file gone and writes it again, instead of trusting a file about
 * to be deleted.
 */
export function fsBlobStore(deps: { db: Db; root: string }): BlobStore {
  const { db, root } = deps;
  const files = blobFiles(root);
  const unsynced = new Set<string>();
  // Folders made by this process: a mkdir is several system calls, and this
  // machine's are dear (an ingest writes a blob or two a message). Bounded:
  // there are 65,536 of them.
  const made = new Set<string>();
  const sizeOfFile = async (file: string): Promise<number | null> => {
    try {
      return (await stat(file)).size;
    } catch {
      return null;
    }
  };
  const syncFiles = async (paths: string[]): Promise<void> => {
    await Promise.all(paths.map(fsyncPath));
    await Promise.all([...new Set(paths.map((f) => path.dirname(f)))].map(fsyncPath));
  };
  const ensureDir = async (dir: string): Promise<void> => {
    if (made.has(dir)) return;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    made.add(dir);
  };
  // A new temporary file filled by `fill`, fsynced when asked; removed again if filling fails.
  const writeTemp = async (tmp: string, fill: (fh: FileHandle) => Promise<void>, durable: boolean): Promise<void> => {
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fill(fh);
      if (durable) await fh.sync();
    } catch (err) {
      await fh.close();
      await rm(tmp, { force: true });
      throw err;
    }
    await fh.close();
  };
  const ensureFile = async (sha256: string, data: Uint8Array, durable: boolean): Promise<void> => {
    const file = files.where(sha256);
    if ((await sizeOfFile(file)) === data.byteLength) {
      if (durable && unsynced.has(file)) {
        await syncFiles([file]);
        unsynced.delete(file);
      }
      return;
    }
    const dir = path.dirname(file);
    await ensureDir(dir);
    const tmp = path.join(dir, `.${sha256}.${randomBytes(6).toString('hex')}.tmp`);
    await writeTemp(tmp, (fh) => fh.writeFile(data), durable);
    await rename(tmp, file);
    if (!durable) unsynced.add(file);
    else await fsyncPath(dir);
  };
  return {
    kind: 'fs',
    async put(data, opts = {}) {
      const sha256 = sha256Hex(data);
      const durable = opts.tx !== undefined || opts.durable !== false;
      const store = async (q: Queryable): Promise<void> => {
        await registerFile(q, sha256, data.byteLength);
        await ensureFile(sha256, data, durable);
      };
      if (opts.tx) await store(opts.tx);
      else await inBlobTx(db, durable, store);
      return { sha256, size: data.byteLength };
    },
    async putStream(chunks, opts = {}) {
      // written under a temporary name in the root, renamed into place once the hash is known
      await ensureDir(root);
      const tmp = path.join(root, `.stream.${randomBytes(8).toString('hex')}.tmp`);
      const hash = createHash('sha256');
      let size = 0;
      await writeTemp(
        tmp,
        async (fh) => {
          for await (const chunk of chunks) {
            hash.update(chunk);
            size += chunk.byteLength;
            await fh.write(chunk);
          }
        },
        true,
      );
      const sha256 = hash.digest('hex');
      const file = files.where(sha256);
      const place = async (q: Queryable): Promise<void> => {
        await registerFile(q, sha256, size);
        if ((await sizeOfFile(file)) === size) {
          await rm(tmp, { force: true });
          return;
        }
        const dir = path.dirname(file);
        await ensureDir(dir);
        await rename(tmp, file);
        await fsyncPath(dir);
      };
      try {
        if (opts.tx) await place(opts.tx);
        else await inBlobTx(db, true, place);
      } finally {
        await rm(tmp, { force: true });
      }
      return { sha256, size };
    },
    async sync(sha256s) {
      const paths = [...new Set(sha256s.map(files.where))].filter((f) => unsynced.has(f));
      if (paths.length === 0) return;
      await syncFiles(paths);
      for (const f of paths) unsynced.delete(f);
    },
    get: (sha256) => files.get(sha256),
    read: (sha256) => files.read(sha256),
    async has(sha256) {
      const row = await blobRow(db, checkKey(sha256));
      return row !== null && (await files.sizeOf(sha256)) === row.size;
    },
    async dropBytes(q, victims) {
      // chunks left from a time this install used the database store
      await deleteChunkSets(q, victims.flatMap((v) => (v.chunks === null ? [] : [v.chunks])));
      await Promise.all(victims.map((v) => files.remove(v.sha256)));
    },
    async sweepUnregistered(graceSec) {
      return sweepFiles(db, root, graceSec);
    },
  };
}

/**
 * Removes files older than graceSec that no blob row names (a put whose
 * transaction rolled back, a crash between the file and its commit) and
 * temporary files left by a crash. Each file's key is claimed with a row of
 * its own first, so a put of the same bytes at that moment waits and then
 * writes the file again; the claim row is old and unreferenced, and goes
 * with the collector's next pass.
 */
export async function sweepFiles(db: Db, root: string, graceSec: number): Promise<number> {
  const cutoff = Date.now() - graceSec * 1000;
  const files = blobFiles(root);
  let removed = 0;
  const list = async (dir: string): Promise<string[]> => readdir(dir).catch((err: unknown) => (isMissing(err) ? [] : Promise.reject(err)));
  const old = async (p: string): Promise<{ size: number } | null> => {
    const s = await stat(p).catch(() => null);
    return s && s.isFile() && s.mtimeMs <= cutoff ? { size: s.size } : null;
  };
  for (const name of await list(root)) {
    if (name.endsWith('.tmp')) {
      if (await old(path.join(root, name))) (await rm(path.join(root, name), { force: true }), removed++);
      continue;
    }
    if (!/^[0-9a-f]{2}$/.test(name)) continue;
    for (const sub of await list(path.join(root, name))) {
      if (!/^[0-9a-f]{2}$/.test(sub)) continue;
      const dir = path.join(root, name, sub);
      for (const entry of await list(dir)) {
        const p = path.join(dir, entry);
        const info = await old(p);
        if (!info) continue;
        if (entry.endsWith('.tmp')) {
          await rm(p, { force: true });
          removed++;
          continue;
        }
        if (!/^[0-9a-f]{64}$/.test(entry)) continue;
        const gone = await db.tx(async (q) => {
          if (!(await claimUnregistered(q, entry, info.size))) return false;
          await files.remove(entry);
          return true;
        });
        if (gone) removed++;
      }
    }
  }
  return removed;
}
