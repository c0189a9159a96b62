import { LRUCache } from 'lru-cache';

/** A message body made safe to show, and how many remote loads were held back in it. */
export interface RenderedBody {
  html: string;
  blockedRemote: number;
}

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

/** A rendered body, and whether it is the text shown because sanitising ran out of time. */
export type Rendering = { body: RenderedBody; fallback: boolean };

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
