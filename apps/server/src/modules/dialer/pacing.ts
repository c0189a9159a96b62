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

/**
 * Per-destination-domain limits: at most `limitOf(domain)` messages in any
 * 60 seconds to one domain (0: no limit), counted in one-second slots. Pure
 * state the sender owns; `now` is milliseconds.
 */
export class DomainWindow {
  readonly #slots = new Map<string, { at: number[]; n: number[] }>();
  constructor(private readonly limitOf: (domain: string) => number) {}

  /** Counts one message to `domain` at `now` when the limit allows it; false when it is reached. */
  take(domain: string, now: number): boolean {
    const limit = this.limitOf(domain);
    if (limit <= 0) return true;
    const s = this.#prune(domain, now);
    if (this.#count(s) >= limit) return false;
    const second = Math.floor(now / 1000);
    if (s.at.length > 0 && s.at[s.at.length - 1] === second) s.n[s.n.length - 1]!++;
    else {
      s.at.push(second);
      s.n.push(1);
    }
    return true;
  }

  /** When `domain` can take a message again (now when it can). */
  freeAt(domain: string, now: number): number {
    const limit = this.limitOf(domain);
    if (limit <= 0) return now;
    const s = this.#prune(domain, now);
    let over = this.#count(s) - limit;
    if (over < 0) return now;
    // the slot whose leaving brings the count under the limit
    for (let i = 0; i < s.at.length; i++) {
      over -= s.n[i]!;
      if (over < 0) return (s.at[i]! + 60) * 1000;
    }
    return now;
  }

  /** Domains at their limit at `now`: the claim leaves their rows for later. */
  blocked(now: number): string[] {
    const out: string[] = [];
    for (const domain of this.#slots.keys()) {
      const limit = this.limitOf(domain);
      if (limit > 0 && this.#count(this.#prune(domain, now)) >= limit) out.push(domain);
    }
    return out;
  }

  /** The earliest moment a blocked domain frees up, or null when none is blocked. */
  nextFree(now: number): number | null {
    let best: number | null = null;
    for (const d of this.blocked(now)) {
      const t = this.freeAt(d, now);
      if (best === null || t < best) best = t;
    }
    return best;
  }

  #prune(domain: string, now: number): { at: number[]; n: number[] } {
    let s = this.#slots.get(domain);
    if (!s) this.#slots.set(domain, (s = { at: [], n: [] }));
    const oldest = Math.floor(now / 1000) - 59;
    let k = 0;
    while (k < s.at.length && s.at[k]! < oldest) k++;
    if (k > 0) {
      s.at.splice(0, k);
      s.n.splice(0, k);
    }
    return s;
  }

  #count(s: { n: number[] }): number {
    let c = 0;
    for (const x of s.n) c += x;
    return c;
  }
}

/** The limit function of a dialer's settings: a listed domain's own, else the default (0: none). */
export function domainLimitOf(limits: ReadonlyArray<{ domain: string; perMinute: number }>, defaultPerMinute: number): (domain: string) => number {
  const byDomain = new Map(limits.map((l) => [l.domain.toLowerCase(), l.perMinute]));
  return (domain) => byDomain.get(domain) ?? defaultPerMinute;
}
