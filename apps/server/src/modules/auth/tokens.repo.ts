import { randomBytes } from 'node:crypto';
import type { Queryable } from '../../platform/db/db.ts';
import type { UserRole } from '../users/index.ts';
import { hashToken } from './auth.repo.ts';

/** An API token as listed: never the secret, only its first characters. */
export interface TokenRow {
  id: string;
  name: string;
  role: UserRole;
  prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  /** The user the token acts for (its power never exceeds theirs). */
  owner_id: string;
  owner_username: string;
  owner_display_name: string;
}

/** Issues a token "pdk_<random>"; the full value is returned once and only its hash is kept. */
export async function issueToken(db: Queryable, userId: string, name: string, role: UserRole): Promise<{ token: string; row: TokenRow }> {
  const token = `pdk_${randomBytes(32).toString('base64url')}`;
  const { rows } = await db.query<TokenRow>(
    `WITH t AS (
       INSERT INTO api_tokens (name, role, prefix, token_hash, user_id) VALUES ($1, $2, $3, $4, $5)
       RETURNING id, name, role, prefix, created_at, last_used_at, user_id)
     SELECT t.id, t.name, t.role, t.prefix, t.created_at, t.last_used_at,
            u.id AS owner_id, u.username AS owner_username, u.display_name AS owner_display_name
       FROM t JOIN users u ON u.id = t.user_id`,
    [name, role, token.slice(0, 10), hashToken(token), userId],
  );
  return { token, row: rows[0]! };
}

/** Every live token, with its owner. */
export async function listTokens(db: Queryable): Promise<TokenRow[]> {
  const { rows } = await db.query<TokenRow>(
    `SELECT t.id, t.name, t.role, t.prefix, t.created_at, t.last_used_at,
            u.id AS owner_id, u.username AS owner_username, u.display_name AS owner_display_name
       FROM api_tokens t JOIN users u ON u.id = t.user_id
      WHERE t.revoked_at IS NULL ORDER BY t.created_at DESC`,
  );
  return rows;
}

/** Revokes a token; false when there was none to revoke. */
export async function revokeToken(db: Queryable, id: string): Promise<boolean> {
  const r = await db.query(`UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, [id]);
  return (r.rowCount ?? 0) > 0;
}
