// The piscina task: runs parseMessage inside a worker thread and returns a
// plain result, because an Error's class and `code` do not survive the trip
// back across the thread boundary (structured clone keeps only name/message).
import type { MessagePort } from 'node:worker_threads';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import type { ParseLimits } from './limits.ts';
import { ParseRejectedError, type ParseRejectCode } from './parse-error.ts';
import { parseMessage } from './parse-message.ts';
import type { ParsedMessage } from './types.ts';

/** What the pool sends: the raw bytes (copied, never transferred from the caller), the limits, and where to say "started". */
export interface ParseTask {
  raw: Uint8Array;
  limits?: Partial<ParseLimits>;
  /** Told when the parse begins, so the pool's clock does not count queueing or thread start-up. */
  started?: MessagePort;
}

/** What the worker answers; a rejection travels as data so its code stays typed. */
export type ParseTaskResult = { ok: true; message: ParsedMessage } | { ok: false; code: ParseRejectCode; reason: string };

const MOVE_MIN_BYTES = 64 * 1024;

/** Piscina calls the default export once per task. */
export default async function parseTask(task: ParseTask): Promise<ParseTaskResult> {
  task.started?.postMessage('started');
  task.started?.close();
  const raw = Buffer.from(task.raw.buffer, task.raw.byteOffset, task.raw.byteLength);
  try {
    const message = await parseMessage(raw, task.limits);
    // Move large attachments back instead of cloning them: a 25 MB attachment
    // would otherwise exist twice at once. Only large buffers move: small ones
    // may share Node's pool with other data and are cloned. A large one is a
    // decoder's own output (possibly a view of a slightly larger block), which
    // nothing else shares; the view keeps its offset and length on the way.
    const movable = [...new Set(message.attachments.map((a) => a.content).filter((c) => c.byteLength >= MOVE_MIN_BYTES).map((c) => c.buffer as ArrayBuffer))];
    const result: ParseTaskResult = { ok: true, message };
    if (movable.length === 0) return result;
    return move({
      get [transferableSymbol]() {
        return movable;
      },
      get [valueSymbol]() {
        return result;
      },
    }) as unknown as ParseTaskResult;
  } catch (err) {
    if (err instanceof ParseRejectedError) return { ok: false, code: err.code, reason: err.reason };
    // A bug in our code or the parser's, not a limit: the message is still quarantined, with the cause.
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, code: 'unparseable', reason: `unexpected parser failure: ${message.slice(0, 200)}` };
  }
}
