import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestDatabase } from '../../../../../test/support/database.ts';
import { eventually } from '../../../../../test/support/mail-fixtures.ts';
import { createDb, type Db } from '../db/db.ts';
import { createEventBus, type EventBus } from '../events/event-bus.ts';
import { createLogger } from '../log/logger.ts';
import { addJob, addJobs, defineJob, startJobWorker, type JobHandler } from './jobs.ts';
import { claimJobs, completeJobs, failJob, findJobs, insertJobs } from './jobs.repo.ts';

// The jobs layer against real PostgreSQL: two claimers never share a job, a
// dead claimer's lease is taken over, settling is fenced, a re-run finds its
// work done, failures back off and end failed, the batch claim takes many in
// one statement, and a job added on one node wakes the worker of another.

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Db;
let other: Db; // a second node's pool
const log = createLogger('silent');

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  other = createDb(database.url, { max: 5 });
  await db.query(`CREATE TABLE test_effects (id int PRIMARY KEY, runs int NOT NULL DEFAULT 0, done boolean NOT NULL DEFAULT false)`);
});
afterAll(async () => {
  await other?.close();
  await database?.drop();
});

let seq = 0;
/** A kind of its own for each test, so tests never see each other's jobs. */
const kindFor = (over: Partial<{ maxAttempts: number; leaseSec: number; concurrency: number }> = {}) =>
  defineJob({
    kind: `test.kind_${++seq}`,
    payload: z.object({ n: z.number().int() }).strict(),
    retry: { baseMs: 60_000, capMs: 3_600_000, jitter: 'equal', maxAttempts: over.maxAttempts ?? 3 },
    leaseSec: over.leaseSec ?? 300,
    concurrency: over.concurrency ?? 4,
  });

describe('claims', () => {
  it('two claimers on two nodes never take the same job, and between them take every one', async () => {
    const kind = kindFor();
    await db.tx((q) => addJobs(q, kind, Array.from({ length: 300 }, (_v, n) => ({ payload: { n }, key: String(n) }))));
    const taken: Array<{ node: string; id: number }> = [];
    const claimer = async (pool: Db, node: string): Promise<void> => {
      for (;;) {
        const jobs = await claimJobs(pool, kind.kind, 7, 300, node);
        if (jobs.length === 0) return;
        for (const j of jobs) taken.push({ node, id: j.id });
      }
    };
    await Promise.all([claimer(db, 'node-a'), claimer(other, 'node-b'), claimer(db, 'node-a2'), claimer(other, 'node-b2')]);
    const ids = taken.map((t) => t.id);
    expect(ids).toHaveLength(300);
    expect(new Set(ids).size).toBe(300);
    // both nodes did take part (otherwise the test proves nothing about exclusivity)
    expect(new Set(taken.map((t) => t.node.slice(0, 6))).size).toBe(2);
  });

  it('a job whose claimer died is taken over once its lease lapses; the dead claim can no longer settle it', async () => {
    const kind = kindFor();
    await db.tx((q) => addJob(q, kind, { payload: { n: 1 } }));
    const [dead] = await claimJobs(db, kind.kind, 10, 300, 'node-dead');
    expect(dead).toMatchObject({ attempts: 1 });
    // while the lease holds, nobody else gets it
    expect(await claimJobs(other, kind.kind, 10, 300, 'node-b')).toEqual([]);
    // the lease lapses (the node never renewed nor settled it)
    await db.query(`UPDATE jobs SET locked_until = now() - interval '1 second' WHERE id = $1`, [dead!.id]);
    const [taken] = await claimJobs(other, kind.kind, 10, 300, 'node-b');
    expect(taken).toMatchObject({ id: dead!.id, attempts: 2 });
    expect((await findJobs(db, kind.kind))[0]).toMatchObject({ locked_by: 'node-b', state: 'running' });
    // the dead node wakes up late: neither its completion nor its failure touches the job now held by node-b
    expect(await completeJobs(db, [{ id: dead!.id, attempts: dead!.attempts }])).toBe(0);
    expect(await failJob(db, { id: dead!.id, attempts: dead!.attempts }, 'late', null)).toBe(false);
    expect((await findJobs(db, kind.kind))[0]).toMatchObject({ locked_by: 'node-b', state: 'running', last_error: null });
    expect(await completeJobs(other, [{ id: taken!.id, attempts: taken!.attempts }])).toBe(1);
    expect(await findJobs(db, kind.kind)).toEqual([]);
  });

  it('the batch claim takes up to N due jobs of a kind in one statement, oldest first, and completes them in one', async () => {
    const kind = kindFor();
    const otherKind = kindFor();
    const early = new Date(Date.now() - 60_000);
    await db.tx(async (q) => {
      await addJobs(q, kind, Array.from({ length: 1200 }, (_v, n) => ({ payload: { n }, key: `k${n}`, ...(n >= 1000 ? { runAt: early } : {}) })));
      await addJobs(q, kind, [{ payload: { n: -1 }, runAt: new Date(Date.now() + 3_600_000) }]); // not due
      await addJobs(q, otherKind, [{ payload: { n: 0 } }]);
    });
    const first = await claimJobs(db, kind.kind, 500, 300, 'node-a');
    expect(first).toHaveLength(500);
    // the 200 that were due earliest come first
    expect(first.slice(0, 200).map((j) => (j.payload as { n: number }).n).sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_v, i) => 1000 + i));
    expect(first.every((j) => j.kind === kind.kind)).toBe(true);
    expect(await completeJobs(db, first.map((j) => ({ id: j.id, attempts: j.attempts })))).toBe(500);
    const second = await claimJobs(db, kind.kind, 1000, 300, 'node-a');
    expect(second).toHaveLength(700); // what is left and due: not the future one, not the other kind's
    expect((await findJobs(db, otherKind.kind))[0]!.state).toBe('queued');
  });
});

describe('adding', () => {
  it('a key adds a job once; a rolled-back write adds none', async () => {
    const kind = kindFor();
    expect(await db.tx((q) => addJob(q, kind, { payload: { n: 1 }, key: 'same' }))).toBe(true);
    expect(await db.tx((q) => addJob(q, kind, { payload: { n: 2 }, key: 'same' }))).toBe(false);
    await expect(
      db.tx(async (q) => {
        await addJob(q, kind, { payload: { n: 3 }, key: 'rolled-back' });
        throw new Error('the write that causes it fails');
      }),
    ).rejects.toThrow('the write that causes it fails');
    expect((await findJobs(db, kind.kind)).map((j) => [j.job_key, j.payload])).toEqual([['same', { n: 1 }]]);
  });

  it('refuses a payload its kind does not accept, naming the field', async () => {
    const kind = kindFor();
    await expect(db.tx((q) => addJob(q, kind, { payload: { n: 1.5 } }))).rejects.toThrow(/"n"|n/);
    await expect(db.tx((q) => addJob(q, kind, { payload: { n: 1, extra: true } as unknown as { n: number } }))).rejects.toThrow(/extra/);
    expect(await findJobs(db, kind.kind)).toEqual([]);
  });
});

describe('the worker', () => {
  // A handler that does its work once: it re-reads its row and returns early when done.
  const effectHandler = (kind: ReturnType<typeof kindFor>, after?: () => void): JobHandler<{ n: number }> => ({
    kind,
    async run({ n }) {
      await db.query(`INSERT INTO test_effects (id) VALUES ($1) ON CONFLICT DO NOTHING`, [n]);
      await db.query(`UPDATE test_effects SET runs = runs + 1, done = true WHERE id = $1 AND NOT done`, [n]);
      after?.();
    },
  });
  const noEvents = () => () => undefined;

  it('runs a job and completes it; a re-run after a claimer died mid-way finds the work done', async () => {
    const kind = kindFor();
    await db.tx((q) => addJob(q, kind, { payload: { n: 101 } }));
    // a node claims it, does the work, and dies before completing it
    const [dead] = await claimJobs(db, kind.kind, 1, 300, 'node-dead');
    await effectHandler(kind).run({ n: 101 }, { attempt: 1, signal: new AbortController().signal });
    await db.query(`UPDATE jobs SET locked_until = now() - interval '1 second' WHERE id = $1`, [dead!.id]);
    const worker = startJobWorker({ db, log, node: 'node-b', onEvent: noEvents }, [effectHandler(kind)], { pollMs: 3_600_000 });
    try {
      await worker.drain();
      expect(await findJobs(db, kind.kind)).toEqual([]);
      expect((await db.query(`SELECT runs FROM test_effects WHERE id = 101`)).rows[0]).toEqual({ runs: 1 });
    } finally {
      await worker.stop();
    }
  });

  it('a failure is tried again after the kind\u2019s backoff, and fails for good after the last attempt', async () => {
    const kind = kindFor({ maxAttempts: 3 });
    const failing: JobHandler<{ n: number }> = { kind, run: () => Promise.reject(new Error('the server said 451 later')) };
    await db.tx((q) => addJob(q, kind, { payload: { n: 1 } }));
    // random 0 with equal jitter: exactly half of the exponential step (30 s, then 60 s)
    const worker = startJobWorker({ db, log, node: 'node-a', onEvent: noEvents }, [failing], { pollMs: 3_600_000, random: () => 0 });
    const delay = async () =>
      (await db.query<{ s: number }>(`SELECT extract(epoch FROM run_at - updated_at)::float8 AS s FROM jobs WHERE kind = $1`, [kind.kind])).rows[0]!.s;
    try {
      await worker.drain();
      expect((await findJobs(db, kind.kind))[0]).toMatchObject({ state: 'queued', attempts: 1, last_error: 'the server said 451 later', locked_until: null });
      expect(await delay()).toBeCloseTo(30, 0);
      await worker.drain();
      expect((await findJobs(db, kind.kind))[0]!.attempts).toBe(1); // not due yet: nothing ran
      await db.query(`UPDATE jobs SET run_at = now() WHERE kind = $1`, [kind.kind]); // its time comes
      await worker.drain();
      expect((await findJobs(db, kind.kind))[0]).toMatchObject({ state: 'queued', attempts: 2 });
      expect(await delay()).toBeCloseTo(60, 0);
      await db.query(`UPDATE jobs SET run_at = now() WHERE kind = $1`, [kind.kind]);
      await worker.drain();
      expect((await findJobs(db, kind.kind))[0]).toMatchObject({ state: 'failed', attempts: 3, last_error: 'the server said 451 later' });
      // a failed job is kept, never claimed again
      expect(await claimJobs(db, kind.kind, 10, 300, 'node-a')).toEqual([]);
    } finally {
      await worker.stop();
    }
  });

  it('a stored payload the kind no longer accepts fails at once, naming the field, without running', async () => {
    const kind = kindFor();
    let ran = false;
    await insertJobs(db, [{ kind: kind.kind, payload: { n: 'seven' }, maxAttempts: 3 }]);
    const worker = startJobWorker({ db, log, node: 'node-a', onEvent: noEvents }, [{ kind, run: async () => void (ran = true) }], { pollMs: 3_600_000 });
    try {
      await worker.drain();
      const [job] = await findJobs(db, kind.kind);
      expect(job).toMatchObject({ state: 'failed', attempts: 1 });
      expect(job!.last_error).toMatch(/^invalid payload: n: /);
      expect(ran).toBe(false);
    } finally {
      await worker.stop();
    }
  });

  it('a job added on one node wakes the worker of another at commit, with no poll', async () => {
    const kind = kindFor();
    const bus: EventBus = createEventBus(database.url, () => undefined);
    await bus.ready;
    const ran: number[] = [];
    const worker = startJobWorker({ db: other, log, node: 'node-b', onEvent: (h) => bus.on(h) }, [effectHandler(kind, () => ran.push(1))], { pollMs: 3_600_000 });
    try {
      await worker.drain(); // its first look finds nothing; from here only a wake-up can start a run
      await db.tx((q) => addJob(q, kind, { payload: { n: 202 } }));
      await eventually(async () => ran.length === 1, 20_000, 'the job ran on the other node');
      await eventually(async () => (await findJobs(db, kind.kind)).length === 0, 20_000, 'completed');
    } finally {
      await worker.stop();
      await bus.close();
    }
  });

  it('a slow job holds up only its own slot: the others keep being claimed and run around it', async () => {
    const kind = kindFor({ concurrency: 2 });
    let release: () => void = () => undefined;
    const slowDone = new Promise<void>((r) => (release = r));
    const quick: number[] = [];
    const handler: JobHandler<{ n: number }> = {
      kind,
      run: async ({ n }) => {
        if (n === 0) await slowDone;
        else quick.push(n);
      },
    };
    await db.tx((q) => addJobs(q, kind, Array.from({ length: 6 }, (_v, n) => ({ payload: { n }, runAt: new Date(Date.now() - 60_000 + n) }))));
    const worker = startJobWorker({ db, log, node: 'node-a', onEvent: noEvents }, [handler], { pollMs: 3_600_000 });
    try {
      await eventually(async () => quick.length === 5, 20_000, 'the quick ones ran while the slow one waits');
      expect((await findJobs(db, kind.kind)).map((j) => j.payload)).toEqual([{ n: 0 }]);
      release();
      await worker.drain();
      expect(await findJobs(db, kind.kind)).toEqual([]);
    } finally {
      release();
      await worker.stop();
    }
  });

  it('stop() lets a run in flight end (aborted, so it is tried again) and claims nothing more', async () => {
    const kind = kindFor({ concurrency: 1 });
    let started = 0;
    const slow: JobHandler<{ n: number }> = {
      kind,
      run: (_p, ctx) =>
        new Promise((_resolve, reject) => {
          started++;
          ctx.signal.addEventListener('abort', () => reject(new Error('aborted by shutdown')));
        }),
    };
    await db.tx((q) => addJobs(q, kind, [{ payload: { n: 1 } }, { payload: { n: 2 } }]));
    const worker = startJobWorker({ db, log, node: 'node-a', onEvent: noEvents }, [slow], { pollMs: 3_600_000 });
    await eventually(async () => started === 1, 20_000, 'one run started');
    await worker.stop();
    expect(started).toBe(1);
    const jobs = await findJobs(db, kind.kind);
    expect(jobs.map((j) => [j.state, j.attempts])).toEqual([['queued', 1], ['queued', 0]]);
    expect(jobs[0]!.last_error).toBe('aborted by shutdown');
  });
});
