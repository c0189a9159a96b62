import type { Queryable } from '../db/db.ts';

/** A job as claimed: the claim is identified by (id, attempts), which fences a lapsed lease. */
export interface ClaimedJob {
  id: number;
  kind: string;
  jobKey: string | null;
  /** Untrusted until the kind's schema has parsed it. */
  payload: unknown;
  /** Counting this claim. */
  attempts: number;
  maxAttempts: number;
  runAt: Date;
}

/** What adding a job names; the key makes adding idempotent (one job per kind and key, ever). */
export interface NewJob {
  kind: string;
  payload: unknown;
  key?: string;
  runAt?: Date;
  maxAttempts: number;
}

/**
 * Inserts jobs in the caller's transaction (one statement however many), so
 * a job exists exactly when the write that causes it commits. A job whose
 * kind and key exist already is not added again. Returns how many were added.
 */
export async function insertJobs(q: Queryable, jobs: readonly NewJob[]): Promise<number> {
  if (jobs.length === 0) return 0;
  const r = await q.query(
    `INSERT INTO jobs (kind, job_key, payload, run_at, max_attempts)
     SELECT j.kind, j.job_key, j.payload, coalesce(j.run_at, now()), j.max_attempts
       FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::timestamptz[], $5::int[]) AS j(kind, job_key, payload, run_at, max_attempts)
     ON CONFLICT (kind, job_key) DO NOTHING`,
    [
      jobs.map((j) => j.kind),
      jobs.map((j) => j.key ?? null),
      jobs.map((j) => JSON.stringify(j.payload)),
      jobs.map((j) => j.runAt ?? null),
      jobs.map((j) => j.maxAttempts),
    ],
  );
  return r.rowCount ?? 0;
}

/**
 * The batch claim: up to `limit` due jobs of one kind in one statement.
 * SKIP LOCKED keeps claimers on any node apart; the claim is a lease —
 * `locked_until` — and a job whose claimer died is due again once it lapses.
 * Each claim counts as an attempt, so a job that kills its worker every time
 * still runs out of attempts.
 */
export async function claimJobs(q: Queryable, kind: string, limit: number, leaseSec: number, node: string): Promise<ClaimedJob[]> {
  const { rows } = await q.query<{ id: number; kind: string; job_key: string | null; payload: unknown; attempts: number; max_attempts: number; run_at: Date }>(
    {
      name: 'jobs_claim',
      text: `UPDATE jobs j SET state = 'running', attempts = j.attempts + 1, locked_by = $4,
                    locked_until = now() + make_interval(secs => $3), updated_at = now()
               FROM (SELECT id FROM jobs
                      WHERE kind = $1 AND state IN ('queued', 'running') AND run_at <= now()
                        AND (locked_until IS NULL OR locked_until < now())
                      ORDER BY run_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) due
              WHERE j.id = due.id
              RETURNING j.id, j.kind, j.job_key, j.payload, j.attempts, j.max_attempts, j.run_at`,
    },
    [kind, limit, leaseSec, node],
  );
  return rows.map((r) => ({ id: r.id, kind: r.kind, jobKey: r.job_key, payload: r.payload, attempts: r.attempts, maxAttempts: r.max_attempts, runAt: r.run_at }));
}

/** A claim to settle: the job and the attempt it was claimed at. */
export interface JobClaim {
  id: number;
  attempts: number;
}

/**
 * Completes claimed jobs (deletes them; the outcome lives in the rows the job
 * changed), in one statement. A claim whose lease lapsed and was taken over
 * by another claimer (its attempt count moved on) is left to that claimer.
 */
export async function completeJobs(q: Queryable, claims: readonly JobClaim[]): Promise<number> {
  if (claims.length === 0) return 0;
  const r = await q.query(
    { name: 'jobs_complete', text: `DELETE FROM jobs j USING unnest($1::bigint[], $2::int[]) AS c(id, attempts) WHERE j.id = c.id AND j.attempts = c.attempts` },
    [claims.map((c) => c.id), claims.map((c) => c.attempts)],
  );
  return r.rowCount ?? 0;
}

/**
 * Records a failed attempt: due again `retryInMs` from now (the database's
 * clock, the one claims compare with), or failed for good when it is null —
 * kept with its error, for whoever looks. Fenced like completeJobs.
 */
export async function failJob(q: Queryable, claim: JobClaim, error: string, retryInMs: number | null): Promise<boolean> {
  const r = await q.query(
    `UPDATE jobs SET state = CASE WHEN $3::float8 IS NULL THEN 'failed' ELSE 'queued' END,
            run_at = CASE WHEN $3::float8 IS NULL THEN run_at ELSE now() + make_interval(secs => $3::float8 / 1000) END,
            last_error = $4, locked_by = NULL, locked_until = NULL, updated_at = now()
      WHERE id = $1 AND attempts = $2`,
    [claim.id, claim.attempts, retryInMs, error.slice(0, 1000)],
  );
  return (r.rowCount ?? 0) > 0;
}

/** A job as an operator sees it (tests, diagnostics). */
export interface JobRow {
  id: number;
  kind: string;
  job_key: string | null;
  payload: unknown;
  state: 'queued' | 'running' | 'failed';
  run_at: Date;
  attempts: number;
  max_attempts: number;
  locked_by: string | null;
  locked_until: Date | null;
  last_error: string | null;
}

/** The jobs of a kind, optionally one key's. */
export async function findJobs(q: Queryable, kind: string, key?: string): Promise<JobRow[]> {
  const { rows } = await q.query<JobRow>(`SELECT * FROM jobs WHERE kind = $1 AND ($2::text IS NULL OR job_key = $2) ORDER BY id`, [kind, key ?? null]);
  return rows;
}
