import type { Db } from '../../platform/db/db.ts';
import { emitEvent } from '../../platform/events/events.ts';
import { notFound } from '../../platform/http/errors.ts';
import { requestRetry } from './mailboxes.repo.ts';

/** An admin's "retry now": the mailbox gets a fresh attempt, and every sync node hears it at once (`mailbox.status_changed`). */
export async function retryMailbox(db: Db, campaignId: string): Promise<void> {
  const found = await db.tx(async (q) => {
    const ok = await requestRetry(q, campaignId);
    if (ok) await emitEvent(q, { type: 'mailbox.status_changed', campaignId, state: 'idle' });
    return ok;
  });
  if (!found) throw notFound('mailbox');
}
