/** One minute of the chart. */
export interface MinutePoint {
  /** The minute's start, ISO. */
  minute: string;
  sent: number;
  failed: number;
}

/**
 * The last `count` minutes up to the one `now` is in, oldest first, with the
 * minutes nothing happened in as zeros (the server sends only minutes with
 * traffic); minutes outside the window are left out.
 */
export function minuteSeries(minutes: ReadonlyArray<{ minute: string; sent: number; failed: number }>, now: Date, count = 60): MinutePoint[] {
  const last = Math.floor(now.getTime() / 60_000);
  const byMinute = new Map<number, { sent: number; failed: number }>();
  for (const m of minutes) {
    const k = Math.floor(Date.parse(m.minute) / 60_000);
    if (Number.isNaN(k) || k > last || k <= last - count) continue;
    const had = byMinute.get(k);
    byMinute.set(k, { sent: (had?.sent ?? 0) + m.sent, failed: (had?.failed ?? 0) + m.failed });
  }
  const out: MinutePoint[] = [];
  for (let k = last - count + 1; k <= last; k++) {
    const v = byMinute.get(k);
    out.push({ minute: new Date(k * 60_000).toISOString(), sent: v?.sent ?? 0, failed: v?.failed ?? 0 });
  }
  return out;
}
