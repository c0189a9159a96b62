import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Db, Queryable } from '../db/db.ts';
import { BlobNotFoundError, checkKey, sha256Hex, type BlobStore } from './blob-store.ts';
import {
  allocateChunkSet,
  blobRow,
  CHUNK_BYTES,
  deleteChunkSets,
  deleteUnregisteredSets,
  inBlobTx,
  readChunks,
  registerChunks,
  ROWS_PER_READ,
  touchOrAllocate,
  writeChunks,
} from './blob-store.repo.ts';
import { blobFiles } from './fs-blob-store.ts';

/** Rows a stream writes per transaction: about a megabyte held at a time. */
const ROWS_PER_STREAM_WRITE = 128;

const pieces = (data: Uint8Array): Uint8Array[] => {
  const out: Uint8Array[] = [];
  for (let at = 0; at < data.byteLength; at += CHUNK_BYTES) out.push(data.subarray(at, at + CHUNK_BYTES));
  return out;
};

/** Cuts a stream of pieces of any size into rows of CHUNK_BYTES (the last one shorter), hashing and counting on the way. */
async function* rowsOf(chunks: AsyncIterable<Uint8Array>, seen: { hash: ReturnType<typeof createHash>; size: number }): AsyncGenerator<Buffer[]> {
  let carry: Buffer = Buffer.alloc(0);
  let rows: Buffer[] = [];
  for await (const chunk of chunks) {
    seen.hash.update(chunk);
    seen.size += chunk.byteLength;
    let buf = carry.length ? Buffer.concat([carry, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (buf.length >= CHUNK_BYTES) {
      // a copy: the producer's buffer is not ours to keep
      rows.push(Buffer.from(buf.subarray(0, CHUNK_BYTES)));
      buf = buf.subarray(CHUNK_BYTES);
      if (rows.length === ROWS_PER_STREAM_WRITE) {
        yield rows;
        rows = [];
      }
    }
    carry = Buffer.from(buf);
  }
  if (carry.length) rows.push(carry);
  if (rows.length) yield rows;
}

/**
 * Blobs as rows of PostgreSQL (the default, POSTDESK_BLOB_STORE=pg): any
 * node serves any file, one backup holds everything, and a blob written in
 * the transaction that points at it commits with it (one WAL flush for the
 * group instead of an fsync a file). Bytes are chunk rows of 8,000 bytes
 * (blob_chunks), written with COPY and read back a megabyte at a time; the blob's row in `blobs` names its chunk set. Blobs still stored as
 * files by the filesystem store (`legacyRoot`, until `npm run blobs:migrate`
 * has moved them in) are read from there.
 */
export function pgBlobStore(deps: { db: Db; legacyRoot?: string }): BlobStore {
  const { db } = deps;
  const legacy = deps.legacyRoot ? blobFiles(deps.legacyRoot) : null;

  const writeIn = async (q: Queryable, sha256: string, data: Uint8Array): Promise<void> => {
    const t = await touchOrAllocate(q, sha256);
    if (t.found) return;
    await writeChunks(q, t.set, 0, pieces(data));
    await registerChunks(q, sha256, data.byteLength, t.set);
  };

  const located = async (sha256: string): Promise<{ size: number; chunks: number | null }> => {
    const row = await blobRow(db, checkKey(sha256));
    if (!row || (row.chunks === null && !legacy)) throw new BlobNotFoundError(sha256);
    return row;
  };

  const damaged = (sha256: string, size: number, found: number): Error =>
    new Error(`blob ${sha256} is damaged: ${size} bytes registered, ${found} stored`);

  return {
    kind: 'pg',
    async put(data, opts = {}) {
      const sha256 = sha256Hex(data);
      if (opts.tx) await writeIn(opts.tx, sha256, data);
      else await inBlobTx(db, opts.durable !== false, (q) => writeIn(q, sha256, data));
      return { sha256, size: data.byteLength };
    },
    async putStream(chunks, opts = {}) {
      const seen = { hash: createHash('sha256'), size: 0 };
      let seq = 0;
      if (opts.tx) {
        const tx = opts.tx;
        const set = await allocateChunkSet(tx);
        for await (const rows of rowsOf(chunks, seen)) {
          await writeChunks(tx, set, seq, rows);
          seq += rows.length;
        }
        const sha256 = seen.hash.digest('hex');
        await registerChunks(tx, sha256, seen.size, set);
        return { sha256, size: seen.size };
      }
      // Each megabyte in a transaction of its own (committed without waiting
      // for its flush), so no connection waits on a slow sender; the last,
      // synchronous, commit registers the blob and flushes all of it. Rows of
      // a stream cut off half-way are never registered: sweepUnregistered
      // removes them after the grace period.
      const set = await allocateChunkSet(db);
      for await (const rows of rowsOf(chunks, seen)) {
        const first = seq;
        await inBlobTx(db, false, (q) => writeChunks(q, set, first, rows));
        seq += rows.length;
      }
      const sha256 = seen.hash.digest('hex');
      await inBlobTx(db, true, (q) => registerChunks(q, sha256, seen.size, set));
      return { sha256, size: seen.size };
    },
    // Blobs written with durable: false were committed asynchronously; the
    // synchronous commit of the transaction that points at them flushes the
    // WAL past their commits, so there is nothing to do here.
    async sync() {},
    async get(sha256) {
      const row = await located(sha256);
      if (row.chunks === null) return legacy!.get(sha256);
      const data = Buffer.concat(await readChunks(db, row.chunks, 0, Math.ceil(row.size / CHUNK_BYTES) + 1));
      if (data.length !== row.size) throw damaged(sha256, row.size, data.length);
      return data;
    },
    read(sha256) {
      return Readable.from(
        (async function* () {
          const row = await located(sha256);
          if (row.chunks === null) {
            yield* legacy!.read(sha256);
            return;
          }
          let seq = 0;
          let size = 0;
          for (;;) {
            const rows = await readChunks(db, row.chunks, seq, ROWS_PER_READ);
            if (rows.length === 0) break;
            seq += rows.length;
            const piece = Buffer.concat(rows);
            size += piece.length;
            yield piece;
            if (rows.length < ROWS_PER_READ) break;
          }
          if (size !== row.size) throw damaged(sha256, row.size, size);
        })(),
        { objectMode: false },
      );
    },
    async has(sha256) {
      const row = await blobRow(db, checkKey(sha256));
      if (!row) return false;
      return row.chunks !== null || (legacy !== null && (await legacy.sizeOf(sha256)) === row.size);
    },
    async dropBytes(q, victims) {
      await deleteChunkSets(q, victims.flatMap((v) => (v.chunks === null ? [] : [v.chunks])));
      // files of the filesystem store not yet moved in
      if (legacy) await Promise.all(victims.filter((v) => v.chunks === null).map((v) => legacy.remove(v.sha256)));
    },
    async sweepUnregistered(graceSec) {
      let total = 0;
      for (;;) {
        const n = await deleteUnregisteredSets(db, graceSec);
        total += n;
        if (n === 0) return total;
      }
    },
  };
}
