import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Queryable } from '../db/db.ts';

/** A stored blob: its key (hex SHA-256 of the bytes) and size. */
export interface BlobRef {
  sha256: string;
  size: number;
}

/** Where blob bytes live: rows of the database (any node serves any file; one backup holds everything) or files under one node's data directory. */
export type BlobStoreKind = 'pg' | 'fs';

/** How put() and putStream() commit what they store. */
export interface PutOptions {
  /**
   * The transaction that will point at the blob. The blob is stored and
   * registered inside it: the PostgreSQL store writes its rows there (they
   * commit, or vanish, with the rows that refer to them: one WAL flush for
   * all), the filesystem store fsyncs its file first and registers it there.
   * Pass Db.tx's own client, not a wrapper of it: the PostgreSQL store then
   * streams the rows in with COPY instead of INSERT (half the CPU a megabyte).
   */
  tx?: Queryable;
  /**
   * Without tx only. false: the caller calls sync() with the key before it
   * commits anything that points at the blob, so a group of blobs is made
   * durable together (the filesystem store fsyncs them at once; the
   * PostgreSQL store commits them asynchronously, and the synchronous commit
   * of the transaction that points at them flushes the one WAL past them).
   */
  durable?: boolean;
}

/**
 * Content-addressed storage for raw messages and attachments. The key is the
 * SHA-256 of the bytes, never a file name from the mail, so hostile names
 * cannot steer where anything is written and equal content is stored once.
 * Every blob is registered in the `blobs` table by the store itself, which
 * the rows that point at blobs reference by foreign key; the collector
 * (collectBlobs) removes what nothing points at any more. Two stores keep
 * this contract (blob-store.contract.test.ts runs the same tests on both):
 * PostgreSQL (the default) and the filesystem (single-node installs).
 */
export interface BlobStore {
  readonly kind: BlobStoreKind;
  /** Stores the bytes (idempotent) and returns their key: see PutOptions for when they are durable. */
  put(data: Uint8Array, opts?: PutOptions): Promise<BlobRef>;
  /**
   * Stores bytes that arrive as a stream (a large message read from its
   * server, an upload), hashing them on the way: never all in memory. Without
   * tx, no connection is held while the stream waits for its next piece, and
   * the blob is durable on return; a stream that fails leaves nothing the
   * collector will not remove.
   */
  putStream(chunks: AsyncIterable<Uint8Array>, opts?: { tx?: Queryable }): Promise<BlobRef>;
  /** Makes blobs written with durable: false durable by the time any transaction that points at them commits, all at once. */
  sync(sha256s: readonly string[]): Promise<void>;
  /** The whole blob in memory: for what must be whole anyway (a message to parse or send); downloads use read(). */
  get(sha256: string): Promise<Buffer>;
  /** The blob as a stream of pieces of about a megabyte at most: a 50 MB attachment is never whole in memory. */
  read(sha256: string): Readable;
  /** Whether the blob is stored and registered (a put inside a transaction that rolled back is not). */
  has(sha256: string): Promise<boolean>;
  /**
   * For the collector, inside its transaction, after it deleted these blobs'
   * rows and before it commits: removes their bytes (so a concurrent put of
   * the same content, which waits on the row, writes them again).
   */
  dropBytes(q: Queryable, victims: ReadonlyArray<{ sha256: string; chunks: number | null }>): Promise<void>;
  /** For the collector: removes bytes written more than graceSec ago that were never registered (a stream cut off, a rolled-back put). Returns how many. */
  sweepUnregistered(graceSec: number): Promise<number>;
}

/** A blob key asked for that is not stored: a broken reference, never a client's mistake. */
export class BlobNotFoundError extends Error {
  readonly code = 'blob_not_found';
  constructor(readonly sha256: string) {
    super(`blob ${sha256} is not stored`);
  }
}

const HEX = /^[0-9a-f]{64}$/;

/** Checks a key before it reaches a path or a query: only 64 lowercase hex digits, so no path can be steered. */
export function checkKey(sha256: string): string {
  if (!HEX.test(sha256)) throw new Error('invalid blob key');
  return sha256;
}

/** Hex SHA-256 of bytes: the blob key. */
export const sha256Hex = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');
