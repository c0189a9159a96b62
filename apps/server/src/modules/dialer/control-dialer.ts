import type { Db } from '../../platform/db/db.ts';
import { AppError, notFound } from '../../platform/http/errors.ts';
import { emitEvent } from '../../platform/events/events.ts';
import { deleteUnprocessed, lockDialer, setDialerState } from './dialers.repo.ts';

/** What a person can do to a dialer: start (or resume), pause (nothing lost), stop (the rest of the mailing is dropped). */
export type DialerCommand = 'start' | 'resume' | 'pause' | 'stop';

/**
 * Applies a command under the dialer's row lock. Start refuses without a
 * public URL (its messages' unsubscribe and pixel links would have no home;
 * never taken from a request's Host) or when the dialer is disabled. Pause
 * and stop let the messages in flight finish: the runner sees the state at
 * its next lease renewal and its sender records what was handed out.
 */
export async function controlDialer(deps: { db: Db; publicUrl: string | undefined }, id: string, command: DialerCommand): Promise<{ deleted: number }> {
  return deps.db.tx(async (q) => {
    const d = await lockDialer(q, id);
    if (!d) throw notFound('dialer');
    let deleted = 0;
    if (command === 'start' || command === 'resume') {
      if (!deps.publicUrl) throw new AppError('conflict', 'set POSTDESK_PUBLIC_URL first: every dialer message carries unsubscribe and tracking links to it');
      if (!d.enabled) throw new AppError('conflict', 'the dialer is disabled: enable it first', [{ path: 'enabled', message: 'disabled' }]);
      await setDialerState(q, id, 'running');
    } else {
      await setDialerState(q, id, 'stopped');
      if (command === 'stop') deleted = await deleteUnprocessed(q, id);
    }
    await emitEvent(q, { type: 'dialer.changed', dialerId: id, wake: command === 'start' || command === 'resume' });
    return { deleted };
  });
}
