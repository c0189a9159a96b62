import type { Db } from '../../platform/db/db.ts';
import { emitEvent } from '../../platform/events/events.ts';
import { setPresence } from '../routing/presence.ts';
import { deleteSession } from './auth.repo.ts';

/**
 * Ends one session in one transaction: the session row, the working day
 * (presence offline, so offers go back to the queue), and the event that
 * makes every node close the sockets opened with that session.
 */
export async function logOut(db: Db, now: Date, session: { token: string | undefined; userId: string | null }): Promise<void> {
  await db.tx(async (q) => {
    if (session.token) await deleteSession(q, session.token);
    if (session.userId) {
      await setPresence(q, session.userId, 'offline', null, now);
      await emitEvent(q, { type: 'user.access_changed', userId: session.userId });
    }
  });
}
