import type { Db } from '../../platform/db/db.ts';
import { AppError, notFound } from '../../platform/http/errors.ts';
import { hashPassword, revokeAccess } from '../auth/index.ts';
import { countEnabledAdmins, findUserById, lockAdminChanges, updateUser, type Language, type UserRole, type UserRow } from './users.repo.ts';

/**
 * Edits a user. Disabling a user or changing their password ends their
 * sessions and revokes their API tokens; a changed role ends their sessions
 * and revokes the tokens above the new role. The last enabled admin can be
 * neither disabled nor demoted.
 */
export async function editUser(
  db: Db,
  id: string,
  c: { displayName?: string; email?: string | null; role?: UserRole; language?: Language; enabled?: boolean; password?: string },
): Promise<UserRow> {
  const passwordHash = c.password ? await hashPassword(c.password) : undefined;
  return db.tx(async (q) => {
    // Serialise admin-count checks so two concurrent demotions cannot both pass.
    await lockAdminChanges(q);
    const before = await findUserById(q, id);
    if (!before) throw notFound('user');
    const losesAdmin = before.role === 'admin' && before.enabled && (c.enabled === false || (c.role && c.role !== 'admin'));
    if (losesAdmin && (await countEnabledAdmins(q)) <= 1) {
      throw new AppError('conflict', 'the last enabled admin cannot be disabled or demoted', [
        { path: c.enabled === false ? 'enabled' : 'role', message: 'last enabled admin' },
      ]);
    }
    const after = await updateUser(q, id, { ...c, passwordHash });
    if (!after) throw notFound('user');
    if (c.enabled === false || passwordHash) await revokeAccess(q, id, 'all');
    else if (c.role && c.role !== before.role) await revokeAccess(q, id, { above: after.role });
    return after;
  });
}
