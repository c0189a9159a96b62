import type { Queryable } from '../../platform/db/db.ts';

/** One claimed outbox entry with what sending needs. */
export interface ClaimedSend {
  id: number;
  message_id: number;
  campaign_id: string;
  envelope_from: string;
  envelope_to: string[];
  attempts: number;
  raw_sha256: Buffer;
  state: 'queued' | 'retrying' | 'sending';
}

/**
 * Claims due entries for this worker with SKIP LOCKED, so several workers
 * (on several nodes) never take the same one. Entries of a campaign whose
 * SMTP account is held (see SmtpHold) wait. A claim is a lease: the row is
 * 'sending' until locked_until, and an entry whose worker died mid-send is
 * claimed again after it — its bytes and Message-ID are the stored ones, so a
 * resend is the same message, and the attempt count shows it was retried.
 */
export async function claimDue(q: Queryable, limit: number, leaseSec: number): Promise<ClaimedSend[]> {
  const { rows } = await q.query<ClaimedSend>(
    `WITH due AS (
       SELECT id FROM outbox
        WHERE ((state IN ('queued', 'retrying') AND next_attempt_at <= now())
            OR (state = 'sending' AND locked_until < now()))
          AND NOT EXISTS (SELECT 1 FROM smtp_holds h
                           WHERE h.campaign_id = outbox.campaign_id AND (h.retry_at IS NULL OR h.retry_at > now()))
        ORDER BY next_attempt_at
        LIMIT $1
        FOR UPDATE SKIP LOCKED)
     UPDATE outbox o SET state = 'sending', attempts = o.attempts + 1,
            locked_until = now() + make_interval(secs => $2), updated_at = now()
       FROM due, messages m
      WHERE o.id = due.id AND m.id = o.message_id
      RETURNING o.id, o.message_id, o.campaign_id, o.envelope_from, o.envelope_to, o.attempts, m.raw_sha256, 'sending' AS state`,
    [limit, leaseSec],
  );
  return rows;
}

/**
 * Records a delivered message. Returns whether it wants a copy in its
 * campaign's Sent folder (an agent's reply in a campaign that reads IMAP and
 * names one), for the caller to add that job in the same transaction.
 */
export async function markSent(q: Queryable, id: number, response: string): Promise<{ wantsSentCopy: boolean; messageId: number } | null> {
  const { rows } = await q.query<{ wants_sent_copy: boolean; message_id: number }>(
    {
      name: 'outbox_mark_sent',
      text: `UPDATE outbox o SET state = 'sent', sent_at = now(), smtp_response = $2, last_error = NULL, locked_until = NULL, updated_at = now()
               FROM messages m, campaigns c
              WHERE o.id = $1 AND m.id = o.message_id AND c.id = o.campaign_id
              RETURNING o.message_id, (c.sent_folder IS NOT NULL AND c.receive_emails AND c.inbound_protocol = 'imap' AND m.kind = 'agent') AS wants_sent_copy`,
    },
    [id, response.slice(0, 1000)],
  );
  const r = rows[0];
  return r ? { wantsSentCopy: r.wants_sent_copy, messageId: r.message_id } : null;
}

/** A sent message as its Sent-folder copy needs it. */
export interface SentMessage {
  campaign_id: string;
  raw_sha256: Buffer;
  message_id: string | null;
}

/** Reads a sent message for its copy, when the copy job runs. */
export async function findSentMessage(q: Queryable, messageId: number): Promise<SentMessage | undefined> {
  const { rows } = await q.query<SentMessage>(`SELECT campaign_id, raw_sha256, message_id FROM messages WHERE id = $1`, [messageId]);
  return rows[0];
}

/** Records a failed attempt: retried at `retryAt`, or failed for good when retryAt is null. */
export async function markFailed(q: Queryable, id: number, error: string, response: string | null, retryAt: Date | null): Promise<void> {
  await q.query(
    `UPDATE outbox SET state = CASE WHEN $4::timestamptz IS NULL THEN 'failed' ELSE 'retrying' END,
            next_attempt_at = coalesce($4::timestamptz, next_attempt_at), last_error = $2, smtp_response = $3,
            locked_until = NULL, updated_at = now()
      WHERE id = $1`,
    [id, error.slice(0, 1000), response?.slice(0, 1000) ?? null, retryAt],
  );
}

/** Queues a stored outbound message for sending, in the transaction that stored it. */
export async function insertOutboxEntry(q: Queryable, e: { messageId: number; campaignId: string; envelopeFrom: string; envelopeTo: string[] }): Promise<void> {
  await q.query(`INSERT INTO outbox (message_id, campaign_id, envelope_from, envelope_to) VALUES ($1, $2, $3, $4)`, [
    e.messageId,
    e.campaignId,
    e.envelopeFrom,
    e.envelopeTo,
  ]);
}

/** Puts a failed entry back in the queue (an agent's "retry"). */
export async function requeue(q: Queryable, messageId: number): Promise<boolean> {
  const r = await q.query(
    `UPDATE outbox SET state = 'queued', next_attempt_at = now(), attempts = 0, updated_at = now()
      WHERE message_id = $1 AND state = 'failed'`,
    [messageId],
  );
  return (r.rowCount ?? 0) > 0;
}

/**
 * Puts an entry back after a failure that was the account's, not its own:
 * it waits for the account (the claim skips held campaigns) with the reason
 * shown. A refused login does not count as the message's attempt (it was
 * never tried); a server that was down or hung up does, so one message that
 * always times out cannot be tried for ever.
 */
export async function putBack(q: Queryable, id: number, error: string, response: string, countAttempt: boolean): Promise<void> {
  await q.query(
    `UPDATE outbox SET state = 'retrying', attempts = CASE WHEN $4 THEN attempts ELSE greatest(attempts - 1, 0) END, next_attempt_at = now(),
            last_error = $2, smtp_response = $3, locked_until = NULL, updated_at = now()
      WHERE id = $1`,
    [id, error.slice(0, 1000), response.slice(0, 1000), countAttempt],
  );
}

/** A campaign's SMTP account held back: by the admin (retry_at null) or until retry_at. */
export interface SmtpHold {
  campaign_id: string;
  code: string;
  response: string;
  attempts: number;
  retry_at: Date | null;
  since: Date;
}

/**
 * SQL for how many messages of a held campaign wait (not yet sent or
 * failed), given the SQL naming its id: what the campaigns screen and the
 * Live view show beside a hold.
 */
export const waitingBehindHoldSql = (campaignId: string): string =>
  `(SELECT count(*)::int FROM outbox o WHERE o.campaign_id = ${campaignId} AND o.state IN ('queued', 'retrying', 'sending'))`;

/** The campaign's hold, locked for the caller's transaction. */
export async function lockHold(q: Queryable, campaignId: string): Promise<SmtpHold | undefined> {
  const { rows } = await q.query<SmtpHold>(`SELECT * FROM smtp_holds WHERE campaign_id = $1 FOR UPDATE`, [campaignId]);
  return rows[0];
}

export async function saveHold(q: Queryable, h: Omit<SmtpHold, 'since'>): Promise<void> {
  await q.query(
    `INSERT INTO smtp_holds (campaign_id, code, response, attempts, retry_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (campaign_id) DO UPDATE
       SET code = EXCLUDED.code, response = EXCLUDED.response, attempts = EXCLUDED.attempts, retry_at = EXCLUDED.retry_at, updated_at = now()`,
    [h.campaign_id, h.code, h.response.slice(0, 1000), h.attempts, h.retry_at],
  );
}

/** Lifts the campaign's hold; true when there was one. */
export async function releaseHold(q: Queryable, campaignId: string): Promise<boolean> {
  const r = await q.query(`DELETE FROM smtp_holds WHERE campaign_id = $1`, [campaignId]);
  return (r.rowCount ?? 0) > 0;
}

/**
 * Messages not sent yet per campaign and state, for /metrics: a campaign
 * whose SMTP account is held shows its queued and retrying ones as `held`.
 * Sent rows are the ledger's bulk and are not counted (the outbox index
 * covers the others).
 */
export async function outboxWaitingCounts(q: Queryable): Promise<Array<{ campaignId: string; state: string; count: number }>> {
  const { rows } = await q.query<{ campaign_id: string; state: string; n: number }>(
    `SELECT o.campaign_id, CASE WHEN h.campaign_id IS NOT NULL AND o.state IN ('queued', 'retrying') THEN 'held' ELSE o.state END AS state, count(*)::int AS n
       FROM outbox o LEFT JOIN smtp_holds h ON h.campaign_id = o.campaign_id
      WHERE o.state <> 'sent' GROUP BY 1, 2`,
  );
  return rows.map((r) => ({ campaignId: r.campaign_id, state: r.state, count: r.n }));
}
