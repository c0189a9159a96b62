import type { Queryable } from '../../platform/db/db.ts';
import { normalizeUsername } from './username.ts';

export type UserRole = 'admin' | 'supervisor' | 'agent';
export type Language = 'en' | 'es' | 'it';

/** A user row as the server uses it; the password hash never leaves this module's callers. */
export interface UserRow {
  id: string;
  username: string;
  display_name: string;
  email: string | null;
  role: UserRole;
  language: Language;
  enabled: boolean;
  password_hash: string;
  created_at: Date;
  updated_at: Date;
}

const cols = 'id, username, display_name, email, role, language, enabled, password_hash, created_at, updated_at';

/** Finds a user by name as typed: normalised once (normalizeUsername), then compared exactly. */
export async function findUserByUsername(db: Queryable, username: string): Promise<UserRow | null> {
  const { rows } = await db.query<UserRow>(`SELECT ${cols} FROM users WHERE username = $1`, [normalizeUsername(username)]);
  return rows[0] ?? null;
}

/** Finds a user by id. */
export async function findUserById(db: Queryable, id: string): Promise<UserRow | null> {
  const { rows } = await db.query<UserRow>(`SELECT ${cols} FROM users WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

/** Every user, by name. */
export async function listUsers(db: Queryable): Promise<UserRow[]> {
  const { rows } = await db.query<UserRow>(`SELECT ${cols} FROM users ORDER BY username`);
  return rows;
}

/** Inserts a user; a duplicate name raises the unique violation on users_username_key. */
export async function insertUser(
  db: Queryable,
  u: { username: string; displayName: string; email: string | null; role: UserRole; language: Language; passwordHash: string },
): Promise<UserRow> {
  const { rows } = await db.query<UserRow>(
    `INSERT INTO users (username, display_name, email, role, language, password_hash)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${cols}`,
    [u.username, u.displayName, u.email, u.role, u.language, u.passwordHash],
  );
  return rows[0]!;
}

/** Applies the given changes (undefined = unchanged). */
export async function updateUser(
  db: Queryable,
  id: string,
  c: { displayName?: string; email?: string | null; role?: UserRole; language?: Language; enabled?: boolean; passwordHash?: string },
): Promise<UserRow | null> {
  const { rows } = await db.query<UserRow>(
    `UPDATE users SET
       display_name = coalesce($2, display_name),
       email = CASE WHEN $3::boolean THEN $4 ELSE email END,
       role = coalesce($5, role),
       language = coalesce($6, language),
       enabled = coalesce($7, enabled),
       password_hash = coalesce($8, password_hash),
       updated_at = now()
     WHERE id = $1 RETURNING ${cols}`,
    [id, c.displayName ?? null, c.email !== undefined, c.email ?? null, c.role ?? null, c.language ?? null, c.enabled ?? null, c.passwordHash ?? null],
  );
  return rows[0] ?? null;
}

/** Counts enabled admins, so the last one cannot be disabled or demoted. */
export async function countEnabledAdmins(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE role = 'admin' AND enabled`);
  return rows[0]!.n;
}

/** Serialises admin-count checks (demotions, disables) so two concurrent ones cannot both pass; held until the transaction ends. */
export async function lockAdminChanges(db: Queryable): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(7310551002)`);
}

/** Serialises first-start checks across processes starting at once; held until the transaction ends. */
export async function lockFirstAdmin(db: Queryable): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock(7310551003)');
}

/** How many users there are (none: the first start). */
export async function countUsers(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM users');
  return rows[0]!.n;
}
