import { backoffDelay, type BackoffOptions } from '@postdesk/mailkit/backoff';
import type { z } from 'zod';
import type { Db, Queryable } from '../db/db.ts';
import { emitEvent, type DomainEvent } from '../events/events.ts';
import type { Logger } from '../log/logger.ts';
import { startClaimLoop, type ClaimLoop } from './claim-loop.ts';
import { claimJobs, completeJobs, failJob, insertJobs, type ClaimedJob } from './jobs.repo.ts';

/** What a job's run gets besides its payload. */
export interface JobContext {
  /** The attempt this is, counting this one (1 on the first run). */
  attempt: number;
  /** Aborts when the worker stops: end early, the job is tried again. */
  signal: AbortSignal;
}

/**
 * A kind of job: its name, the schema its payload must satisfy (checked when
 * it is added and again when it runs — a payload is stored data, not
 * trusted), how it retries, how long a claim lasts and how many run at once
 * on one node. Static, so a writer can add jobs of a kind without the deps
 * its handler needs.
 */
export interface JobKind<P> {
  kind: string;
  payload: z.ZodType<P>;
  /** Backoff between attempts and how many there are in all. */
  retry: BackoffOptions & { maxAttempts: number };
  /** How long a claim lasts; longer than any one run may take (its own time limits). */
  leaseSec: number;
  /** Runs claimed at once by one node; a claim asks for the free slots in one statement. */
  concurrency: number;
}

/** Declares a kind of job, typed by its payload schema. */
export function defineJob<S extends z.ZodType>(def: Omit<JobKind<z.infer<S>>, 'payload'> & { payload: S }): JobKind<z.infer<S>> {
  return def as JobKind<z.infer<S>>;
}

/**
 * What a worker does with a job of a kind. `run` must be idempotent: it
 * re-reads the state it acts on and returns early when the work is done,
 * because a job whose claimer died after the work but before the completion
 * runs again. It throws to have the job tried again (with the kind's backoff).
 */
export interface JobHandler<P> {
  kind: JobKind<P>;
  run(payload: P, ctx: JobContext): Promise<void>;
}

/** A job to add: its payload and, for idempotency, its key (one job per kind and key). */
export interface AddJob<P> {
  payload: P;
  key?: string;
  runAt?: Date;
}

/**
 * Adds jobs in the caller's transaction, with a wake-up that reaches the
 * workers on every node at commit (and never before). Payloads are
 * validated here already, so a bad one fails the write that causes it.
 * Returns how many were added (a known key is not added twice).
 */
export async function addJobs<P>(q: Queryable, kind: JobKind<P>, jobs: ReadonlyArray<AddJob<P>>): Promise<number> {
  const rows = jobs.map((j) => ({ kind: kind.kind, payload: kind.payload.parse(j.payload), key: j.key, runAt: j.runAt, maxAttempts: kind.retry.maxAttempts }));
  const added = await insertJobs(q, rows);
  if (added > 0) await emitEvent(q, { type: 'job.queued', kind: kind.kind });
  return added;
}

/** Adds one job in the caller's transaction (see addJobs); true when it was new. */
export async function addJob<P>(q: Queryable, kind: JobKind<P>, job: AddJob<P>): Promise<boolean> {
  return (await addJobs(q, kind, [job])) === 1;
}

/** The run of one claimed job: parse, run, and record the outcome (complete, retry later, or fail for good). */
async function runClaimed<P>(db: Db, log: Logger, handler: JobHandler<P>, job: ClaimedJob, signal: AbortSignal, random?: () => number): Promise<void> {
  const kind = handler.kind;
  const claim = { id: job.id, attempts: job.attempts };
  const parsed = kind.payload.safeParse(job.payload);
  if (!parsed.success) {
    // a stored payload this code cannot read is not going to become readable: fail it, keep it for a look
    const where = parsed.error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ');
    await failJob(db, claim, `invalid payload: ${where}`, null);
    log.error({ kind: kind.kind, jobId: job.id, err: where }, 'jobs.invalid_payload');
    return;
  }
  try {
    await handler.run(parsed.data, { attempt: job.attempts, signal });
    await completeJobs(db, [claim]);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    const last = job.attempts >= job.maxAttempts;
    const retryInMs = last ? null : backoffDelay(job.attempts - 1, { ...kind.retry, ...(random ? { random } : {}) });
    await failJob(db, claim, reason, retryInMs);
    log.warn({ kind: kind.kind, jobId: job.id, attempts: job.attempts, final: last, err: reason.slice(0, 200) }, 'jobs.attempt_failed');
  }
}

/** What the jobs worker needs, passed in. */
export interface JobWorkerDeps {
  db: Db;
  log: Logger;
  /** This process's name in claims (`locked_by`). */
  node: string;
  /** Wakes the worker when jobs are added, on any node. */
  onEvent: (handler: (e: DomainEvent) => void) => () => void;
}

/** The running jobs worker: one claim loop per kind. */
export interface JobWorker {
  /** Claims and runs what is due now for every kind; resolves when idle (tests). */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs the given kinds of the shared `jobs` table: one claim loop per kind
 * (claims up to its concurrency in one statement, with a lease), woken by
 * the `job.queued` event from any node and polling for retries and lapsed
 * leases.
 */
export function startJobWorker(deps: JobWorkerDeps, handlers: ReadonlyArray<JobHandler<unknown>>, opts: { pollMs?: number; random?: () => number } = {}): JobWorker {
  const loops = new Map<string, ClaimLoop>();
  for (const handler of handlers) {
    const kind = handler.kind;
    loops.set(
      kind.kind,
      startClaimLoop<ClaimedJob>(
        {
          name: kind.kind,
          claim: (limit) => claimJobs(deps.db, kind.kind, limit, kind.leaseSec, deps.node),
          run: (job, signal) => runClaimed(deps.db, deps.log, handler, job, signal, opts.random),
        },
        { concurrency: kind.concurrency, pollMs: opts.pollMs ?? 2_000, log: deps.log },
      ),
    );
  }
  const off = deps.onEvent((e) => {
    if (e.type === 'job.queued') void loops.get(e.kind)?.wake();
  });
  return {
    async drain() {
      await Promise.all([...loops.values()].map((l) => l.wake()));
    },
    async stop() {
      off();
      await Promise.all([...loops.values()].map((l) => l.stop()));
    },
  };
}
