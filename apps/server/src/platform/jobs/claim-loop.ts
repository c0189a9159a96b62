import type { Logger } from '../log/logger.ts';

/**
 * What the loop runs: a claim of up to `limit` due items in one statement
 * (SKIP LOCKED with a lease, or due rows fired by a conditional update), and
 * the work of one claimed item. The claim is the source's own SQL, so a
 * queue whose rows are a domain ledger (the outbox) and the shared `jobs`
 * table go through the same loop.
 */
export interface ClaimSource<J> {
  /** Names the loop in logs. */
  name: string;
  /** Claims up to `limit` due items; fewer (or none) means nothing more is due now. */
  claim(limit: number): Promise<J[]>;
  /** Does one item; the signal aborts on stop(). A throw is logged: recording the outcome is run's job. */
  run(item: J, signal: AbortSignal): Promise<void>;
}

/** How many items run at once, and how often the loop looks without being woken. */
export interface ClaimLoopOptions {
  /** Items in flight at once; a claim asks for the free slots (the batch). */
  concurrency: number;
  /** A look without a wake-up: retries whose time came, leases that lapsed. */
  pollMs: number;
  log: Logger;
  /** Observes each non-empty claim: the items and how long the claim took (benchmarks, metrics). */
  onClaim?: (items: number, ms: number) => void;
}

/** A running loop; stop() aborts and waits for the items in flight. */
export interface ClaimLoop {
  /** Claims now (a wake-up); resolves when the loop is idle again. Calls while it runs coalesce. */
  wake(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The one claim loop of Postdesk: claims due items into free slots, runs
 * them, claims again as slots free up (no round waits for its slowest item),
 * and idles until woken (a NOTIFY relayed by the caller) or until the poll.
 * Written by hand rather than taken from a queue library: the claim must be
 * the source's own statement (account holds, due-time columns), see
 * docs/ARCHITECTURE.md, "Jobs".
 */
export function startClaimLoop<J>(source: ClaimSource<J>, opts: ClaimLoopOptions): ClaimLoop {
  const controller = new AbortController();
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  let claiming: Promise<void> | null = null;
  let again = false;
  let idle: Promise<void> = Promise.resolve();
  let settleIdle: (() => void) | null = null;

  const markBusy = (): void => {
    if (settleIdle) return;
    idle = new Promise<void>((resolve) => (settleIdle = resolve));
  };
  const markIdleIfDone = (): void => {
    if (claiming || inFlight.size > 0 || !settleIdle) return;
    const s = settleIdle;
    settleIdle = null;
    s();
  };

  const start = (item: J): void => {
    const p: Promise<void> = source
      .run(item, controller.signal)
      .catch((err: unknown) => opts.log.error({ loop: source.name, err: err instanceof Error ? err.message : String(err) }, 'jobs.run_failed'))
      .finally(() => {
        inFlight.delete(p);
        // a freed slot: claim more if there may be more
        if (!stopped && again) void claimRound();
        else markIdleIfDone();
      });
    inFlight.add(p);
  };

  const claimRound = (): Promise<void> => {
    if (claiming) {
      again = true;
      return claiming;
    }
    markBusy();
    claiming = (async () => {
      do {
        again = false;
        const free = opts.concurrency - inFlight.size;
        if (free <= 0 || stopped) {
          // slots are full: the next finished item claims again
          again = true;
          break;
        }
        const started = performance.now();
        let items: J[] = [];
        try {
          items = await source.claim(free);
        } catch (err) {
          opts.log.error({ loop: source.name, err: err instanceof Error ? err.message : String(err) }, 'jobs.claim_failed');
          break;
        }
        if (items.length > 0) opts.onClaim?.(items.length, performance.now() - started);
        for (const item of items) start(item);
        // a full claim means more may be due
        if (items.length === free) again = true;
      } while (again && !stopped && inFlight.size < opts.concurrency);
    })().finally(() => {
      claiming = null;
      markIdleIfDone();
    });
    return claiming;
  };

  const wake = async (): Promise<void> => {
    if (stopped) return;
    again = true;
    await claimRound();
    await idle;
  };

  const timer = setInterval(() => void claimRound(), opts.pollMs);
  void claimRound();
  return {
    wake,
    async stop() {
      stopped = true;
      clearInterval(timer);
      // items in flight are bounded by their own time limits; abort lets them end at once as retryable
      controller.abort();
      await claiming;
      await Promise.allSettled([...inFlight]);
    },
  };
}

/**
 * A source whose rows carry their own due time (an offer's expiry, a sticky
 * wait's end): the claim reads the due ids, and firing one is a conditional
 * update in its own transaction, which is what makes it happen once however
 * many nodes see it due. Ids already being fired by this loop are not
 * handed out again while they are in flight.
 */
export function dueRows<Id>(def: { name: string; due(limit: number): Promise<Id[]>; fire(id: Id, signal: AbortSignal): Promise<void> }): ClaimSource<Id> {
  const inFlight = new Set<Id>();
  return {
    name: def.name,
    async claim(limit) {
      const ids = (await def.due(limit + inFlight.size)).filter((id) => !inFlight.has(id)).slice(0, limit);
      for (const id of ids) inFlight.add(id);
      return ids;
    },
    async run(id, signal) {
      try {
        await def.fire(id, signal);
      } finally {
        inFlight.delete(id);
      }
    },
  };
}
