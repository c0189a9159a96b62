import { afterEach, describe, expect, it } from 'vitest';
import { sleep } from './mailbox-runner.ts';

// The runner sleeps between POP3 polls and backoffs on one long-lived
// signal: each sleep must leave no listener behind (the eleventh used to
// print MaxListenersExceededWarning on stderr), and an abort still wakes it.
const warnings: string[] = [];
const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
process.on('warning', onWarning);
afterEach(() => void (warnings.length = 0));

describe('sleep', () => {
  it('leaves no abort listener behind, however often it sleeps on one signal', async () => {
    const c = new AbortController();
    for (let i = 0; i < 25; i++) await sleep(1, c.signal);
    // warnings are emitted on the next tick
    await new Promise((r) => setImmediate(r));
    expect(warnings).toEqual([]);
  });

  it('wakes at once when the signal aborts, and does not sleep at all once aborted', async () => {
    const c = new AbortController();
    const long = sleep(3_600_000, c.signal);
    c.abort();
    await long;
    await sleep(3_600_000, c.signal);
    expect(c.signal.aborted).toBe(true);
  });
});
