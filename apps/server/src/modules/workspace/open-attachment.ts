import type { Readable } from 'node:stream';
import type { Deps } from '../../deps.ts';
import { notFound } from '../../platform/http/errors.ts';
import { SAFE_IMAGES } from './safe-images.ts';
import { visibleAttachments, type Viewer } from './workspace.repo.ts';

/** A message's file as it is served: a download, or a preview for the safe image types only when asked. */
export async function openAttachment(
  deps: Pick<Deps, 'db' | 'blobs'>,
  v: Viewer,
  messageId: number,
  partPath: string,
  askPreview: boolean,
): Promise<{ filename: string; contentType: string; preview: boolean; size: number; bytes: Readable }> {
  const a = (await visibleAttachments(deps.db, v, messageId)).find((x) => x.part_path === partPath);
  if (!a) throw notFound('attachment');
  const contentType = a.content_type.toLowerCase();
  const preview = askPreview && SAFE_IMAGES.has(contentType);
  // streamed from the blob store a megabyte at a time: a 50 MB file is never whole in memory
  return { filename: a.filename, contentType, preview, size: Number(a.size), bytes: deps.blobs.read(a.sha256.toString('hex')) };
}
