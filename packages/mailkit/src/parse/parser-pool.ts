import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { resolveLimits, type ParseLimits } from './limits.ts';
import { ParseRejectedError, isParseRejectCode } from './parse-error.ts';
import type { ParseTask, ParseTaskResult } from './parse-worker.ts';
import type { ParsedMessage } from './types.ts';
import type { RenderTask } from '../render/render-task.ts';
import type { SanitizedMail } from '../render/sanitize-mail-html.ts';

// A .mjs bootstrap, not the .ts task itself: see the comment in it.
const WORKER_URL = new URL('./parse-worker.mjs', import.meta.url).href;

// Workers inherit the parent's Node flags. Keep them (a `--import tsx` host
// stays one), except the ones that describe the parent's own entry point:
// with --input-type (which `node -e` hosts carry) a worker refuses its file;
// and V8's heap sizes, which a worker refuses as flags (resourceLimits sets them).
const ENTRY_FLAGS_WITH_VALUE = new Set(['--input-type', '-e', '--eval', '-p', '--print']);
const HEAP_FLAG = /^--max-(?:old|semi|young)-(?:space|generation)-size(?:=|$)/;
function workerExecArgv(): string[] {
  const out: string[] = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const arg = process.execArgv[i]!;
    if (ENTRY_FLAGS_WITH_VALUE.has(arg)) i++;
    else if (HEAP_FLAG.test(arg)) continue;
    else if (![...ENTRY_FLAGS_WITH_VALUE].some((flag) => flag.startsWith('--') && arg.startsWith(`${flag}=`))) out.push(arg);
  }
  return out;
}

// V8's young generation is three semi-spaces; Node's default semi-space is
// 16 MB, so each thread could hold ~48 MB of short-lived garbage between
// scavenges. Parsing makes mostly short-lived strings and buffers: 2 MB
// semi-spaces keep the process's memory down at no measurable cost in speed
// (the main thread, which also routes, gets 4 MB from `npm start`).
const YOUNG_GENERATION_MB = 6;

/** How many parser threads run, and how long one message may take before its thread is killed. */
export interface ParserPoolOptions {
  maxThreads: number;
  /**
   * Wall time for one parse, counted from when a thread starts it: waiting
   * for a free thread and a fresh thread's start-up do not count.
   */
  timeoutMs: number;
  /** Heap ceiling per thread, so one message cannot take the process down by memory. Default 1024. */
  maxHeapMb?: number;
  /** Wall time for sanitising one body for display (queue included: an agent is waiting). Default 5000. */
  renderTimeoutMs?: number;
}

/** Safe parsing off the main thread; one instance per process, closed on shutdown. */
export interface ParserPool {
  /**
   * Like parseMessage, plus ParseRejectedError('timeout') when the time bound
   * is exceeded. The bytes are copied to the thread, unless `transfer` says
   * the caller is done with them: then a Buffer that owns its whole memory is
   * moved (and is empty afterwards), which spares a copy of a large message.
   */
  parse(raw: Buffer, limits?: Partial<ParseLimits>, opts?: { transfer?: boolean }): Promise<ParsedMessage>;
  /**
   * sanitizeMailHtml on a pool thread; rejects with RenderTimeoutError when
   * it takes longer than renderTimeoutMs (the thread is stopped).
   */
  sanitize(html: string, opts: { inlineImages: ReadonlyMap<string, string>; remoteImages: boolean }): Promise<SanitizedMail>;
  /** Waits for running parses, then stops the threads. */
  close(): Promise<void>;
}

class BoundExceeded extends Error {
  constructor(cause: unknown) {
    super('the time bound was exceeded', { cause });
  }
}

/** A body too costly to sanitise within the time bound. */
export class RenderTimeoutError extends Error {
  override readonly name = 'RenderTimeoutError';
}

/** Structured clone turns each Buffer into a plain Uint8Array; give callers Buffers back without copying. */
function revive(message: ParsedMessage): ParsedMessage {
  for (const a of message.attachments) {
    const c: Uint8Array = a.content;
    if (!Buffer.isBuffer(c)) a.content = Buffer.from(c.buffer, c.byteOffset, c.byteLength);
  }
  return message;
}

/**
 * Starts a worker-thread pool for parseMessage, so a pathological message
 * costs one killed thread and a 'timeout' rejection instead of a blocked
 * event loop for every mailbox in the process.
 */
export function createParserPool(options: ParserPoolOptions): ParserPool {
  if (!(options.maxThreads >= 1) || !(options.timeoutMs > 0)) throw new RangeError('maxThreads must be >= 1 and timeoutMs > 0');
  const piscina = new Piscina<ParseTask, ParseTaskResult>({
    filename: WORKER_URL,
    execArgv: workerExecArgv(),
    minThreads: 1,
    maxThreads: options.maxThreads,
    idleTimeout: 60_000,
    resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb ?? 1024, maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
  });
  /**
   * Runs a task with a time bound counted from when a thread starts it (it
   * says so on a port): neither waiting for a free thread nor a fresh
   * thread's start-up (tsx and mailparser loading, seconds on a busy
   * machine) counts. Past the bound the thread is terminated.
   */
  async function runBounded<R>(build: (started: MessagePort) => object, ms: number, opts: { name?: string; transferList?: ArrayBuffer[] } = {}): Promise<R> {
    const { port1: started, port2: startedPort } = new MessageChannel();
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    let settled = false;
    started.once('message', () => {
      if (settled) return; // the answer beat the "started" note: nothing to time
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort(); // piscina terminates the thread running the task
      }, ms);
    });
    try {
      return (await piscina.run(build(startedPort) as never, {
        name: opts.name,
        signal: controller.signal,
        transferList: [...(opts.transferList ?? []), startedPort] as never,
      })) as R;
    } catch (err) {
      if (timedOut) throw new BoundExceeded(err);
      throw err;
    } finally {
      settled = true;
      clearTimeout(timer);
      started.close();
    }
  }

  async function parse(raw: Buffer, limits?: Partial<ParseLimits>, opts: { transfer?: boolean } = {}): Promise<ParsedMessage> {
    const l = resolveLimits(limits);
    // Checked here too, so an oversized message is never copied to a thread.
    if (raw.length > l.maxMessageBytes) {
      throw new ParseRejectedError('too_large', `the message is ${raw.length} bytes, more than the limit of ${l.maxMessageBytes}`);
    }
    // One copy of exactly these bytes, moved (not cloned again) to the thread;
    // the caller's Buffer is detached only when it says so and owns its memory.
    const owns = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength && raw.buffer instanceof ArrayBuffer;
    const copy = opts.transfer && owns ? new Uint8Array(raw.buffer) : new Uint8Array(raw);
    let result: ParseTaskResult;
    try {
      result = await runBounded<ParseTaskResult>((started) => ({ raw: copy, limits: l, started }), options.timeoutMs, { transferList: [copy.buffer] });
    } catch (err) {
      if (err instanceof BoundExceeded) {
        throw new ParseRejectedError('timeout', `parsing took longer than ${options.timeoutMs} ms; the parser thread was stopped`, { cause: err });
      }
      const message = err instanceof Error ? err.message : String(err);
      throw new ParseRejectedError('unparseable', `the parser thread failed: ${message.slice(0, 200)}`, { cause: err });
    }
    if (result.ok) return revive(result.message);
    throw new ParseRejectedError(isParseRejectCode(result.code) ? result.code : 'unparseable', result.reason);
  }

  async function sanitize(html: string, opts: { inlineImages: ReadonlyMap<string, string>; remoteImages: boolean }): Promise<SanitizedMail> {
    const ms = options.renderTimeoutMs ?? 5_000;
    try {
      return await runBounded<SanitizedMail>((started): RenderTask => ({ html, inlineImages: [...opts.inlineImages], remoteImages: opts.remoteImages, started }), ms, { name: 'render' });
    } catch (err) {
      if (err instanceof BoundExceeded) throw new RenderTimeoutError(`sanitising took longer than ${ms} ms; the thread was stopped`, { cause: err });
      throw err;
    }
  }

  return {
    parse,
    sanitize,
    close: () => piscina.close(),
  };
}
