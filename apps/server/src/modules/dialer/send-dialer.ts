import { Worker } from 'node:worker_threads';
import { textAlternative } from '@postdesk/mailkit/bulk';
import type { Db } from '../../platform/db/db.ts';
import { blacklistKey } from './blacklist-key.ts';
import { blacklistedAmong } from './dialers.repo.ts';
import { DomainWindow, domainLimitOf, paceOf, take, waitForToken, type Bucket } from './pacing.ts';
import { claimRows, countUnprocessed, nextDueAt, recordOutcomes, recoverInFlight, type ClaimedRow, type RowOutcome } from './send-ledger.repo.ts';
import { holdDelay, outcomeOf } from './send-policy.ts';
import type { FromSendThread, SendThreadInit, ToSendThread } from './send-protocol.ts';

// The dialer's sender: the main thread claims rows from the ledger in
// batches (committed 'sending' before any is sent), hands each batch to the
// sending thread with the least work, and writes the outcomes back in groups.
// Claims, sending and ledger writes overlap: while a group of outcomes is
// being committed the threads send the next batches.

const WORKER_URL = new URL('./send-worker.mjs', import.meta.url);
const YOUNG_GENERATION_MB = Number(process.env.POSTDESK_BENCH_SENDER_YOUNG_MB ?? 32);

/** How a run is shaped; the defaults suit a two-core machine. */
export interface SendRunOptions {
  /** Sending threads (default 2). */
  threads?: number;
  /** SMTP connections per thread (default 4). */
  connectionsPerThread?: number;
  /** Rows per claim (default 256). */
  batchSize?: number;
  /** Rows claimed and not yet recorded, at most (default 4 batches per thread; never more than MAX_CLAIM_AHEAD). */
  maxInFlight?: number;
  /** Outcomes are written at least this often (default 50 ms), or once 2,000 wait. */
  flushMs?: number;
  /** Stop when no row is left to process (benchmarks, tests); otherwise keep waiting for new lists until stopped. */
  untilEmpty?: boolean;
  /** How long to wait before claiming again when nothing is due (default 1 s). */
  idlePollMs?: number;
  /** Called once every sending thread has loaded and compiled the message, before the first claim. */
  onReady?: () => void;
  /** Called after each group of outcomes is committed (the dashboard's hint). */
  onRecorded?: () => void;
  /** The node holding the dialer's run lease: claims stop as soon as it lost it. */
  node?: string;
}

/** The dialer's own limits that the sender applies. */
export interface SendLimits {
  maxPerSecond: number;
  intervalMs: number;
  /** At most perMinute messages in any 60 s to one destination domain. */
  domainLimits?: ReadonlyArray<{ domain: string; perMinute: number }>;
  /** The same for every domain not listed (0: none). */
  defaultDomainPerMinute?: number;
}

/**
 * The most rows one run holds 'sending' in the ledger at a time: handed to
 * the threads, or done and waiting to be written (deferred and skipped rows
 * too). They are what a crash leaves in flight to be sent again, so the bound
 * holds whatever the options ask (threads, batch size, maxInFlight).
 */
export const MAX_CLAIM_AHEAD = 2_048;

/** What a run did. */
export interface SendRunReport {
  sent: number;
  failed: number;
  retried: number;
  /** Rows found 'sending' when the run started (a crashed run's transactions in flight): sent again, counted uncertain. */
  recoveredInFlight: number;
  /** From the start of the run until every sending thread was ready. */
  startupMs: number;
  /** The most rows the run held claimed and unrecorded at once (at most MAX_CLAIM_AHEAD). */
  peakClaimedAhead: number;
}

/** Dependencies of a run. */
export interface SendRunDeps {
  db: Db;
  now: () => Date;
  log?: { warn: (obj: object, msg: string) => void };
}

interface ThreadState {
  worker: Worker;
  inFlight: number;
  ready: Promise<void>;
}

/**
 * Runs one dialer's sending until `signal` aborts (messages in flight finish
 * and are recorded; nothing is lost) or, with untilEmpty, until no row is
 * left. The caller must hold the dialer exclusively (one sender per dialer).
 */
export async function sendDialer(deps: SendRunDeps, dialerId: string, init: Omit<SendThreadInit, 'type'>, limits: SendLimits, signal: AbortSignal, opts: SendRunOptions = {}): Promise<SendRunReport> {
  const threads = opts.threads ?? 2;
  const maxInFlight = Math.max(1, Math.min(MAX_CLAIM_AHEAD, opts.maxInFlight ?? (opts.batchSize ?? 256) * 4 * threads));
  const batchSize = Math.max(1, Math.min(opts.batchSize ?? 256, maxInFlight));
  const flushMs = opts.flushMs ?? 50;
  const idlePollMs = opts.idlePollMs ?? 1_000;
  const started = performance.now();
  const report: SendRunReport = { sent: 0, failed: 0, retried: 0, recoveredInFlight: await recoverInFlight(deps.db, dialerId), startupMs: 0, peakClaimedAhead: 0 };

  const pace = paceOf(limits.maxPerSecond, limits.intervalMs);
  let bucket: Bucket = { tokens: pace.burst === Infinity ? 0 : pace.burst, at: Date.now() };
  const domainLimited = (limits.domainLimits?.length ?? 0) > 0 || (limits.defaultDomainPerMinute ?? 0) > 0;
  const domains = new DomainWindow(domainLimitOf(limits.domainLimits ?? [], limits.defaultDomainPerMinute ?? 0));
  const claimed = new Map<number, ClaimedRow>();
  const batches = new Map<number, { rows: ClaimedRow[]; thread: ThreadState }>();
  let nextBatch = 1;
  let outcomes: RowOutcome[] = [];
  let flushing = null as Promise<void> | null;
  let flushingRows = 0;
  // rows this run holds 'sending' in the ledger: with the threads, or done and not written yet
  const ahead = (): number => claimed.size + outcomes.length + flushingRows;
  let accountFailures = 0;
  let holdUntil = 0;
  let threadError: Error | null = null;
  let wake: (() => void) | null = null;
  const poke = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        wake = null;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  signal.addEventListener('abort', poke, { once: true });

  // a row's own message gets its text alternative here, once per distinct message
  const texts = new Map<string, string>();
  const textOf = (html: string): string => {
    let t = texts.get(html);
    if (t === undefined) {
      t = textAlternative(html);
      if (texts.size > 256) texts.clear();
      texts.set(html, t);
    }
    return t;
  };

  const pool: ThreadState[] = [];
  for (let i = 0; i < threads; i++) {
    // a young generation larger than the default: a sending thread makes ~20 KB of short-lived garbage per message
    const worker = new Worker(WORKER_URL, { resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    const ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (m: FromSendThread) => (m.type === 'ready' ? resolve() : m.type === 'error' ? reject(new Error(`sending thread: ${m.message}`)) : undefined));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`sending thread exited (${code}) before it was ready`)));
    });
    const state: ThreadState = { worker, inFlight: 0, ready };
    worker.on('message', (m: FromSendThread) => onThreadMessage(state, m));
    worker.on('error', (err) => {
      threadError = err;
      poke();
    });
    worker.postMessage({ ...init, type: 'init', connections: init.connections } satisfies ToSendThread);
    pool.push(state);
  }

  function onThreadMessage(thread: ThreadState, m: FromSendThread): void {
    if (m.type === 'error') {
      threadError = new Error(`sending thread: ${m.message}`);
      poke();
      return;
    }
    if (m.type !== 'results') return;
    const batch = batches.get(m.batch);
    if (!batch) return;
    batches.delete(m.batch);
    thread.inFlight -= batch.rows.length;
    let accountFailed = false;
    for (const r of m.outcomes) {
      const row = claimed.get(r.id);
      if (!row) continue;
      claimed.delete(r.id);
      if (!r.ok && r.scope === 'account') accountFailed = true;
      const o = outcomeOf(r, row.listId, row.attempts, accountFailures + (accountFailed ? 1 : 0));
      outcomes.push(o);
      if (o.kind === 'sent') report.sent++;
      else if (o.kind === 'failed') report.failed++;
      else report.retried++;
    }
    if (accountFailed) {
      accountFailures++;
      holdUntil = Date.now() + holdDelay(accountFailures);
      deps.log?.warn({ dialerId, accountFailures }, 'dialer: the SMTP account failed; sending waits');
    } else if (m.outcomes.some((r) => r.ok)) accountFailures = 0;
    if (outcomes.length >= 2_000) void flush().catch(() => undefined);
    poke();
  }

  const flush = (): Promise<void> => {
    if (flushing) return flushing;
    if (outcomes.length === 0) return Promise.resolve();
    const group = outcomes;
    outcomes = [];
    flushingRows = group.length;
    flushing = recordOutcomes(deps.db, dialerId, group, deps.now())
      .then(() => opts.onRecorded?.())
      .catch((err: unknown) => {
        // kept for the next flush: a dropped group would leave its rows 'sending', to be sent again after a restart
        outcomes = group.concat(outcomes);
        deps.log?.warn({ dialerId, err: err instanceof Error ? err.message : String(err), waiting: outcomes.length }, 'dialer: writing outcomes failed; trying again');
        throw err;
      })
      .finally(() => {
        flushing = null;
        flushingRows = 0;
        poke();
      });
    return flushing;
  };
  const flusher = setInterval(() => void flush().catch(() => undefined), flushMs);

  try {
    await Promise.all(pool.map((t) => t.ready));
    report.startupMs = performance.now() - started;
    opts.onReady?.();
    while (!signal.aborted) {
      if (threadError) throw threadError;
      if (ahead() >= maxInFlight) {
        await sleep(flushMs);
        continue;
      }
      const now = Date.now();
      if (now < holdUntil) {
        await sleep(holdUntil - now);
        continue;
      }
      const t = take(pace, bucket, now, Math.min(batchSize, maxInFlight - ahead()));
      if (t.granted === 0) {
        await sleep(Math.max(1, waitForToken(pace, bucket, now)));
        continue;
      }
      const blocked = domainLimited ? domains.blocked(now) : [];
      const claimedRows = await claimRows(deps.db, dialerId, t.granted, blocked, opts.node ?? null);
      report.peakClaimedAhead = Math.max(report.peakClaimedAhead, ahead() + claimedRows.length);
      // a domain that reached its limit within this claim: its rows go back to the queue until it frees up, untried
      let rows = claimedRows;
      if (domainLimited) {
        rows = [];
        for (const r of claimedRows) {
          if (domains.take(r.domain, now)) rows.push(r);
          else outcomes.push({ id: r.id, listId: r.listId, kind: 'defer', until: new Date(domains.freeAt(r.domain, now)) });
        }
      }
      // a blacklisted address never receives dialer mail: one look-up per claim, the rows skipped and counted
      if (rows.length > 0) {
        const keys = rows.map((r) => blacklistKey(r.destination));
        const black = await blacklistedAmong(deps.db, keys);
        if (black.size > 0) {
          const keep: ClaimedRow[] = [];
          rows.forEach((r, i) => (black.has(keys[i]!) ? outcomes.push({ id: r.id, listId: r.listId, kind: 'skipped', reply: 'blacklisted' }) : keep.push(r)));
          rows = keep;
        }
      }
      // tokens not used by this claim go back
      bucket = { tokens: t.bucket.tokens + (t.granted - rows.length), at: t.bucket.at };
      if (rows.length === 0 && claimedRows.length > 0) continue;
      if (rows.length === 0) {
        if (claimed.size > 0) {
          await sleep(flushMs);
          continue;
        }
        await flush();
        if (opts.untilEmpty && (await countUnprocessed(deps.db, dialerId)) === 0) break;
        const due = await nextDueAt(deps.db, dialerId);
        // rows of blocked domains are due but not claimable: wait for the first domain to free up
        const free = domainLimited ? domains.nextFree(Date.now()) : null;
        const at = free !== null ? Math.max(free, due?.getTime() ?? 0) : due?.getTime();
        await sleep(at !== undefined ? Math.min(idlePollMs, Math.max(10, at - Date.now())) : idlePollMs);
        continue;
      }
      const thread = pool.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
      const batch = nextBatch++;
      for (const r of rows) claimed.set(r.id, r);
      batches.set(batch, { rows, thread });
      thread.inFlight += rows.length;
      thread.worker.postMessage({
        type: 'batch',
        batch,
        rows: rows.map((r) => ({ id: r.id, to: r.destination, variables: r.variables, message: r.message, text: r.message === null ? null : textOf(r.message), attachments: r.attachments })),
      } satisfies ToSendThread);
    }
    // stop: what was handed to the threads finishes and is recorded
    while (claimed.size > 0 && !threadError) await sleep(flushMs);
    if (threadError) throw threadError;
  } finally {
    clearInterval(flusher);
    await flushing?.catch(() => undefined);
    await flush();
    await Promise.all(
      pool.map(
        (t) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => resolve(), 10_000);
            t.worker.on('message', (m: FromSendThread) => {
              if (m.type === 'stopped') {
                clearTimeout(timer);
                resolve();
              }
            });
            t.worker.postMessage({ type: 'stop' } satisfies ToSendThread);
          }),
      ),
    );
    await Promise.all(pool.map((t) => t.worker.terminate()));
  }
  return report;
}
