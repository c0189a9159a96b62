import { BoundExceeded, createBoundedPool } from '../pool/bounded-pool.ts';
import { resolveLimits, type ParseLimits } from './limits.ts';
import { ParseRejectedError, isParseRejectCode } from './parse-error.ts';
import type { ParseTask, ParseTaskResult } from './parse-worker.ts';
import type { ParsedMessage } from './types.ts';

// A .mjs bootstrap, not the .ts task itself: see the comment in it.
const WORKER_URL = new URL('./parse-worker.mjs', import.meta.url).href;

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
  /** Waits for running parses, then stops the threads. */
  close(): Promise<void>;
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
  // Its own threads: rendering bodies for agents (render-pool.ts) can never take them from ingestion.
  const pool = createBoundedPool({ filename: WORKER_URL, maxThreads: options.maxThreads, maxHeapMb: options.maxHeapMb ?? 1024 });

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
      result = await pool.run<ParseTaskResult>((started): ParseTask => ({ raw: copy, limits: l, started }), options.timeoutMs, { transferList: [copy.buffer] });
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

  return { parse, close: () => pool.close() };
}
