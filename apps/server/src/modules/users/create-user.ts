import type { Queryable } from '../../platform/db/db.ts';
import { isUniqueViolation } from '../../platform/db/db.ts';
import { AppError } from '../../platform/http/errors.ts';
import { hashPassword } from '../auth/index.ts';
import { normalizeUsername } from './username.ts';
import { insertUser, type Language, type UserRole, type UserRow } from './users.repo.ts';

/** Creates a user under the normal form of the name given; a taken name is a 409 naming the field. */
export async function createUser(
  db: Queryable,
  input: { username: string; displayName: string; email?: string | null; role: UserRole; language: Language; password: string },
): Promise<UserRow> {
  const username = normalizeUsername(input.username);
  try {
    return await insertUser(db, {
      username,
      displayName: input.displayName,
      email: input.email ?? null,
      role: input.role,
      language: input.language,
      passwordHash: await hashPassword(input.password),
    });
  } catch (err) {
    if (isUniqueViolation(err, 'users_username_key')) {
      throw new AppError('conflict', `username "${username}" is taken`, [{ path: 'username', message: 'already taken' }]);
    }
    throw err;
  }
}
