import { mailDocument, RenderTimeoutError } from '@postdesk/mailkit/render';
import { escapeHtml } from '@postdesk/mailkit/template';
import type { Deps } from '../../deps.ts';
import type { BodyCache, Rendering } from './body-cache.ts';
import { SAFE_IMAGES } from './safe-images.ts';
import { checkMessageVisible, visibleAttachments, visibleMessage, type Viewer } from './workspace.repo.ts';

const MAX_INLINE_IMAGE = 5 * 1024 * 1024;
const TOO_COMPLEX = 'This message’s formatting is too complex to show safely; here is its text.';

type BodyDeps = Pick<Deps, 'db' | 'blobs' | 'render' | 'log'>;

/**
 * A message body as a standalone document for a sandboxed frame: HTML
 * sanitised on the render pool (inline cid images embedded, remote images
 * only when asked for), plain text linkified there too; markup too costly to
 * sanitise within the time bound is shown as its text. The rendered body is
 * kept in the node's cache for the next open; access is checked on every
 * call, before the cache is asked. Returns the document and how many remote
 * images were blocked.
 */
export async function renderMessageBody(
  deps: BodyDeps,
  cache: BodyCache,
  v: Viewer,
  messageId: number,
  remoteImages: boolean,
): Promise<{ document: string; blockedRemote: number }> {
  // the bodies (megabytes, for the mail that needs the cache most) are read only to render
  await checkMessageVisible(deps.db, v, messageId);
  const body = await cache.get(`${messageId}:${remoteImages ? 'images' : 'blocked'}`, async () =>
    renderBody(deps, v, await visibleMessage(deps.db, v, messageId), remoteImages),
  );
  return { document: mailDocument(body.html, { remoteImages, blockedRemote: body.blockedRemote }), blockedRemote: body.blockedRemote };
}

async function renderBody(deps: BodyDeps, v: Viewer, m: { id: number; html_body: string | null; text_body: string | null }, remoteImages: boolean): Promise<Rendering> {
  if (!m.html_body) return text(deps, m.text_body ?? '', '');
  const inlineImages = new Map<string, string>();
  for (const a of await visibleAttachments(deps.db, v, m.id)) {
    if (!a.content_id || !SAFE_IMAGES.has(a.content_type.toLowerCase()) || Number(a.size) > MAX_INLINE_IMAGE) continue;
    const bytes = await deps.blobs.get(a.sha256.toString('hex'));
    inlineImages.set(a.content_id.replace(/^<|>$/g, '').toLowerCase(), `data:${a.content_type.toLowerCase()};base64,${bytes.toString('base64')}`);
  }
  try {
    return { body: await deps.render.sanitizeMail(m.html_body, { inlineImages, remoteImages }), fallback: false };
  } catch (err) {
    if (!(err instanceof RenderTimeoutError)) throw err;
    // markup built to exhaust the sanitiser: show the text instead
    deps.log.warn({ messageId: m.id }, 'message body too costly to sanitise; shown as text');
    const shown = await text(deps, m.text_body ?? '', `<p><em>${escapeHtml(TOO_COMPLEX)}</em></p>`);
    return { body: shown.body, fallback: true };
  }
}

/** Plain text linked on a render thread; past the time bound, escaped as it is. */
async function text(deps: BodyDeps, body: string, before: string): Promise<Rendering> {
  try {
    return { body: { html: before + (await deps.render.renderPlainText(body)), blockedRemote: 0 }, fallback: false };
  } catch (err) {
    if (!(err instanceof RenderTimeoutError)) throw err;
    return { body: { html: `${before}<div class="pd-text">${escapeHtml(body)}</div>`, blockedRemote: 0 }, fallback: true };
  }
}
