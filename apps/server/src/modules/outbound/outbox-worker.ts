import { backoffDelay } from '@postdesk/mailkit/backoff';
import { sendRaw, type SendFailure, type SendResult } from '@postdesk/mailkit/smtp';
import type { BlobStore } from '../../platform/blobs/blob-store.ts';
import type { Db, Queryable } from '../../platform/db/db.ts';
import { emitEvent, type DomainEvent } from '../../platform/events/events.ts';
import { startClaimLoop } from '../../platform/jobs/claim-loop.ts';
import { addJob } from '../../platform/jobs/jobs.ts';
import type { Logger } from '../../platform/log/logger.ts';
import type { SecretBox } from '../../platform/secrets/secret-box.ts';
import { findCampaignRow, openCampaignMail } from '../campaigns/index.ts';
import { accessTokenFor, OAuthTokenError, type OAuthRuntime } from '../oauth/index.ts';
import { recordConnection } from '../campaigns/index.ts';
import { claimDue, lockHold, markFailed, markSent, putBack, saveHold, type ClaimedSend } from './outbox.repo.ts';
import { resumeSending } from './resume-sending.ts';
import { SENT_COPY_JOB } from './sent-copy.ts';

/** Retries of a temporary failure: 30 s doubling to at most an hour, about a day in all. */
export const OUTBOX_RETRY = { baseMs: 30_000, capMs: 3_600_000, jitter: 'equal', maxAttempts: 30 } as const;

/** What the outbox worker needs, passed in. */
export interface OutboxDeps {
  db: Db;
  blobs: BlobStore;
  secrets: SecretBox;
  /** OAuth2 mailboxes: the campaign's access token, refreshed under its lease. */
  oauth: OAuthRuntime;
  log: Logger;
  now: () => Date;
  /** Wakes the worker when something is queued, on any node. */
  onEvent: (handler: (e: DomainEvent) => void) => () => void;
  /** Passed to sendRaw; tests use it to trust a self-signed certificate. */
  tlsRejectUnauthorized?: boolean;
  /** The installation's private mail authority (POSTDESK_MAIL_CA_FILE), trusted besides the system's. */
  mailCa?: string;
  /** Observes each claim (the benchmark): the messages claimed and how long the claim took. */
  onClaim?: (messageIds: number[], ms: number) => void;
}

/** A running worker; stop() lets the current sends finish (they are bounded in time). */
export interface OutboxWorker {
  stop(): Promise<void>;
  /** Claims and sends what is due now; resolves when the worker is idle again (tests). */
  wake(): Promise<void>;
}

/**
 * Holds a campaign's SMTP account after an account-wide failure; true when
 * it was not held before. A refused login waits for the admin (no retry
 * time: retrying the same password only spins and may lock the account);
 * anything else is tried again with the messages' backoff. The messages in
 * flight when the account fails fail together, so a hold already re-armed
 * for later is left as it is, and a hold for the admin is not weakened by a
 * temporary failure.
 */
export async function holdAccount(q: Queryable, campaignId: string, failure: SendFailure, now: Date, random?: () => number): Promise<boolean> {
  const current = await lockHold(q, campaignId);
  const forAdmin = failure.permanent;
  if (current && !forAdmin && (current.retry_at === null || current.retry_at > now)) return false;
  const attempts = (current?.attempts ?? 0) + 1;
  const retryAt = forAdmin ? null : new Date(now.getTime() + backoffDelay(attempts - 1, { ...OUTBOX_RETRY, ...(random ? { random } : {}) }));
  await saveHold(q, { campaign_id: campaignId, code: failure.code, response: failure.response, attempts, retry_at: retryAt });
  await recordConnection(q, campaignId, { protocol: 'smtp', ok: false, code: failure.code, message: `SMTP: ${failure.response}` }, now);
  if (!current) await emitEvent(q, { type: 'smtp.held', campaignId, code: failure.code });
  return !current;
}

/** Decides what a failed attempt becomes: another try at a time, or a final failure. */
export function nextAttempt(result: Extract<SendResult, { ok: false }>, attempts: number, now: Date, random?: () => number): Date | null {
  if (result.permanent || attempts >= OUTBOX_RETRY.maxAttempts) return null;
  const delay = backoffDelay(attempts - 1, { ...OUTBOX_RETRY, ...(random ? { random } : {}) });
  return new Date(now.getTime() + delay);
}

/**
 * Sends the outbox through the shared claim loop (platform/jobs): claims due
 * entries (SKIP LOCKED, leased, skipping held accounts) into free slots,
 * sends the stored bytes through the campaign's SMTP account, and records
 * sent / retrying / failed with the server's reply; a sent agent reply gets
 * its Sent-folder copy job in the same transaction. Woken by outbox events
 * from any node and by a slow poll that also picks up retries whose time
 * has come. The outbox row is the message's ledger (what the agent sees), so
 * it is its own job rather than a row of the jobs table.
 */
export function startOutboxWorker(deps: OutboxDeps, opts: { pollMs?: number; concurrency?: number; leaseSec?: number } = {}): OutboxWorker {
  const leaseSec = opts.leaseSec ?? 300;

  const sendOne = async (job: ClaimedSend, signal: AbortSignal): Promise<void> => {
    const row = await findCampaignRow(deps.db, job.campaign_id);
    let result: SendResult;
    if (!row) {
      result = { ok: false, permanent: true, scope: 'account', code: 'invalid_message', response: 'the campaign was deleted' };
    } else {
      const raw = await deps.blobs.get(job.raw_sha256.toString('hex'));
      let account;
      let noAccount: SendResult | null = null;
      try {
        account = (await openCampaignMail(deps, row, deps.mailCa)).smtp;
      } catch (err) {
        account = null;
        noAccount =
          err instanceof OAuthTokenError
            ? // sign in again: held for the admin (no retry time); the provider did not answer: held and tried again later
              { ok: false, permanent: err.code === 'sign_in_needed', scope: 'account', code: 'auth_failed', response: `OAuth2: ${err.message}` }
            : { ok: false, permanent: true, scope: 'account', code: 'auth_failed', response: 'the stored SMTP password cannot be opened with this master key' };
      }
      result =
        account === null
          ? (noAccount as SendResult)
          : await sendRaw(
              { ...account, ...(deps.tlsRejectUnauthorized === false ? { tlsRejectUnauthorized: false } : {}) },
              { from: job.envelope_from, to: job.envelope_to },
              raw,
              { signal },
            );
      if (!result.ok && result.code === 'auth_failed' && row.oauth_account_id && account?.accessToken) {
        // refused at AUTH, before MAIL FROM: nothing was sent, so one new token may try again at once
        const next = await afterRefusedToken(deps, row.oauth_account_id, account.accessToken, result);
        result =
          'accessToken' in next
            ? await sendRaw(
                { ...account, accessToken: next.accessToken, ...(deps.tlsRejectUnauthorized === false ? { tlsRejectUnauthorized: false } : {}) },
                { from: job.envelope_from, to: job.envelope_to },
                raw,
                { signal },
              )
            : next;
        // a fresh token refused too: the account, not the token (SMTP AUTH off, no Send As): held and tried again with backoff
        if (!result.ok && result.code === 'auth_failed' && 'accessToken' in next) result = { ...result, permanent: false };
      }
    }
    const failure = result.ok ? null : result;
    const held = await deps.db.tx(async (q) => {
      let state: string;
      let newHold = false;
      const accountWide = failure && row && failure.scope === 'account' && failure.code !== 'aborted';
      if (accountWide && (failure.permanent || nextAttempt(failure, job.attempts, deps.now()) !== null)) {
        // the account's problem, not the message's: the message waits, the account is held
        await putBack(q, job.id, `${failure.code}: ${failure.response}`, failure.response, !failure.permanent);
        newHold = await holdAccount(q, job.campaign_id, failure, deps.now());
        state = 'retrying';
      } else {
        if (failure) {
          const retryAt = failure.code === 'aborted' ? deps.now() : nextAttempt(failure, job.attempts, deps.now());
          await markFailed(q, job.id, `${failure.code}: ${failure.response}`, failure.response, retryAt);
          state = retryAt ? 'retrying' : 'failed';
        } else {
          const sent = await markSent(q, job.id, result.response);
          if (sent?.wantsSentCopy) await addJob(q, SENT_COPY_JOB, { payload: { messageId: sent.messageId }, key: String(sent.messageId) });
          state = 'sent';
        }
        // the server took the session as far as the message: the account works again
        if (row && (!failure || failure.scope === 'message') && (await resumeSending(q, job.campaign_id))) {
          await recordConnection(q, job.campaign_id, { protocol: 'smtp', ok: true }, deps.now());
        }
      }
      await emitEvent(q, { type: 'outbox.changed', campaignId: job.campaign_id, messageId: job.message_id, state });
      return newHold;
    });
    if (failure) deps.log.warn({ outboxId: job.id, code: failure.code, permanent: failure.permanent, scope: failure.scope }, 'outbox.send_failed');
    if (held) deps.log.warn({ campaignId: job.campaign_id, code: failure?.code }, 'outbox.account_held');
  };

  const loop = startClaimLoop<ClaimedSend>(
    {
      name: 'outbox',
      async claim(limit) {
        const started = performance.now();
        const jobs = await claimDue(deps.db, limit, leaseSec);
        if (jobs.length > 0) deps.onClaim?.(jobs.map((j) => j.message_id), performance.now() - started);
        return jobs;
      },
      run: sendOne,
    },
    { concurrency: opts.concurrency ?? 10, pollMs: opts.pollMs ?? 2_000, log: deps.log },
  );
  const unsubscribe = deps.onEvent((e) => {
    if ((e.type === 'outbox.changed' && e.state === 'queued') || e.type === 'smtp.resumed') void loop.wake();
  });
  return {
    wake: () => loop.wake(),
    async stop() {
      unsubscribe();
      // sends in flight are bounded by their own timeouts; the loop's abort lets them end at once as retryable
      await loop.stop();
    },
  };
}

/**
 * SMTP refused an OAuth2 token (revoked early, expired sooner than it said,
 * or the provider ended the session): a new one decides. The grant is gone →
 * held for the admin with "sign in again"; a new token came → the caller
 * sends once more with it at once (the refusal came before MAIL FROM, so
 * nothing went out), instead of holding the account for a retry.
 */
async function afterRefusedToken(
  deps: OutboxDeps,
  accountId: string,
  refused: string,
  failure: Extract<SendResult, { ok: false }>,
): Promise<{ accessToken: string } | SendResult> {
  try {
    const { accessToken } = await accessTokenFor(deps, accountId, { refused });
    if (accessToken !== refused) return { accessToken };
    return { ...failure, permanent: false };
  } catch (err) {
    if (err instanceof OAuthTokenError) return { ...failure, permanent: err.code === 'sign_in_needed', response: `OAuth2: ${err.message}` };
    return failure;
  }
}
