import { describe, expect, it } from 'vitest';
import { createBodyCache } from './body-cache.ts';

// The per-node cache of rendered bodies: a body costly to sanitise (or one
// shown as text because sanitising ran out of time) is rendered once per
// node, not once per open.
describe('createBodyCache', () => {
  const counting = (html: string, fallback = false) => {
    const calls = { n: 0 };
    const render = async () => {
      calls.n++;
      await new Promise((r) => setTimeout(r, 10));
      return { body: { html, blockedRemote: 2 }, fallback };
    };
    return { calls, render };
  };

  it('renders a body once for opens at the same time and after', async () => {
    const cache = createBodyCache();
    const { calls, render } = counting('<p>bomb, flattened</p>');
    const bodies = await Promise.all([1, 2, 3, 4].map(() => cache.get('7:blocked', render)));
    expect(bodies).toEqual(Array(4).fill({ html: '<p>bomb, flattened</p>', blockedRemote: 2 }));
    await cache.get('7:blocked', render);
    expect(calls.n).toBe(1);
  });

  it('keeps each message and option apart', async () => {
    const cache = createBodyCache();
    const a = counting('a');
    const b = counting('b');
    expect((await cache.get('7:blocked', a.render)).html).toBe('a');
    expect((await cache.get('7:images', b.render)).html).toBe('b');
    expect((await cache.get('8:blocked', b.render)).html).toBe('b');
    expect([a.calls.n, b.calls.n]).toEqual([1, 2]);
  });

  it('tries a fallback again once it expires, and keeps a rendered body', async () => {
    const cache = createBodyCache({ fallbackTtlMs: 50 });
    const fallback = counting('as text', true);
    const rendered = counting('sanitised');
    await cache.get('1:blocked', fallback.render);
    await cache.get('2:blocked', rendered.render);
    await cache.get('1:blocked', fallback.render);
    expect(fallback.calls.n).toBe(1);
    await new Promise((r) => setTimeout(r, 200));
    await cache.get('1:blocked', fallback.render);
    await cache.get('2:blocked', rendered.render);
    expect([fallback.calls.n, rendered.calls.n]).toEqual([2, 1]);
  });

  it('returns a body larger than the whole cache without keeping it, and keeps no failure', async () => {
    const cache = createBodyCache({ maxChars: 100 });
    const big = counting('x'.repeat(1_000));
    expect((await cache.get('1:blocked', big.render)).html).toHaveLength(1_000);
    await cache.get('1:blocked', big.render);
    expect(big.calls.n).toBe(2);
    let attempts = 0;
    const failing = async () => {
      attempts++;
      throw new Error('database gone');
    };
    await expect(cache.get('2:blocked', failing)).rejects.toThrow('database gone');
    await expect(cache.get('2:blocked', failing)).rejects.toThrow('database gone');
    expect(attempts).toBe(2);
  });
});
