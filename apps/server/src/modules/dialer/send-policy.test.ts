import { describe, expect, it } from 'vitest';
import { holdDelay, MAX_ATTEMPTS, outcomeOf } from './send-policy.ts';
import type { SendThreadOutcome } from './send-protocol.ts';

const r = (patch: Partial<SendThreadOutcome>): SendThreadOutcome => ({ id: 7, ok: false, permanent: false, scope: 'message', code: null, reply: 'x', delivery: 'not_sent', ...patch });
const half = (): number => 0.5;

describe('outcomeOf', () => {
  const cases: Array<[string, SendThreadOutcome, number, Record<string, unknown>]> = [
    ['250: sent', r({ ok: true, code: 250, delivery: 'sent' }), 1, { kind: 'sent' }],
    ['550 at RCPT: failed with the reply', r({ permanent: true, code: 550, reply: 'RCPT TO: 550 no such user' }), 1, { kind: 'failed', code: 550, reply: 'RCPT TO: 550 no such user' }],
    ['450: retried, the attempt counts', r({ code: 450 }), 1, { kind: 'retry', countAttempt: true, uncertain: false, code: 450 }],
    ['450 on the last attempt: failed', r({ code: 450 }), MAX_ATTEMPTS, { kind: 'failed', code: 450 }],
    ['421: the account waits, the attempt does not count', r({ scope: 'account', code: 421 }), 3, { kind: 'retry', countAttempt: false, uncertain: false }],
    ['a permanent account failure (login refused) still waits, never fails the row', r({ scope: 'account', permanent: true, code: 535 }), 1, { kind: 'retry', countAttempt: false }],
    ['connection lost after the content: retried, uncertain', r({ scope: 'account', delivery: 'unknown' }), 1, { kind: 'retry', uncertain: true, countAttempt: false }],
  ];
  it.each(cases)('%s', (_n, result, attempts, expected) => {
    expect(outcomeOf(result, 3, attempts, 1, half)).toMatchObject({ id: 7, listId: 3, ...expected });
  });

  it('backs off longer with each attempt', () => {
    const delays = [1, 2, 3, 4].map((a) => (outcomeOf(r({ code: 451 }), 1, a, 0, half) as { delayMs: number }).delayMs);
    expect(delays).toEqual([...delays].sort((a, b) => a - b));
    expect(new Set(delays).size).toBe(4);
  });

  it('holds a failing account longer with each failure in a row, up to a cap', () => {
    const delays = [1, 2, 3, 10, 40].map((f) => holdDelay(f, half));
    expect(delays[1]!).toBeGreaterThan(delays[0]!);
    expect(delays[4]).toBe(delays[3]);
  });
});
