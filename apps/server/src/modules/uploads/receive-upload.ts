import { Readable } from 'node:stream';
import type { BlobStore } from '../../platform/blobs/blob-store.ts';
import type { Db } from '../../platform/db/db.ts';
import { AppError, invalid } from '../../platform/http/errors.ts';
import { insertUpload, lockUserUploads, unsentUploadBytes } from './uploads.repo.ts';

/** What receiving an upload needs, passed in. */
export interface UploadDeps {
  db: Db;
  blobs: BlobStore;
  /** The most one file (and one message's files together) may weigh. */
  maxBytes: number;
  /** The most a user's unsent uploads may weigh together. */
  quotaBytes: number;
}

/** An upload as the API answers it. */
export interface UploadOut {
  id: string;
  filename: string;
  contentType: string;
  size: number;
}

const MIB = 1024 * 1024;
const mib = (n: number): string => `${(n / MIB).toFixed(n % MIB ? 1 : 0)} MiB`;

/**
 * Passes an `application/octet-stream` request body through unread, so the
 * upload route streams it to the blob store instead of Fastify buffering it
 * whole (eight 24 MiB uploads at once took the server from 212 to 449 MB).
 */
export function streamBody(_req: unknown, payload: Readable, done: (err: Error | null, body?: unknown) => void): void {
  done(null, payload);
}

/**
 * Stores a file an agent attaches to a message: streamed into the blob store
 * a piece at a time (never whole in memory), refused as soon as it passes
 * the file limit or the user's quota of unsent uploads (before reading, when
 * the client declares its length), and recorded under a lock on the user's
 * uploads so two at once cannot both pass the quota. A refused or broken
 * stream leaves bytes nothing registered, which the collector removes.
 */
export async function receiveUpload(
  deps: UploadDeps,
  userId: string,
  input: { filename: string; type?: string | undefined; declaredLength?: number | undefined },
  body: unknown,
): Promise<UploadOut> {
  if (!(body instanceof Readable)) throw new AppError('unsupported_media_type', 'send the file as application/octet-stream');
  const filename = input.filename.replace(/[\u0000-\u001f\u007f]/g, '').replace(/^.*[/\\]/, '').trim().slice(0, 255) || 'attachment';
  const contentType = (input.type ?? 'application/octet-stream').toLowerCase();
  const quotaLeft = (used: number) => deps.quotaBytes - used;
  const overQuota = (used: number, size: number) =>
    new AppError(
      'payload_too_large',
      `uploads not sent yet take ${mib(used)} of your ${mib(deps.quotaBytes)}; this file needs ${mib(size)}: send the messages they are for first (unsent uploads are removed after a day)`,
    );
  const tooLarge = () => new AppError('payload_too_large', `a file may be at most ${mib(deps.maxBytes)}`);
  const used = await unsentUploadBytes(deps.db, userId);
  const declared = input.declaredLength;
  if (declared !== undefined && declared > deps.maxBytes) throw tooLarge();
  if (declared !== undefined && declared > quotaLeft(used)) throw overQuota(used, declared);
  const limit = Math.min(deps.maxBytes, quotaLeft(used));
  let size = 0;
  const counted = async function* (): AsyncGenerator<Uint8Array> {
    for await (const piece of body as AsyncIterable<Buffer>) {
      size += piece.byteLength;
      if (size > limit) throw size > deps.maxBytes ? tooLarge() : overQuota(used, size);
      yield piece;
    }
  };
  const blob = await deps.blobs.putStream(counted());
  if (blob.size === 0) throw invalid('body', 'the file is empty');
  const id = await deps.db.tx(async (q) => {
    await lockUserUploads(q, userId);
    const now = await unsentUploadBytes(q, userId);
    if (now + blob.size > deps.quotaBytes) throw overQuota(now, blob.size);
    return insertUpload(q, { userId, sha256: blob.sha256, filename, contentType, size: blob.size });
  });
  return { id, filename, contentType, size: blob.size };
}
