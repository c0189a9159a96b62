import type { Deps } from '../../deps.ts';
import { recordBlobs } from '../../platform/blobs/blobs.repo.ts';
import { invalid } from '../../platform/http/errors.ts';
import { insertUpload } from './uploads.repo.ts';

/**
 * Keeps a file an agent uploads to attach to a message: the bytes in the
 * blob store, the row with a cleaned name (no control characters, no path)
 * and the declared type, lowercased (it is only ever served as a download).
 */
export async function storeUpload(
  deps: Pick<Deps, 'db' | 'blobs'>,
  userId: string,
  bytes: Buffer,
  file: { filename: string; type?: string },
): Promise<{ id: string; filename: string; contentType: string; size: number }> {
  if (bytes.length === 0) throw invalid('body', 'the file is empty');
  const filename = file.filename.replace(/[\u0000-\u001f\u007f]/g, '').replace(/^.*[/\\]/, '').trim().slice(0, 255) || 'attachment';
  const contentType = (file.type ?? 'application/octet-stream').toLowerCase();
  const blob = await deps.blobs.put(bytes);
  const id = await deps.db.tx(async (q) => {
    await recordBlobs(q, [blob]);
    return insertUpload(q, { userId, sha256: blob.sha256, filename, contentType, size: bytes.length });
  });
  return { id, filename, contentType, size: bytes.length };
}
