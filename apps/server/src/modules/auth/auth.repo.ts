import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../../platform/db/db.ts';
import type { UserRole } from '../users/index.ts';
import { tokenRole } from './auth.policy.ts';

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
  /** SHA-256 of the session cookie or token: what a long-lived socket re-checks (liveCredentials). */
  credential: Buffer;
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
  return { userId: r.id, username: r.username, role: r.role, language: r.language, via: 'session', credential: hash };
}

/**
 * Which of these credentials (session and token hashes) still stand, and
 * with what role now: the same rules as findSession and findApiToken, read
 * for many at once and without touching last-seen times. Keyed by the hash
 * in hex; a missing key means the credential ended.
 */
export async function liveCredentials(db: Queryable, hashes: Buffer[]): Promise<Map<string, { userId: string; role: UserRole }>> {
  const live = new Map<string, { userId: string; role: UserRole }>();
  if (hashes.length === 0) return live;
  const { rows } = await db.query<{ hash: Buffer; user_id: string; role: UserRole; owner_role: UserRole }>(
    `SELECT s.token_hash AS hash, u.id AS user_id, u.role, u.role AS owner_role
       FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.token_hash = ANY($1::bytea[]) AND s.expires_at > now() AND u.enabled
     UNION ALL
     SELECT t.token_hash, u.id, t.role, u.role
       FROM api_tokens t JOIN users u ON u.id = t.user_id
      WHERE t.token_hash = ANY($1::bytea[]) AND t.revoked_at IS NULL AND u.enabled`,
    [hashes],
  );
  for (const r of rows) live.set(r.hash.toString('hex'), { userId: r.user_id, role: tokenRole(r.role, r.owner_role) });
  return live;
}

/** Deletes one session (logout). */
export async function deleteSession(db: Queryable, token: string): Promise<void> {
  await db.query('DELETE FROM sessions WHERE token_hash = $1', [hashToken(token)]);
}

/** Deletes every session of a user: on disable or password change. */
export async function deleteUserSessions(db: Queryable, userId: string): Promise<void> {
  await db.query('DELETE FROM sessions WHERE user_id = $1', [userId]);
}

/**
 * Resolves a bearer token to its enabled owner, acting with the token's role
 * capped by the owner's current one; last-used moves at most once a minute.
 */
export async function findApiToken(db: Queryable, token: string): Promise<Principal | null> {
  const hash = hashToken(token);
  const { rows } = await db.query<{ user_id: string; username: string; role: UserRole; owner_role: UserRole; language: Principal['language']; stale: boolean }>(
    `SELECT t.user_id, u.username, t.role, u.role AS owner_role, u.language,
            (t.last_used_at IS NULL OR t.last_used_at < now() - ${TOUCH_AFTER}) AS stale
       FROM api_tokens t JOIN users u ON u.id = t.user_id
      WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.enabled`,
    [hash],
  );
  const r = rows[0];
  if (!r) return null;
  if (r.stale) await db.query('UPDATE api_tokens SET last_used_at = now() WHERE token_hash = $1', [hash]);
  return { userId: r.user_id, username: r.username, role: tokenRole(r.role, r.owner_role), language: r.language, via: 'token', credential: hash };
}

/**
 * Revokes a user's live tokens: all of them (disabled, password reset), or
 * those whose role is above the user's new one (demoted). Revoked, not
 * capped, so a later promotion does not bring them back.
 */
export async function revokeUserTokens(db: Queryable, userId: string, above?: UserRole): Promise<number> {
  const r = await db.query(
    `UPDATE api_tokens SET revoked_at = now()
      WHERE user_id = $1 AND revoked_at IS NULL
        AND ($2::text IS NULL OR array_position(ARRAY['agent', 'supervisor', 'admin'], role) > array_position(ARRAY['agent', 'supervisor', 'admin'], $2::text))`,
    [userId, above ?? null],
  );
  return r.rowCount ?? 0;
}

/** True when the user exists and is an agent: only agents are logged out by a supervisor. */
export async function isAgent(db: Queryable, userId: string): Promise<boolean> {
  const r = await db.query(`SELECT 1 FROM users WHERE id = $1 AND role = 'agent'`, [userId]);
  return (r.rowCount ?? 0) > 0;
}
