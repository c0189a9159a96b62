// The dialer's pace as pure arithmetic (the caller owns the clock and the
// timers): a token bucket for the dialer's own rate, filled continuously.

/** A dialer's rate: at most `perSecond` messages a second (0: no limit), in bursts of at most `burst`. */
export interface Pace {
  perSecond: number;
  burst: number;
}

/** The bucket's state: tokens available at `at` (ms). */
export interface Bucket {
  tokens: number;
  at: number;
}

/**
 * The rate a dialer's settings allow: the lower of max_per_second and one
 * message per interval_ms; 0 when neither limits it. Bursts are a tenth of a
 * second's worth (at least one message), so a limit holds over any second.
 */
export function paceOf(maxPerSecond: number, intervalMs: number): Pace {
  const byInterval = intervalMs > 0 ? 1000 / intervalMs : 0;
  const limits = [maxPerSecond, byInterval].filter((x) => x > 0);
  const perSecond = limits.length === 0 ? 0 : Math.min(...limits);
  return { perSecond, burst: perSecond === 0 ? Infinity : Math.max(1, Math.floor(perSecond / 10)) };
}

/** Takes up to `want` whole tokens at time `now`; returns how many, and the new state. */
export function take(pace: Pace, bucket: Bucket, now: number, want: number): { granted: number; bucket: Bucket } {
  if (pace.perSecond === 0) return { granted: want, bucket: { tokens: 0, at: now } };
  const tokens = Math.min(pace.burst, bucket.tokens + ((now - bucket.at) * pace.perSecond) / 1000);
  const granted = Math.max(0, Math.min(want, Math.floor(tokens)));
  return { granted, bucket: { tokens: tokens - granted, at: now } };
}

/** Milliseconds until at least one token is available. */
export function waitForToken(pace: Pace, bucket: Bucket, now: number): number {
  if (pace.perSecond === 0) return 0;
  const tokens = Math.min(pace.burst, bucket.tokens + ((now - bucket.at) * pace.perSecond) / 1000);
  return tokens >= 1 ? 0 : Math.ceil(((1 - tokens) * 1000) / pace.perSecond);
}
