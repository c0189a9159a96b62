import type { Db } from '../../platform/db/db.ts';
import { generatePassword } from '../auth/passwords.ts';
import { createUser } from './create-user.ts';

/**
 * On a database with no users, creates the first admin with the configured
 * password or a generated one, returned once so the caller can print it.
 */
export async function ensureFirstAdmin(
  db: Db,
  opts: { username: string; password: string | undefined },
): Promise<{ created: boolean; username: string; password?: string; generated: boolean }> {
  return db.tx(async (q) => {
    await q.query('SELECT pg_advisory_xact_lock(7310551003)');
    const { rows } = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM users');
    if (rows[0]!.n > 0) return { created: false, username: opts.username, generated: false };
    const password = opts.password ?? generatePassword();
    const admin = await createUser(q, { username: opts.username, displayName: 'Administrator', role: 'admin', language: 'en', password });
    return { created: true, username: admin.username, password, generated: !opts.password };
  });
}
