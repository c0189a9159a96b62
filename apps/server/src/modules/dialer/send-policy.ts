import { backoffDelay } from '@postdesk/mailkit/backoff';
import type { RowOutcome } from './send-ledger.repo.ts';
import type { SendThreadOutcome } from './send-protocol.ts';

/** How many times a row is tried in all before a temporary refusal becomes its failure. */
export const MAX_ATTEMPTS = 5;

const MESSAGE_RETRY = { baseMs: 60_000, capMs: 4 * 3600_000, jitter: 'equal' } as const;
const ACCOUNT_HOLD = { baseMs: 5_000, capMs: 15 * 60_000, jitter: 'equal' } as const;

/**
 * What the ledger records for one send result (RFC 5321 semantics): 250 is
 * sent; a 5xx about the message fails it with the server's reply; a 4xx is
 * retried with backoff until MAX_ATTEMPTS; a failure of the account (login,
 * connection, 421, timeout) sends the row back without counting an attempt,
 * after the account's hold; a connection lost after the content was written
 * is retried and marked uncertain (the server may have taken it).
 */
export function outcomeOf(r: SendThreadOutcome, listId: number, attempts: number, accountFailures: number, random?: () => number): RowOutcome {
  if (r.ok) return { id: r.id, listId, kind: 'sent' };
  const code = r.code;
  if (r.delivery === 'unknown') {
    return { id: r.id, listId, kind: 'retry', code, reply: r.reply, delayMs: holdDelay(accountFailures, random), uncertain: true, countAttempt: false };
  }
  if (r.scope === 'account') {
    return { id: r.id, listId, kind: 'retry', code, reply: r.reply, delayMs: holdDelay(accountFailures, random), uncertain: false, countAttempt: false };
  }
  if (r.permanent || attempts >= MAX_ATTEMPTS) return { id: r.id, listId, kind: 'failed', code, reply: r.reply };
  return {
    id: r.id,
    listId,
    kind: 'retry',
    code,
    reply: r.reply,
    delayMs: backoffDelay(attempts - 1, { ...MESSAGE_RETRY, ...(random ? { random } : {}) }),
    uncertain: false,
    countAttempt: true,
  };
}

/** How long a failing account's messages wait, after `failures` failures in a row. */
export function holdDelay(failures: number, random?: () => number): number {
  return backoffDelay(Math.max(0, failures - 1), { ...ACCOUNT_HOLD, ...(random ? { random } : {}) });
}
