import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { DialerAttachment } from '@postdesk/contracts';
import type { BlobStore } from '../../platform/blobs/blob-store.ts';
import type { Db, Queryable } from '../../platform/db/db.ts';
import { AppError, invalid, notFound } from '../../platform/http/errors.ts';
import { campaignAttachments, deleteAttachment, insertAttachment, type AttachmentRow } from './dialers.repo.ts';

// The attachments registry: files list rows attach by token. A token is 128
// random bits (base64url), scoped to the dialer's campaign: a list of
// another campaign naming it is refused by the validator (line and column).

/** The most one registry file may weigh (it is sent with every row that names it). */
export const MAX_DIALER_ATTACHMENT_BYTES = 10 * 1024 * 1024;
/** The most the files one run loads may weigh together (each sending thread holds them). */
export const MAX_RUN_ATTACHMENT_BYTES = 64 * 1024 * 1024;

const present = (a: AttachmentRow): DialerAttachment => ({ token: a.token, filename: a.filename, contentType: a.content_type, size: a.size, createdAt: a.created_at.toISOString() });

/**
 * A file name made safe to keep and to put in a MIME header: no directory
 * part, no control or bidi-override characters, no leading dots, at most 255
 * characters; "attachment" when nothing is left.
 */
export function safeFilename(name: string): string {
  const clean = name
    .normalize('NFC')
    .replace(/^.*[/\\]/, '')
    .replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069"]/g, '')
    .replace(/^[.\s]+/, '')
    .trim()
    .slice(0, 255);
  return clean || 'attachment';
}

const TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;

/** Stores an uploaded file (streamed, refused past the limit) and registers a new token for the campaign. */
export async function addAttachment(
  deps: { db: Db; blobs: BlobStore },
  campaignId: string,
  input: { filename: string; type?: string | undefined; declaredLength?: number | undefined },
  body: unknown,
  userId: string | null,
): Promise<DialerAttachment> {
  if (!(body instanceof Readable)) throw new AppError('unsupported_media_type', 'send the file as application/octet-stream');
  const contentType = (input.type ?? 'application/octet-stream').trim().toLowerCase();
  if (!TYPE.test(contentType)) throw invalid('type', 'not a media type such as application/pdf');
  const tooLarge = () => new AppError('payload_too_large', `a dialer attachment may be at most ${MAX_DIALER_ATTACHMENT_BYTES / 1024 / 1024} MiB`);
  if (input.declaredLength !== undefined && input.declaredLength > MAX_DIALER_ATTACHMENT_BYTES) throw tooLarge();
  let size = 0;
  const counted = async function* (): AsyncGenerator<Uint8Array> {
    for await (const piece of body as AsyncIterable<Buffer>) {
      size += piece.byteLength;
      if (size > MAX_DIALER_ATTACHMENT_BYTES) throw tooLarge();
      yield piece;
    }
  };
  const blob = await deps.blobs.putStream(counted());
  if (blob.size === 0) throw invalid('body', 'the file is empty');
  const row = await insertAttachment(deps.db, {
    token: randomBytes(16).toString('base64url'),
    campaignId,
    filename: safeFilename(input.filename),
    contentType,
    size: blob.size,
    sha256: blob.sha256,
    createdBy: userId,
  });
  return present(row);
}

export async function listAttachments(q: Queryable, campaignId: string): Promise<{ items: DialerAttachment[] }> {
  return { items: (await campaignAttachments(q, campaignId)).map(present) };
}

/** Removes a token; refused (409) while a row not sent yet names it. */
export async function removeAttachment(q: Queryable, campaignId: string, token: string): Promise<void> {
  const r = await deleteAttachment(q, campaignId, token);
  if (r === 'missing') throw notFound('attachment');
  if (r === 'in_use') throw new AppError('conflict', 'rows not sent yet attach this file: stop the dialer or wait until they are sent');
}

/** The campaign's files for a run's sending threads, by token (at most MAX_RUN_ATTACHMENT_BYTES together). */
export async function runAttachments(deps: { db: Queryable; blobs: BlobStore }, campaignId: string): Promise<Record<string, { filename: string; contentType: string; content: Uint8Array }>> {
  const out: Record<string, { filename: string; contentType: string; content: Uint8Array }> = {};
  let total = 0;
  for (const a of await campaignAttachments(deps.db, campaignId)) {
    total += a.size;
    if (total > MAX_RUN_ATTACHMENT_BYTES) throw new Error(`the campaign's dialer attachments pass ${MAX_RUN_ATTACHMENT_BYTES / 1024 / 1024} MiB together`);
    out[a.token] = { filename: a.filename, contentType: a.content_type, content: new Uint8Array(await deps.blobs.get(a.sha256)) };
  }
  return out;
}
