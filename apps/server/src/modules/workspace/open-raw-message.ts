import type { Readable } from 'node:stream';
import type { Deps } from '../../deps.ts';
import { visibleRawMessage, type Viewer } from './workspace.repo.ts';

// Long enough to recognise the mail by, short enough for every file system.
const MAX_NAME = 80;

/**
 * A message exactly as it was received or sent (its stored bytes, streamed
 * from the blob store), to download as an .eml file named after its subject.
 */
export async function openRawMessage(
  deps: Pick<Deps, 'db' | 'blobs'>,
  v: Viewer,
  messageId: number,
): Promise<{ filename: string; size: number; bytes: Readable }> {
  const m = await visibleRawMessage(deps.db, v, messageId);
  // the subject is the sender's text: the presenter neutralises it for the header
  const base = [...m.subject.replace(/\s+/g, ' ').trim()].slice(0, MAX_NAME).join('').trim().replace(/^\.+/, '') || `message-${messageId}`;
  return { filename: `${base}.eml`, size: m.size, bytes: deps.blobs.read(m.sha256.toString('hex')) };
}
