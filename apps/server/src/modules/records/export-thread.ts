import { PassThrough, type Readable } from 'node:stream';
import { once } from 'node:events';
import { Zip, ZipDeflate } from 'fflate';
import type { BlobStore } from '../../platform/blobs/blob-store.ts';
import type { Queryable } from '../../platform/db/db.ts';
import { notFound } from '../../platform/http/errors.ts';
import type { Logger } from '../../platform/log/logger.ts';
import { inScope } from './records.policy.ts';
import { attachmentsOf, campaignOfInteraction, rawMessages, type CampaignScope } from './records.repo.ts';

/**
 * A file name from the mail made safe as a zip entry: no path separators,
 * no control characters, no leading dots (no `..`, no hidden files), at most
 * 120 characters; never empty.
 */
export function safeEntryName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = name.replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/g, '_').replace(/^[.\s]+/, '').trim().slice(0, 120);
  return cleaned || 'file';
}

const pad = (n: number): string => String(n).padStart(3, '0');

/**
 * The thread as a zip: one numbered `.eml` per message in the order they
 * happened, each exactly the bytes received or sent (the stored raw
 * message); with attachments, each message's files beside it in a folder
 * of the same number. Streamed from the blob store one piece at a time.
 */
export async function exportThread(
  deps: { db: Queryable; blobs: BlobStore; log: Logger },
  scope: CampaignScope,
  interactionId: number,
  withAttachments: boolean,
): Promise<Readable> {
  if (!inScope(scope, await campaignOfInteraction(deps.db, interactionId))) throw notFound('interaction');
  const messages = await rawMessages(deps.db, interactionId);
  const files = withAttachments ? await attachmentsOf(deps.db, interactionId) : [];
  const out = new PassThrough();
  const zip = new Zip((err, chunk, final) => {
    if (err) {
      out.destroy(err);
      return;
    }
    out.write(chunk);
    if (final) out.end();
  });
  const add = async (name: string, sha256: string): Promise<void> => {
    const entry = new ZipDeflate(name, { level: 6 });
    zip.add(entry);
    for await (const piece of deps.blobs.read(sha256)) {
      entry.push(piece as Buffer);
      if (out.writableNeedDrain) await once(out, 'drain');
    }
    entry.push(new Uint8Array(0), true);
  };
  void (async () => {
    let n = 0;
    for (const m of messages) {
      n += 1;
      await add(`${pad(n)}-${m.direction}.eml`, m.raw_sha256.toString('hex'));
      const used = new Set<string>();
      for (const f of files.filter((a) => a.message_id === m.id)) {
        let name = safeEntryName(f.filename);
        for (let k = 2; used.has(name.toLowerCase()); k += 1) name = `${k}-${safeEntryName(f.filename)}`;
        used.add(name.toLowerCase());
        await add(`${pad(n)}-attachments/${name}`, f.sha256.toString('hex'));
      }
    }
    zip.end();
  })().catch((err: unknown) => {
    deps.log.warn({ err, interactionId }, 'thread download ended early');
    zip.terminate();
    out.destroy(err as Error);
  });
  return out;
}
