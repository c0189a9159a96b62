import { describe, expect, it } from 'vitest';
import { backoffDelay, type BackoffOptions } from './backoff.ts';

const opts = (jitter: BackoffOptions['jitter'], random = 0.5): BackoffOptions => ({ baseMs: 1_000, capMs: 60_000, jitter, random: () => random });

describe('backoffDelay', () => {
  const cases: Array<[string, number, BackoffOptions, number]> = [
    // no jitter: the exponential curve itself
    ['none, first retry is the base', 0, opts('none'), 1_000],
    ['none, doubles', 1, opts('none'), 2_000],
    ['none, doubles again', 3, opts('none'), 8_000],
    ['none, reaches the cap', 6, opts('none'), 60_000],
    ['none, stays at the cap', 7, opts('none'), 60_000],
    ['none, huge attempt does not overflow', 10_000, opts('none'), 60_000],
    ['none, ignores the random source', 2, opts('none', 0.99), 4_000],
    // full jitter: uniform in [0, d)
    ['full, random 0 gives 0', 2, opts('full', 0), 0],
    ['full, random 0.5 gives half', 2, opts('full', 0.5), 2_000],
    ['full, random just below 1 stays below d', 2, opts('full', 0.999_999), 3_999],
    ['full, capped', 20, opts('full', 0.5), 30_000],
    // equal jitter: uniform in [d/2, d)
    ['equal, random 0 gives half', 2, opts('equal', 0), 2_000],
    ['equal, random 0.5 gives three quarters', 2, opts('equal', 0.5), 3_000],
    ['equal, random just below 1 stays below d', 2, opts('equal', 0.999_999), 3_999],
    ['equal, capped', 20, opts('equal', 0), 30_000],
    // a misbehaving random source is clamped into [0, 1)
    ['full, random above 1 stays below d', 1, opts('full', 7), 1_999],
    ['full, negative random gives 0', 1, opts('full', -1), 0],
    ['equal, NaN random gives the floor', 1, opts('equal', Number.NaN), 1_000],
    // degenerate but valid shapes
    ['a zero base never waits', 5, { baseMs: 0, capMs: 0, jitter: 'none' }, 0],
    ['cap equal to base is flat', 4, { baseMs: 500, capMs: 500, jitter: 'none' }, 500],
  ];
  it.each(cases)('%s', (_name, attempt, options, expected) => {
    expect(backoffDelay(attempt, options)).toBe(expected);
  });

  it('uses Math.random by default and stays within [0, d)', () => {
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(3, { baseMs: 100, capMs: 10_000, jitter: 'full' });
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(800);
      expect(Number.isInteger(d)).toBe(true);
    }
  });

  const bad: Array<[string, number, BackoffOptions]> = [
    ['a negative attempt', -1, opts('none')],
    ['a fractional attempt', 1.5, opts('none')],
    ['a NaN attempt', Number.NaN, opts('none')],
    ['a negative base', 0, { baseMs: -1, capMs: 10, jitter: 'none' }],
    ['a cap below the base', 0, { baseMs: 10, capMs: 5, jitter: 'none' }],
    ['an infinite cap', 0, { baseMs: 10, capMs: Number.POSITIVE_INFINITY, jitter: 'none' }],
  ];
  it.each(bad)('refuses %s', (_name, attempt, options) => {
    expect(() => backoffDelay(attempt, options)).toThrow(RangeError);
  });
});
