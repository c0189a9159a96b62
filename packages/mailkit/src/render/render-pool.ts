import { BoundExceeded, createBoundedPool } from '../pool/bounded-pool.ts';
import type { RenderTask } from './render-task.ts';
import type { SanitizedMail } from './sanitize-mail-html.ts';
import type { UserHtml } from '../template/sanitize-template.ts';

// A .mjs bootstrap, not the .ts task itself: see the comment in parse-worker.mjs.
const WORKER_URL = new URL('./render-worker.mjs', import.meta.url).href;

/** How many render threads run, and how long one sanitisation may take before its thread is stopped. */
export interface RenderPoolOptions {
  maxThreads: number;
  /** Threads kept running while idle (default 1; 0 for a process that rarely renders). */
  minThreads?: number;
  /** Wall time for one sanitisation, counted from when a thread starts it. */
  timeoutMs: number;
  /** Heap ceiling per thread. Default 512. */
  maxHeapMb?: number;
}

/**
 * Rendering off the main thread, on threads of its own: sanitising HTML,
 * linking plain text, turning HTML we send into text. A hostile body
 * (megabytes of markup) costs a render thread at most the time bound, never
 * the API's event loop, and never the parser threads ingestion needs.
 */
export interface RenderPool {
  /** sanitizeMailHtml for display; RenderTimeoutError past the time bound. */
  sanitizeMail(html: string, opts: { inlineImages: ReadonlyMap<string, string>; remoteImages: boolean }): Promise<SanitizedMail>;
  /**
   * sanitizeUserHtml for HTML an agent or admin submitted: the clean HTML, or
   * HtmlNestingError past the nesting limit, RenderTimeoutError past the time bound.
   */
  sanitizeUserHtml(html: string): Promise<string>;
  /** renderPlainText for display (a plain-text mail, linked); RenderTimeoutError past the time bound. */
  renderPlainText(text: string): Promise<string>;
  /** textAlternative (the text/plain part of HTML we send); RenderTimeoutError past the time bound. */
  textOf(html: string): Promise<string>;
  /** Waits for running work, then stops the threads. */
  close(): Promise<void>;
}

/** A body too costly to sanitise within the time bound (its thread was stopped). */
export class RenderTimeoutError extends Error {
  override readonly name = 'RenderTimeoutError';
}

/** HTML a person submitted that nests deeper than the limit. */
export class HtmlNestingError extends Error {
  override readonly name = 'HtmlNestingError';
  constructor(readonly limit: number) {
    super(`the HTML is nested more than ${limit} elements deep`);
  }
}

/** Starts the render pool; one per process, closed on shutdown. */
export function createRenderPool(options: RenderPoolOptions): RenderPool {
  if (!(options.timeoutMs > 0)) throw new RangeError('timeoutMs must be > 0');
  const pool = createBoundedPool({ filename: WORKER_URL, maxThreads: options.maxThreads, minThreads: options.minThreads, maxHeapMb: options.maxHeapMb ?? 512 });

  async function run<R>(task: RenderTask): Promise<R> {
    try {
      return await pool.run<R>((started) => ({ ...task, started }), options.timeoutMs);
    } catch (err) {
      if (err instanceof BoundExceeded) throw new RenderTimeoutError(`sanitising took longer than ${options.timeoutMs} ms; the thread was stopped`, { cause: err });
      throw err;
    }
  }

  return {
    sanitizeMail: (html, opts) => run<SanitizedMail>({ kind: 'mail', html, inlineImages: [...opts.inlineImages], remoteImages: opts.remoteImages }),
    async sanitizeUserHtml(html) {
      const r = await run<UserHtml>({ kind: 'user', html });
      if (!r.ok) throw new HtmlNestingError(r.limit);
      return r.html;
    },
    renderPlainText: (text) => run<string>({ kind: 'plain', text }),
    textOf: (html) => run<string>({ kind: 'text', html }),
    close: () => pool.close(),
  };
}
