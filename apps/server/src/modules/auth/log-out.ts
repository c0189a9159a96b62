import type { Db } from '../../platform/db/db.ts';
import { emitEvent } from '../../platform/events/events.ts';
import { notFound } from '../../platform/http/errors.ts';
import { setPresence } from '../routing/index.ts';
import { deleteSession, deleteUserSessions, isAgent } from './auth.repo.ts';

/** Who is logged out: one session (the user pressed "log out"), or every session of an agent (a supervisor's "log out agent"). */
export type LogOut = { session: string | null; userId: string | null } | { agentId: string };

/**
 * Logging out ends the working day: the user goes offline (their offers go
 * back to the queue; interactions already accepted stay theirs) and their
 * session ends; every node closes the sockets opened with that session
 * (`user.access_changed`). A supervisor logging an agent out ends every
 * session of theirs and closes their workspaces (`agent.logged_out`). One
 * transaction.
 */
export async function logOut(db: Db, what: LogOut, now: Date): Promise<void> {
  await db.tx(async (q) => {
    if ('session' in what) {
      if (what.session) await deleteSession(q, what.session);
      if (what.userId) {
        await setPresence(q, what.userId, 'offline', null, now);
        await emitEvent(q, { type: 'user.access_changed', userId: what.userId });
      }
      return;
    }
    if (!(await isAgent(q, what.agentId))) throw notFound('agent');
    await setPresence(q, what.agentId, 'offline', null, now);
    await deleteUserSessions(q, what.agentId);
    await emitEvent(q, { type: 'agent.logged_out', userId: what.agentId });
  });
}
