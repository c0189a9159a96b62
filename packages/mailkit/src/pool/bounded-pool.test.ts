import { afterEach, describe, expect, it } from 'vitest';
import { BoundExceeded, createBoundedPool, type BoundedPool } from './bounded-pool.ts';

const filename = new URL('./bounded-pool.test-worker.mjs', import.meta.url).href;

describe('createBoundedPool', () => {
  const pools: BoundedPool[] = [];
  const start = () => {
    const pool = createBoundedPool({ filename, maxThreads: 1, maxHeapMb: 64 });
    pools.push(pool);
    return pool;
  };
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
  });

  it('stops a task past its bound, then carries on with a fresh thread', async () => {
    const pool = start();
    await expect(pool.run((started) => ({ spinMs: 1e9, started }), 500)).rejects.toBeInstanceOf(BoundExceeded);
    expect(await pool.run((started) => ({ spinMs: 0, started }), 60_000)).toBe('done');
  }, 60_000);

  it('keeps each pool on threads of its own: a busy one never holds up another', async () => {
    const busy = start();
    const other = start();
    // the busy pool's only thread is taken until its bound stops it, and a task waits behind it
    const stuck = busy.run((started) => ({ spinMs: 1e9, started }), 20_000);
    const queued = busy.run((started) => ({ spinMs: 0, started }), 60_000);
    let queuedDone = false;
    void queued.then(() => (queuedDone = true));
    expect(await other.run((started) => ({ spinMs: 0, started }), 60_000)).toBe('done');
    expect(queuedDone).toBe(false);
    await expect(stuck).rejects.toBeInstanceOf(BoundExceeded);
    expect(await queued).toBe('done');
  }, 90_000);
});
