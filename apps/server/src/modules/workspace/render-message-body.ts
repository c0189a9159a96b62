import { RenderTimeoutError } from '@postdesk/mailkit/parse';
import { mailDocument, renderPlainText } from '@postdesk/mailkit/render';
import { escapeHtml } from '@postdesk/mailkit/template';
import type { Deps } from '../../deps.ts';
import { SAFE_IMAGES } from './safe-images.ts';
import { visibleAttachments, visibleMessage, type Viewer } from './workspace.repo.ts';

const MAX_INLINE_IMAGE = 5 * 1024 * 1024;
const TOO_COMPLEX = 'This message’s formatting is too complex to show safely; here is its text.';

/**
 * A message body as a standalone document for a sandboxed frame: HTML
 * sanitised in the parser pool (inline cid images embedded, remote images
 * only when asked for), plain text linkified; markup built to exhaust the
 * sanitiser is shown as its text. Returns the document and how many remote
 * images were blocked.
 */
export async function renderMessageBody(
  deps: Pick<Deps, 'db' | 'blobs' | 'parser' | 'log'>,
  v: Viewer,
  messageId: number,
  remoteImages: boolean,
): Promise<{ document: string; blockedRemote: number }> {
  const m = await visibleMessage(deps.db, v, messageId);
  let body: string;
  let blockedRemote = 0;
  if (m.html_body) {
    const inlineImages = new Map<string, string>();
    for (const a of await visibleAttachments(deps.db, v, m.id)) {
      if (!a.content_id || !SAFE_IMAGES.has(a.content_type.toLowerCase()) || Number(a.size) > MAX_INLINE_IMAGE) continue;
      const bytes = await deps.blobs.get(a.sha256.toString('hex'));
      inlineImages.set(a.content_id.replace(/^<|>$/g, '').toLowerCase(), `data:${a.content_type.toLowerCase()};base64,${bytes.toString('base64')}`);
    }
    try {
      const clean = await deps.parser.sanitize(m.html_body, { inlineImages, remoteImages });
      body = clean.html;
      blockedRemote = clean.blockedRemote;
    } catch (err) {
      if (!(err instanceof RenderTimeoutError)) throw err;
      // markup built to exhaust the sanitiser: show the text instead
      deps.log.warn({ messageId: m.id }, 'message body too costly to sanitise; shown as text');
      body = `<p><em>${escapeHtml(TOO_COMPLEX)}</em></p>${renderPlainText(m.text_body ?? '')}`;
    }
  } else {
    body = renderPlainText(m.text_body ?? '');
  }
  return { document: mailDocument(body, { remoteImages, blockedRemote }), blockedRemote };
}
