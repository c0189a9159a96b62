import { LRUCache } from 'lru-cache';
import { RenderTimeoutError, type RenderPool } from '@postdesk/mailkit/render';
import { escapeHtml } from '@postdesk/mailkit/template';
import type { BlobStore } from '../../platform/blobs/blob-store.ts';
import type { Queryable } from '../../platform/db/db.ts';
import type { Logger } from '../../platform/log/logger.ts';
import { checkMessageVisible, visibleAttachments, visibleMessage, type Viewer } from './workspace.repo.ts';

/** A message body made safe to show, and how many remote loads were held back in it. */
export interface RenderedBody {
  html: string;
  blockedRemote: number;
}

/** What rendering a body needs: the message and its inline images, and the render threads. */
export interface BodyDeps {
  db: Queryable;
  blobs: BlobStore;
  render: Pick<RenderPool, 'sanitizeMail' | 'renderPlainText'>;
  log: Logger;
}

// Image types shown in place. SVG is not among them: it can carry script.
export const SAFE_IMAGES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
const MAX_INLINE_IMAGE = 5 * 1024 * 1024;
const TOO_COMPLEX = 'This message’s formatting is too complex to show safely; here is its text.';

// Rendered bodies are kept per node, in memory, not in PostgreSQL: a body
// embeds its inline images as data: URLs (up to 5 MB each), which a table
// would store a second time next to the attachments; the output depends on
// this version's sanitiser, so a shared copy would need versioning across a
// rolling upgrade; and since the sanitiser runs in time linear in the input,
// a render costs milliseconds, and each node pays it once per message and
// option. What the cache must spare is the repeated open of a costly body
// (and of one that hit the time bound), which a per-node cache does.
const CACHE_CHARS = 32 * 1024 * 1024;
// A body shown as text because sanitising it ran out of time is tried again
// after this: the bound may have been hit because the machine was busy.
const FALLBACK_TTL_MS = 10 * 60_000;

type Rendering = { body: RenderedBody; fallback: boolean };

/** Bodies this node has rendered, by message and options; concurrent opens of one body share one render. */
export interface BodyCache {
  get(key: string, render: () => Promise<Rendering>): Promise<RenderedBody>;
}

/** A bounded LRU of rendered bodies (see CACHE_CHARS for why per node); fallbacks expire after fallbackTtlMs. */
export function createBodyCache(opts: { maxChars?: number; fallbackTtlMs?: number } = {}): BodyCache {
  const fallbackTtl = opts.fallbackTtlMs ?? FALLBACK_TTL_MS;
  const cache = new LRUCache<string, RenderedBody, () => Promise<Rendering>>({
    maxSize: opts.maxChars ?? CACHE_CHARS,
    sizeCalculation: (b) => Math.max(1, b.html.length),
    fetchMethod: async (_key, _stale, { context, options }) => {
      const r = await context();
      if (r.fallback) options.ttl = fallbackTtl;
      return r.body;
    },
  });
  return {
    async get(key, render) {
      // a body larger than the whole cache is rendered and returned, not kept
      return (await cache.fetch(key, { context: render }))!;
    },
  };
}

/**
 * A message body for the sandboxed frame: the customer's HTML sanitised (or
 * their text linked) on a render thread, kept in the node's cache for the
 * next open. Access is checked on every call, before the cache is asked.
 * HTML too costly to sanitise within the time bound is shown as its text.
 */
export async function messageBody(deps: BodyDeps, cache: BodyCache, v: Viewer, messageId: number, remoteImages: boolean): Promise<RenderedBody> {
  // the bodies (megabytes, for the mail that needs the cache most) are read only to render
  await checkMessageVisible(deps.db, v, messageId);
  return cache.get(`${messageId}:${remoteImages ? 'images' : 'blocked'}`, async () => renderBody(deps, v, await visibleMessage(deps.db, v, messageId), remoteImages));
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
