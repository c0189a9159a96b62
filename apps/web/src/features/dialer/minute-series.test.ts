import { describe, expect, it } from 'vitest';
import { minuteSeries } from './minute-series.ts';

describe('minuteSeries', () => {
  it('gives the last 60 minutes oldest first, zeros where nothing was sent, and drops minutes outside the window', () => {
    const now = new Date('2026-12-02T16:30:25Z');
    const s = minuteSeries(
      [
        { minute: '2026-12-02T15:30:00.000Z', sent: 9, failed: 9 }, // 61 minutes before the current one: out
        { minute: '2026-12-02T15:31:00.000Z', sent: 1, failed: 0 },
        { minute: '2026-12-02T16:29:00.000Z', sent: 120, failed: 3 },
        { minute: '2026-12-02T16:30:00.000Z', sent: 7, failed: 0 },
        { minute: '2026-12-02T16:31:00.000Z', sent: 5, failed: 0 }, // a clock ahead: out
      ],
      now,
    );
    expect(s).toHaveLength(60);
    expect(s[0]).toEqual({ minute: '2026-12-02T15:31:00.000Z', sent: 1, failed: 0 });
    expect(s[58]).toEqual({ minute: '2026-12-02T16:29:00.000Z', sent: 120, failed: 3 });
    expect(s[59]).toEqual({ minute: '2026-12-02T16:30:00.000Z', sent: 7, failed: 0 });
    expect(s.slice(1, 58).every((p) => p.sent === 0 && p.failed === 0)).toBe(true);
    expect(s.reduce((n, p) => n + p.sent, 0)).toBe(128);
  });
});
