import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Db, Queryable } from '../db/db.ts';

/** Bytes per chunk row: a row fills one 8 KB heap page (see migration 0015 for why not TOAST). */
export const CHUNK_BYTES = 8000;
/** Chunk rows read per query when streaming: about a megabyte. */
export const ROWS_PER_READ = 128;

const key = (sha256: string): Buffer => Buffer.from(sha256, 'hex');

/**
 * A transaction of the store's own, on one of the pool's clients (so COPY
 * can run in it). Not durable: committed asynchronously (BEGIN and the
 * setting in one round trip), and made durable by the synchronous commit of
 * whatever later points at the blob, which flushes the one WAL past it.
 */
export async function inBlobTx<T>(db: Db, durable: boolean, fn: (q: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.pool.connect();
  try {
    await client.query(durable ? 'BEGIN' : 'BEGIN; SET LOCAL synchronous_commit = off');
    const result = await fn(client);
    await client.query('COMMIT');
    client.release();
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
    throw err;
  }
}

/**
 * Touches a stored blob (so the collector's grace period starts again) or,
 * when it is not stored in the database yet, allocates a chunk set for it:
 * one round trip either way. Waits on the row while the collector deletes
 * it, and then finds it gone.
 */
export async function touchOrAllocate(q: Queryable, sha256: string): Promise<{ found: true } | { found: false; set: number }> {
  const { rows } = await q.query<{ found: boolean; set: number | null }>(
    {
      name: 'blob_touch_or_allocate',
      text: `WITH t AS (UPDATE blobs SET touched_at = now() WHERE sha256 = $1 AND chunks IS NOT NULL RETURNING 1)
             SELECT EXISTS (SELECT 1 FROM t) AS found, CASE WHEN NOT EXISTS (SELECT 1 FROM t) THEN blob_chunk_set_id() END AS set`,
    },
    [key(sha256)],
  );
  const r = rows[0]!;
  return r.found ? { found: true } : { found: false, set: Number(r.set) };
}

/** A new chunk set, for a stream whose key is known only at its end. */
export async function allocateChunkSet(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ set: number }>({ name: 'blob_allocate', text: 'SELECT blob_chunk_set_id() AS set' });
  return Number(rows[0]!.set);
}

// The COPY binary format (PostgreSQL docs, "Binary Format"): a signature and
// two zero words, then per row a field count and length-prefixed fields.
const COPY_SIGNATURE = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
const COPY_TRAILER = Buffer.from([0xff, 0xff]);
const ROW_HEAD = 2 + 4 + 8 + 4 + 4 + 4;
const ROWS_PER_WRITE = 32;

function* copyBuffers(set: number, firstSeq: number, pieces: readonly Uint8Array[]): Generator<Buffer> {
  yield COPY_SIGNATURE;
  for (let i = 0; i < pieces.length; i += ROWS_PER_WRITE) {
    const batch = pieces.slice(i, i + ROWS_PER_WRITE);
    const out = Buffer.allocUnsafe(batch.reduce((n, p) => n + ROW_HEAD + p.byteLength, 0));
    let o = 0;
    batch.forEach((p, k) => {
      o = out.writeInt16BE(3, o);
      o = out.writeInt32BE(8, o);
      o = out.writeBigInt64BE(BigInt(set), o);
      o = out.writeInt32BE(4, o);
      o = out.writeInt32BE(firstSeq + i + k, o);
      o = out.writeInt32BE(p.byteLength, o);
      out.set(p, o);
      o += p.byteLength;
    });
    yield out;
  }
  yield COPY_TRAILER;
}

/**
 * Writes pieces (each at most CHUNK_BYTES) as chunk rows firstSeq, firstSeq+1, …
 * of a set. On a pg client (Db.tx's, or one of the pool's) with COPY in
 * binary format: measured at less than half the client CPU of a multi-row
 * INSERT of the same rows (3 against 7 ms/MB), whose parameters node-postgres
 * copies several times; other Queryables get the INSERT.
 */
export async function writeChunks(q: Queryable, set: number, firstSeq: number, pieces: readonly Uint8Array[]): Promise<void> {
  if (pieces.length === 0) return;
  if (q instanceof pg.Client) {
    const copy = q.query(copyFrom('COPY blob_chunks (chunk_set, seq, data) FROM STDIN (FORMAT binary)'));
    await pipeline(Readable.from(copyBuffers(set, firstSeq, pieces)), copy);
    return;
  }
  for (let i = 0; i < pieces.length; i += ROWS_PER_WRITE) {
    const batch = pieces.slice(i, i + ROWS_PER_WRITE);
    const values = batch.map((_, k) => `($1, $${k * 2 + 2}, $${k * 2 + 3})`).join(', ');
    await q.query(
      `INSERT INTO blob_chunks (chunk_set, seq, data) VALUES ${values}`,
      [set, ...batch.flatMap((p, k) => [firstSeq + i + k, Buffer.from(p.buffer, p.byteOffset, p.byteLength)])],
    );
  }
}

/**
 * Registers a blob whose chunks were just written, and touches it. When an
 * identical blob was registered meanwhile (a concurrent put of the same
 * bytes), that one stays and this set's rows are deleted in the same
 * statement; a row of the filesystem store (no chunks yet) takes this set.
 * Returns whether this set is the blob's.
 */
export async function registerChunks(q: Queryable, sha256: string, size: number, set: number): Promise<boolean> {
  const { rows } = await q.query<{ kept: boolean }>(
    {
      name: 'blob_register_chunks',
      text: `WITH reg AS (
               INSERT INTO blobs (sha256, size, chunks) VALUES ($1, $2, $3)
               ON CONFLICT (sha256) DO UPDATE SET chunks = coalesce(blobs.chunks, EXCLUDED.chunks), touched_at = now()
               RETURNING chunks = $3 AS kept),
             dropped AS (DELETE FROM blob_chunks WHERE chunk_set = $3 AND NOT (SELECT kept FROM reg) RETURNING 1)
             SELECT (SELECT kept FROM reg) AS kept`,
    },
    [key(sha256), size, set],
  );
  return rows[0]!.kept;
}

/** Registers (or touches) a blob of the filesystem store, whose bytes are a file. */
export async function registerFile(q: Queryable, sha256: string, size: number): Promise<void> {
  await q.query(
    {
      name: 'blob_register_file',
      text: `INSERT INTO blobs (sha256, size) VALUES ($1, $2) ON CONFLICT (sha256) DO UPDATE SET touched_at = now()`,
    },
    [key(sha256), size],
  );
}

/** A blob's row: its size and chunk set (null: its bytes are a file). */
export async function blobRow(q: Queryable, sha256: string): Promise<{ size: number; chunks: number | null } | null> {
  const { rows } = await q.query<{ size: number; chunks: number | null }>(
    { name: 'blob_row', text: 'SELECT size, chunks FROM blobs WHERE sha256 = $1' },
    [key(sha256)],
  );
  const r = rows[0];
  return r ? { size: Number(r.size), chunks: r.chunks === null ? null : Number(r.chunks) } : null;
}

/**
 * Up to `limit` chunk rows of a set from seq `from` on. In hex text: binary
 * results would halve the bytes on the wire, but node-postgres decodes every
 * field as UTF-8 text first, which mangles bytes (tried: a 70,000-byte blob
 * came back as 126,941).
 */
export async function readChunks(q: Queryable, set: number, from: number, limit: number): Promise<Buffer[]> {
  const { rows } = await q.query<{ data: Buffer }>(
    { name: 'blob_read_chunks', text: 'SELECT data FROM blob_chunks WHERE chunk_set = $1 AND seq >= $2 ORDER BY seq LIMIT $3' },
    [set, from, limit],
  );
  return rows.map((r) => r.data);
}

/** Deletes the rows of chunk sets (the collector's victims). */
export async function deleteChunkSets(q: Queryable, sets: readonly number[]): Promise<void> {
  if (sets.length) await q.query('DELETE FROM blob_chunks WHERE chunk_set = ANY($1::bigint[])', [sets]);
}

/**
 * Deletes chunk sets allocated graceSec ago or earlier (to the second) that
 * no blob row names: a stream cut off half-way. The set id carries its
 * allocation time (seconds << 20), so the old ones are a range of the
 * per-set index.
 */
export async function deleteUnregisteredSets(q: Queryable, graceSec: number, limit = 1000): Promise<number> {
  const { rows } = await q.query<{ n: number }>(
    `WITH old AS (
       SELECT c.chunk_set FROM blob_chunks c
        WHERE c.seq = 0 AND c.chunk_set <= (((floor(extract(epoch FROM now()))::bigint - $1) << 20) | 1048575)
          AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.chunks = c.chunk_set)
        LIMIT $2),
     gone AS (DELETE FROM blob_chunks c USING old WHERE c.chunk_set = old.chunk_set RETURNING 1)
     SELECT (SELECT count(*) FROM old)::int AS n`,
    [graceSec, limit],
  );
  return rows[0]!.n;
}

/** A column that points at blobs: found from the foreign keys, so a table added later is a root too without anyone telling the collector. */
export interface BlobReference {
  table: string;
  column: string;
}

/** Every column with a foreign key to blobs (sha256). */
export async function blobReferences(q: Queryable): Promise<BlobReference[]> {
  const { rows } = await q.query<{ table: string; column: string }>(
    `SELECT c.conrelid::regclass::text AS table, a.attname AS column
       FROM pg_constraint c
       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
      WHERE c.contype = 'f' AND c.confrelid = 'blobs'::regclass AND array_length(c.conkey, 1) = 1
      ORDER BY 1, 2`,
  );
  return rows;
}

/** The next page of blob keys after `after` (key order), and the page's last key. */
export async function blobKeyPage(q: Queryable, after: Buffer | null, limit: number): Promise<Buffer[]> {
  const { rows } = await q.query<{ sha256: Buffer }>(
    'SELECT sha256 FROM blobs WHERE $1::bytea IS NULL OR sha256 > $1 ORDER BY sha256 LIMIT $2',
    [after, limit],
  );
  return rows.map((r) => r.sha256);
}

/**
 * Deletes, among these keys, the blobs untouched for graceSec that no row
 * points at, and returns them. The foreign keys still guard each delete: a
 * row inserted meanwhile makes this statement fail rather than lose a blob.
 */
export async function deleteUnreferenced(
  q: Queryable,
  refs: readonly BlobReference[],
  keys: readonly Buffer[],
  graceSec: number,
): Promise<Array<{ sha256: string; chunks: number | null }>> {
  const unreferenced = refs
    .map((r) => `NOT EXISTS (SELECT 1 FROM ${r.table} x WHERE x.${pg.escapeIdentifier(r.column)} = b.sha256)`)
    .join(' AND ');
  const { rows } = await q.query<{ sha256: Buffer; chunks: number | null }>(
    `DELETE FROM blobs b WHERE b.sha256 = ANY($1::bytea[]) AND b.touched_at < now() - make_interval(secs => $2)
       ${unreferenced ? `AND ${unreferenced}` : ''}
     RETURNING b.sha256, b.chunks`,
    [keys, graceSec],
  );
  return rows.map((r) => ({ sha256: r.sha256.toString('hex'), chunks: r.chunks === null ? null : Number(r.chunks) }));
}

/**
 * For the sweep of files nothing registered: holds the key's row for the
 * rest of the transaction (a concurrent put waits on it, then writes the file
 * again) when no blob row exists. Returns false when the blob is registered.
 */
export async function claimUnregistered(q: Queryable, sha256: string, size: number): Promise<boolean> {
  const { rowCount } = await q.query(
    `INSERT INTO blobs (sha256, size, touched_at) VALUES ($1, $2, '-infinity') ON CONFLICT (sha256) DO NOTHING`,
    [key(sha256), size],
  );
  return rowCount === 1;
}

/** The blobs whose bytes are still files (the filesystem store's, not yet moved into the database), in key order from `after`. */
export async function fileBlobPage(q: Queryable, after: Buffer | null, limit: number): Promise<Array<{ sha256: string; size: number }>> {
  const { rows } = await q.query<{ sha256: Buffer; size: number }>(
    'SELECT sha256, size FROM blobs WHERE chunks IS NULL AND ($1::bytea IS NULL OR sha256 > $1) ORDER BY sha256 LIMIT $2',
    [after, limit],
  );
  return rows.map((r) => ({ sha256: r.sha256.toString('hex'), size: Number(r.size) }));
}

/** How many blobs are still files and how many bytes they hold. */
export async function countFileBlobs(q: Queryable): Promise<{ count: number; bytes: number }> {
  const { rows } = await q.query<{ count: number; bytes: number }>(
    'SELECT count(*)::bigint AS count, coalesce(sum(size), 0)::bigint AS bytes FROM blobs WHERE chunks IS NULL',
  );
  return { count: Number(rows[0]!.count), bytes: Number(rows[0]!.bytes) };
}
