import { afterEach, describe, expect, it } from 'vitest';
import { noteServerDate, resetServerClock, serverClockOffsetMs } from './server-clock.ts';

const at = (iso: string) => Date.parse(iso);
// The Date header drops the milliseconds: a true offset of 12 s reads as 12.0–13.0 s.
const expectWithinSecond = (ms: number) => {
  expect(serverClockOffsetMs()).toBeGreaterThanOrEqual(ms);
  expect(serverClockOffsetMs()).toBeLessThanOrEqual(ms + 1_000);
};

describe('the server clock', () => {
  afterEach(resetServerClock);

  it('is the browser clock until an answer arrives, and for a header it cannot read', () => {
    expect(serverClockOffsetMs()).toBe(0);
    noteServerDate(null, 0, 10);
    noteServerDate('not a date', 0, 10);
    expect(serverClockOffsetMs()).toBe(0);
  });

  it('ignores an offset the one-second Date header cannot tell from zero', () => {
    const t = at('2026-12-02T10:00:00.200Z');
    noteServerDate('Wed, 02 Dec 2026 10:00:00 GMT', t - 20, t + 20);
    expect(serverClockOffsetMs()).toBe(0);
  });

  it('adds the server being 12 seconds ahead (the "in 12 seconds" defect)', () => {
    const t = at('2026-12-02T10:00:00.000Z');
    noteServerDate('Wed, 02 Dec 2026 10:00:12 GMT', t - 50, t + 50);
    expectWithinSecond(12_000);
  });

  it('keeps the sample with the shortest round trip, so one slow answer cannot skew it', () => {
    const t = at('2026-12-02T10:00:00.000Z');
    noteServerDate('Wed, 02 Dec 2026 10:00:12 GMT', t - 10, t + 10);
    // a 9-second round trip: its Date could have been stamped anywhere in between
    noteServerDate('Wed, 02 Dec 2026 10:00:30 GMT', t + 1_000, t + 10_000);
    expectWithinSecond(12_000);
  });

  it('takes a behind-the-browser server too', () => {
    const t = at('2026-12-02T10:01:00.000Z');
    noteServerDate('Wed, 02 Dec 2026 10:00:00 GMT', t - 5, t + 5);
    expectWithinSecond(-60_000);
  });
});
