/** How much randomness spreads the retries of many clients that failed together. */
export type Jitter = 'full' | 'equal' | 'none';

/** The shape of an exponential backoff, and the source of randomness (injected in tests). */
export interface BackoffOptions {
  /** The delay before the first retry (attempt 0), before jitter. */
  baseMs: number;
  /** No delay is ever longer than this. */
  capMs: number;
  /**
   * full: uniform in [0, d) — spreads a herd best (AWS "full jitter");
   * equal: uniform in [d/2, d) — never retries almost at once;
   * none: exactly d.
   */
  jitter: Jitter;
  /** A number in [0, 1); Math.random by default. */
  random?: () => number;
}

// 2^53 is beyond any cap, so larger attempts need not be computed
const MAX_EXPONENT = 53;

/**
 * The delay in whole milliseconds before retry number `attempt` (0 for the
 * first retry): d = min(capMs, baseMs · 2^attempt), then jittered. Pure math:
 * the caller owns the timers and stores the attempt count (in the account's
 * row), so a failing account backs off on its own and survives restarts.
 * Throws a RangeError for a negative or fractional attempt or bad options.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const { baseMs, capMs, jitter } = options;
  if (!Number.isSafeInteger(attempt) || attempt < 0) throw new RangeError('attempt must be a non-negative integer');
  if (!Number.isFinite(baseMs) || baseMs < 0) throw new RangeError('baseMs must be a non-negative number');
  if (!Number.isFinite(capMs) || capMs < baseMs) throw new RangeError('capMs must be a number not below baseMs');
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(attempt, MAX_EXPONENT));
  const r = unit((options.random ?? Math.random)());
  switch (jitter) {
    case 'none':
      return Math.round(ceiling);
    case 'full':
      return Math.floor(r * ceiling);
    case 'equal':
      return Math.floor(ceiling / 2 + r * (ceiling / 2));
    default: {
      const never: never = jitter;
      throw new RangeError(`unknown jitter ${String(never)}`);
    }
  }
}

// a random source that strays outside [0, 1) must not make a delay negative or above the cap
function unit(value: number): number {
  if (!Number.isFinite(value) || value < 0) return 0;
  return value >= 1 ? 1 - Number.EPSILON : value;
}
