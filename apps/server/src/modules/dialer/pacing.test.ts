import { describe, expect, it } from 'vitest';
import { DomainWindow, domainLimitOf, paceOf, take, waitForToken, type Bucket } from './pacing.ts';

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

describe('DomainWindow', () => {
  it('holds each domain to its limit over any 60 seconds and frees it when the oldest slot leaves', () => {
    const w = new DomainWindow(domainLimitOf([{ domain: 'gmail.com', perMinute: 3 }], 0));
    const t0 = 1_000_000;
    expect([w.take('gmail.com', t0), w.take('gmail.com', t0 + 10_000), w.take('gmail.com', t0 + 20_000), w.take('gmail.com', t0 + 30_000)]).toEqual([true, true, true, false]);
    expect(w.blocked(t0 + 30_000)).toEqual(['gmail.com']);
    expect(w.freeAt('gmail.com', t0 + 30_000)).toBe(t0 + 60_000);
    expect(w.take('gmail.com', t0 + 59_999)).toBe(false);
    expect(w.take('gmail.com', t0 + 60_000)).toBe(true);
    // other domains have no limit here
    for (let i = 0; i < 100; i++) expect(w.take('example.com', t0)).toBe(true);
    expect(w.blocked(t0)).toEqual(['gmail.com']);
  });

  it('applies the default limit to every domain not listed', () => {
    const w = new DomainWindow(domainLimitOf([{ domain: 'big.test', perMinute: 0 }], 2));
    const t = 5_000;
    expect([w.take('a.test', t), w.take('a.test', t), w.take('a.test', t)]).toEqual([true, true, false]);
    expect([w.take('big.test', t), w.take('big.test', t), w.take('big.test', t)]).toEqual([true, true, true]);
    expect(w.nextFree(t)).toBe(t + 60_000);
  });
});
