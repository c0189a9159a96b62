import type { Queryable } from '../../platform/db/db.ts';
import { emitEvent } from '../../platform/events/events.ts';
import type { UserRole } from '../users/index.ts';
import { deleteUserSessions, revokeUserTokens } from './auth.repo.ts';

/**
 * Ends what a change to a user invalidates, in the caller's transaction:
 * every session, and their API tokens — all of them (disabled, password
 * reset) or those above a new role (demoted). The event makes every node
 * re-check that user's open sockets, so none outlives the access it had.
 */
export async function revokeAccess(q: Queryable, userId: string, tokens: 'all' | { above: UserRole }): Promise<void> {
  await deleteUserSessions(q, userId);
  await revokeUserTokens(q, userId, tokens === 'all' ? undefined : tokens.above);
  await emitEvent(q, { type: 'user.access_changed', userId });
}
