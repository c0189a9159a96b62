/**
 * Waits for a count to reach `target`, failing only when it stops moving for
 * `stallMs` — never because the machine is slow. For long runs (thousands of
 * interactions, messages) where a total time limit would fail on a busy
 * machine although everything is progressing.
 */
export async function untilReached(count: () => Promise<number>, target: number, what: string, stallMs = 30_000): Promise<number> {
  let best = -Infinity;
  let movedAt = Date.now();
  for (;;) {
    const n = await count();
    if (n >= target) return n;
    if (n > best) {
      best = n;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > stallMs) {
      throw new Error(`${what}: stuck at ${n} of ${target} for ${Math.round(stallMs / 1000)} s`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
