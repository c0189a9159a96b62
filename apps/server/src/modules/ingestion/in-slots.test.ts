import { describe, expect, it } from 'vitest';
import { inSlots } from './in-slots.ts';

// Items are released by the test one at a time, so every state of the slots can be looked at.
function harness(weights: number[], slots: number) {
  const started: number[] = [];
  const finish = new Map<number, () => void>();
  const results = inSlots(
    weights.map((w, i) => ({ i, w })),
    { slots, weight: (x) => x.w },
    (x) =>
      new Promise<number>((resolve) => {
        started.push(x.i);
        finish.set(x.i, () => resolve(x.i * 10));
      }),
  );
  const settle = () => new Promise((r) => setImmediate(r));
  return { started, results, settle, done: async (i: number) => (finish.get(i)!(), settle()) };
}

describe('inSlots', () => {
  it('runs as many light items as there are slots, then one more per item finished', async () => {
    const h = harness([1, 1, 1, 1, 1, 1], 4);
    await h.settle();
    expect(h.started).toEqual([0, 1, 2, 3]);
    await h.done(2);
    expect(h.started).toEqual([0, 1, 2, 3, 4]);
  });

  it('lets a heavy item wait for its slots, and nothing behind it overtakes it', async () => {
    const h = harness([1, 1, 3, 1], 4);
    await h.settle();
    expect(h.started).toEqual([0, 1]); // 2 needs three slots, two are free; 3 waits behind it
    await h.done(0);
    expect(h.started).toEqual([0, 1, 2]);
    await h.done(1);
    expect(h.started).toEqual([0, 1, 2, 3]);
  });

  it('caps a weight at the slots, so the heaviest item still runs (alone)', async () => {
    const h = harness([9, 1], 4);
    await h.settle();
    expect(h.started).toEqual([0]);
    await h.done(0);
    expect(h.started).toEqual([0, 1]);
  });

  it('keeps the results in the order of the items, whatever order they finish in', async () => {
    const h = harness([1, 1, 1], 4);
    await h.settle();
    await h.done(2);
    await h.done(0);
    await h.done(1);
    expect(await Promise.all(h.results)).toEqual([0, 10, 20]);
  });

  it('frees the slots of a failed item', async () => {
    const order: number[] = [];
    const results = inSlots([0, 1], { slots: 1, weight: () => 1 }, async (i) => {
      order.push(i);
      if (i === 0) throw new Error('refused');
      return i;
    });
    await expect(results[0]).rejects.toThrow('refused');
    expect(await results[1]).toBe(1);
    expect(order).toEqual([0, 1]);
  });
});
