/**
 * Starts fn on each item in order, with at most `slots` slots' worth running
 * at once; an item takes `weight(item)` slots (capped at `slots`, so the
 * heaviest still runs, alone). Strictly first come, first served: a heavy
 * item is never overtaken by light ones behind it. The promises keep the
 * items' order, so a caller can start work ahead and still finish it in
 * order. Written by hand: the libraries at hand (p-limit, p-queue) count
 * tasks, not weights.
 */
export function inSlots<T, R>(items: readonly T[], limits: { slots: number; weight: (item: T) => number }, fn: (item: T) => Promise<R>): Promise<R>[] {
  let free = limits.slots;
  const waiting: Array<{ need: number; go: () => void }> = [];
  const pump = (): void => {
    while (waiting.length > 0 && waiting[0]!.need <= free) {
      const next = waiting.shift()!;
      free -= next.need;
      next.go();
    }
  };
  return items.map(async (item) => {
    const need = Math.max(1, Math.min(limits.slots, limits.weight(item)));
    await new Promise<void>((go) => {
      waiting.push({ need, go });
      pump();
    });
    try {
      return await fn(item);
    } finally {
      free += need;
      pump();
    }
  });
}
