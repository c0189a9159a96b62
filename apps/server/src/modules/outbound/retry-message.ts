import type { Db } from '../../platform/db/db.ts';
import { emitEvent } from '../../platform/events/events.ts';
import { AppError } from '../../platform/http/errors.ts';
import { requeue } from './outbox.repo.ts';

/**
 * An agent sends a failed message again: its outbox entry goes back to the
 * queue with its attempts reset (the same stored bytes and Message-ID), and
 * the thread hears it is queued. Only a failed message can be retried.
 */
export async function retryMessage(db: Db, m: { id: number; campaignId: string }): Promise<void> {
  const requeued = await db.tx(async (q) => {
    const ok = await requeue(q, m.id);
    if (ok) await emitEvent(q, { type: 'outbox.changed', campaignId: m.campaignId, messageId: m.id, state: 'queued' });
    return ok;
  });
  if (!requeued) throw new AppError('conflict', 'only a failed message can be sent again');
}
