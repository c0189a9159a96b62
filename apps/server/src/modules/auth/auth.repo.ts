import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../../platform/db/db.ts';
import type { UserRole } from '../users/index.ts';

/** Session cookies and API tokens are random; only their SHA-256 is stored. */
export const hashToken = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/** Creates a session row and returns the cookie value. */
export async function createSession(db: Queryable, userId: string, ttlMs: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db.query(
    `INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, now() + ($3 || ' milliseconds')::interval)`,
    [hashToken(token), userId, String(ttlMs)],
  );
  return token;
}

/** Who made a request: a logged-in user, or an integration's token acting with the token's role. */
export interface Principal {
  userId: string;
  username: string;
  role: UserRole;
  via: 'session' | 'token';
  language: 'en' | 'es' | 'it';
}

/**
 * How stale a last-seen / last-used time may get before a request writes it
 * again. Writing it on every request would make every read a committed write
 * (a WAL flush per API call); a minute is precise enough for "last used".
 */
const TOUCH_AFTER = "interval '60 seconds'";

/** Resolves a session cookie to its enabled user, sliding its last-seen time at most once a minute. */
export async function findSession(db: Queryable, token: string): Promise<Principal | null> {
  const hash = hashToken(token);
  const { rows } = await db.query<{ id: string; username: string; role: UserRole; language: Principal['language']; stale: boolean }>(
    `SELECT u.id, u.username, u.role, u.language, s.last_seen_at < now() - ${TOUCH_AFTER} AS stale
       FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.token_hash = $1 AND s.expires_at > now() AND u.enabled`,
    [hash],
  );
  const r = rows[0];
  if (!r) return null;
  if (r.stale) await db.query('UPDATE sessions SET last_seen_at = now() WHERE token_hash = $1', [hash]);
  return { userId: r.id, username: r.username, role: r.role, language: r.language, via: 'session' };
}

/** Deletes one session (logout). */
export async function deleteSession(db: Queryable, token: string): Promise<void> {
  await db.query('DELETE FROM sessions WHERE token_hash = $1', [hashToken(token)]);
}

/** Deletes every session of a user: on disable or password change. */
export async function deleteUserSessions(db: Queryable, userId: string): Promise<void> {
  await db.query('DELETE FROM sessions WHERE user_id = $1', [userId]);
}

/** Resolves a bearer token to its owner, acting with the token's own role; last-used moves at most once a minute. */
export async function findApiToken(db: Queryable, token: string): Promise<Principal | null> {
  const hash = hashToken(token);
  const { rows } = await db.query<{ user_id: string; username: string; role: UserRole; language: Principal['language']; stale: boolean }>(
    `SELECT t.user_id, u.username, t.role, u.language,
            (t.last_used_at IS NULL OR t.last_used_at < now() - ${TOUCH_AFTER}) AS stale
       FROM api_tokens t JOIN users u ON u.id = t.user_id
      WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.enabled`,
    [hash],
  );
  const r = rows[0];
  if (!r) return null;
  if (r.stale) await db.query('UPDATE api_tokens SET last_used_at = now() WHERE token_hash = $1', [hash]);
  return { userId: r.user_id, username: r.username, role: r.role, language: r.language, via: 'token' };
}

/** True when the user exists and is an agent: only agents are logged out by a supervisor. */
export async function isAgent(db: Queryable, userId: string): Promise<boolean> {
  const r = await db.query(`SELECT 1 FROM users WHERE id = $1 AND role = 'agent'`, [userId]);
  return (r.rowCount ?? 0) > 0;
}
