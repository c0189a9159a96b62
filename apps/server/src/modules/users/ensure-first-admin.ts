import type { Db } from '../../platform/db/db.ts';
import { generatePassword } from '../auth/index.ts';
import { createUser } from './create-user.ts';
import { countUsers, lockFirstAdmin } from './users.repo.ts';

/**
 * On a database with no users, creates the first admin with the configured
 * password or a generated one, returned once so the caller can print it.
 */
export async function ensureFirstAdmin(
  db: Db,
  opts: { username: string; password: string | undefined },
): Promise<{ created: boolean; username: string; password?: string; generated: boolean }> {
  return db.tx(async (q) => {
    await lockFirstAdmin(q);
    if ((await countUsers(q)) > 0) return { created: false, username: opts.username, generated: false };
    const password = opts.password ?? generatePassword();
    const admin = await createUser(q, { username: opts.username, displayName: 'Administrator', role: 'admin', language: 'en', password });
    return { created: true, username: admin.username, password, generated: !opts.password };
  });
}
