import { ImapFlow } from 'imapflow';
import { backoffDelay } from '@postdesk/mailkit/backoff';
import { imapClientOptions, redactSecret } from '@postdesk/mailkit/verify';
import type { BlobStore } from '../../platform/blobs/blob-store.ts';
import type { Db } from '../../platform/db/db.ts';
import type { Logger } from '../../platform/log/logger.ts';
import type { SecretBox } from '../../platform/secrets/secret-box.ts';
import { campaignMail, findCampaignRow } from '../campaigns/index.ts';

/** A failed copy is retried from a minute up to an hour apart, ten times in all. */
const SENT_COPY_RETRY = { baseMs: 60_000, capMs: 3_600_000, jitter: 'equal', maxAttempts: 10 } as const;
// How long a claimed copy is left to its node before another may take it.
const CLAIM_SEC = 300;

interface ClaimedCopy {
  id: number;
  campaign_id: string;
  raw_sha256: Buffer;
  message_id: string | null;
  sent_copy_attempts: number;
}

/**
 * Appends the agents' sent replies to their campaign mailbox's Sent folder
 * (campaign setting `sentFolder`), after SMTP accepted them. A copy that is
 * already there (same Message-ID) is not appended twice, so a node dying
 * between APPEND and the commit costs nothing; a missing folder is created.
 * Failures are retried with backoff and end as `failed` with the reason.
 */
export async function copySentMessages(deps: { db: Db; blobs: BlobStore; secrets: SecretBox; log: Logger }, limit = 5): Promise<number> {
  const { rows: jobs } = await deps.db.query<ClaimedCopy>(
    `WITH due AS (
       SELECT id FROM outbox WHERE sent_copy = 'pending' AND sent_copy_next_at <= now()
        ORDER BY sent_copy_next_at LIMIT $1 FOR UPDATE SKIP LOCKED)
     UPDATE outbox o SET sent_copy_next_at = now() + make_interval(secs => $2), sent_copy_attempts = o.sent_copy_attempts + 1
       FROM due, messages m
      WHERE o.id = due.id AND m.id = o.message_id
      RETURNING o.id, o.campaign_id, m.raw_sha256, m.message_id, o.sent_copy_attempts`,
    [limit, CLAIM_SEC],
  );
  for (const job of jobs) {
    try {
      await copyOne(deps, job);
      await deps.db.query(`UPDATE outbox SET sent_copy = 'done', sent_copy_error = NULL WHERE id = $1`, [job.id]);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const last = job.sent_copy_attempts >= SENT_COPY_RETRY.maxAttempts;
      const delay = backoffDelay(job.sent_copy_attempts - 1, SENT_COPY_RETRY);
      await deps.db.query(
        `UPDATE outbox SET sent_copy = CASE WHEN $2 THEN 'failed' ELSE 'pending' END, sent_copy_error = $3,
                sent_copy_next_at = now() + make_interval(secs => $4) WHERE id = $1`,
        [job.id, last, reason.slice(0, 500), delay / 1000],
      );
      deps.log.warn({ outboxId: job.id, attempts: job.sent_copy_attempts, final: last, err: reason.slice(0, 200) }, 'outbox.sent_copy_failed');
    }
  }
  return jobs.length;
}

async function copyOne(deps: { db: Db; blobs: BlobStore; secrets: SecretBox }, job: ClaimedCopy): Promise<void> {
  const row = await findCampaignRow(deps.db, job.campaign_id);
  const inbound = row ? campaignMail(row, deps.secrets).inbound : null;
  const folder = row?.sent_folder;
  if (!row || !folder || inbound?.protocol !== 'imap') throw new Error('the campaign no longer copies replies to an IMAP folder');
  const raw = await deps.blobs.get(job.raw_sha256.toString('hex'));
  const client = new ImapFlow(imapClientOptions(inbound));
  client.on('error', () => undefined); // reported by the awaited call that fails
  try {
    await client.connect();
    if (job.message_id && (await alreadyThere(client, folder, job.message_id))) return;
    try {
      await client.append(folder, raw, ['\\Seen']);
    } catch (err) {
      // the folder does not exist yet (TRYCREATE): make it, then append
      if (!/TRYCREATE|doesn't exist|not exist|no such/i.test(String((err as { responseText?: string }).responseText ?? err))) throw err;
      await client.mailboxCreate(folder);
      await client.append(folder, raw, ['\\Seen']);
    }
  } catch (err) {
    const text = err instanceof Error ? ((err as { responseText?: string }).responseText ?? err.message) : String(err);
    throw new Error(redactSecret(`IMAP ${folder}: ${text}`, inbound.password, inbound.username));
  } finally {
    await client.logout().catch(() => client.close());
  }
}

async function alreadyThere(client: ImapFlow, folder: string, messageId: string): Promise<boolean> {
  let lock;
  try {
    lock = await client.getMailboxLock(folder, { readOnly: true });
  } catch {
    return false; // no such folder yet
  }
  try {
    const found = await client.search({ header: { 'message-id': messageId } }, { uid: true });
    return Array.isArray(found) && found.length > 0;
  } finally {
    lock.release();
  }
}
