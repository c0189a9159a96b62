import { ImapFlow } from 'imapflow';
import { z } from 'zod';
import { imapClientOptions, redactSecret } from '@postdesk/mailkit/verify';
import type { BlobStore } from '../../platform/blobs/blob-store.ts';
import type { Db } from '../../platform/db/db.ts';
import { defineJob, type JobHandler } from '../../platform/jobs/jobs.ts';
import type { SecretBox } from '../../platform/secrets/secret-box.ts';
import type { Logger } from '../../platform/log/logger.ts';
import { findCampaignRow, openCampaignMail } from '../campaigns/index.ts';
import type { OAuthRuntime } from '../oauth/index.ts';
import { findSentMessage, type SentMessage } from './outbox.repo.ts';

/** What copying a reply to the Sent folder needs: the campaign's mail settings, OAuth2 tokens included. */
export interface SentCopyDeps {
  db: Db;
  blobs: BlobStore;
  secrets: SecretBox;
  oauth: OAuthRuntime;
  log: Logger;
  now: () => Date;
  /** The installation's private mail authority (POSTDESK_MAIL_CA_FILE), trusted besides the system's. */
  mailCa?: string;
}

/**
 * The copy of an agent's sent reply to its campaign mailbox's Sent folder
 * (campaign setting `sentFolder`), after SMTP accepted it: added in the
 * transaction that records the send, keyed by the message so it is added
 * once. A failure is retried from a minute up to an hour apart, ten times
 * in all, then the job stays `failed` with the reason.
 */
export const SENT_COPY_JOB = defineJob({
  kind: 'outbound.sent_copy',
  payload: z.object({ messageId: z.number().int().positive() }).strict(),
  retry: { baseMs: 60_000, capMs: 3_600_000, jitter: 'equal', maxAttempts: 10 },
  leaseSec: 300,
  concurrency: 5,
});

/**
 * Appends the message to the Sent folder. A copy that is already there (same
 * Message-ID) is not appended twice, so a node dying between APPEND and the
 * job's completion costs nothing; a missing folder is created.
 */
export function sentCopyHandler(deps: SentCopyDeps): JobHandler<{ messageId: number }> {
  return {
    kind: SENT_COPY_JOB,
    async run({ messageId }) {
      const message = await findSentMessage(deps.db, messageId);
      if (!message) return; // the message is gone with its campaign: nothing to copy
      await copyOne(deps, message);
    },
  };
}

async function copyOne(deps: SentCopyDeps, job: SentMessage): Promise<void> {
  const row = await findCampaignRow(deps.db, job.campaign_id);
  const inbound = row ? (await openCampaignMail(deps, row, deps.mailCa)).inbound : null;
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
