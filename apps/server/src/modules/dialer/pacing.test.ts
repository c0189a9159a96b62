import { describe, expect, it } from 'vitest';
import { paceOf, take, waitForToken, type Bucket } from './pacing.ts';

describe('paceOf', () => {
  const cases: Array<[number, number, number]> = [
    [0, 0, 0],
    [50, 0, 50],
    [0, 200, 5],
    [50, 200, 5],
    [2, 100, 2],
  ];
  it.each(cases)('max %d/s, interval %d ms: %d/s', (max, interval, perSecond) => {
    expect(paceOf(max, interval).perSecond).toBe(perSecond);
  });
});

describe('take', () => {
  it('never grants more than the rate over time', () => {
    const pace = paceOf(100, 0);
    let bucket: Bucket = { tokens: 0, at: 0 };
    let granted = 0;
    for (let t = 0; t <= 10_000; t += 7) {
      const r = take(pace, bucket, t, 1000);
      bucket = r.bucket;
      granted += r.granted;
    }
    expect(granted).toBeLessThanOrEqual(1000 + pace.burst);
    expect(granted).toBeGreaterThanOrEqual(990);
  });

  it('without a limit grants what is asked', () => {
    expect(take(paceOf(0, 0), { tokens: 0, at: 0 }, 5, 500).granted).toBe(500);
  });

  it('says how long until the next token', () => {
    const pace = paceOf(4, 0);
    const { bucket } = take(pace, { tokens: 1, at: 0 }, 0, 1);
    expect(waitForToken(pace, bucket, 0)).toBe(250);
    expect(waitForToken(pace, bucket, 250)).toBe(0);
  });
});
