import type { Queryable } from '../../platform/db/db.ts';
import type { OAuthAccountState, OAuthProviderKind } from '@postdesk/contracts';

// The SQL of OAuth2 mailboxes: oauth_providers, oauth_accounts and
// oauth_sign_ins belong to this module; reads join campaigns for names.

/** A provider row; the sealed secret stays inside the server. */
export interface ProviderRow {
  id: string;
  kind: OAuthProviderKind;
  name: string;
  issuer: string;
  tenant: string | null;
  client_id: string;
  client_secret_sealed: Buffer;
  scopes: string;
  updated_at: Date;
  accounts: number;
}

/** A signed-in account row; sealed tokens stay inside the server. */
export interface AccountRow {
  id: string;
  provider_id: string;
  subject: string;
  email: string;
  refresh_token_sealed: Buffer | null;
  access_token_sealed: Buffer;
  access_expires_at: Date;
  access_issued_at: Date;
  scope: string | null;
  state: OAuthAccountState;
  last_error: string | null;
  failures: number;
  next_attempt_at: Date | null;
}

/** An account with its provider's name and kind, as screens show it. */
export interface AccountSummaryRow {
  id: string;
  provider_id: string;
  provider_name: string;
  provider_kind: OAuthProviderKind;
  email: string;
  state: OAuthAccountState;
  last_error: string | null;
  next_attempt_at: Date | null;
}

/** A started sign-in. */
export interface SignInRow {
  id: string;
  provider_id: string;
  account_id: string | null;
  expected_email: string | null;
  nonce: string;
  code_verifier_sealed: Buffer;
  user_id: string;
  expires_at: Date;
  consumed_at: Date | null;
  result_account_id: string | null;
  error_code: string | null;
  error: string | null;
}

const providerSelect = `SELECT p.*, (SELECT count(*)::int FROM oauth_accounts a JOIN campaigns c ON c.oauth_account_id = a.id AND c.deleted_at IS NULL WHERE a.provider_id = p.id) AS accounts
  FROM oauth_providers p`;

/** Every provider, by name. */
export async function listProviders(q: Queryable): Promise<ProviderRow[]> {
  return (await q.query<ProviderRow>(`${providerSelect} ORDER BY lower(p.name)`)).rows;
}

/** One provider. */
export async function findProvider(q: Queryable, id: string): Promise<ProviderRow | null> {
  return (await q.query<ProviderRow>(`${providerSelect} WHERE p.id = $1`, [id])).rows[0] ?? null;
}

/** The values a provider is saved with. */
export interface ProviderValues {
  kind: OAuthProviderKind;
  name: string;
  issuer: string;
  tenant: string | null;
  clientId: string;
  clientSecretSealed: Buffer;
  scopes: string;
}

/** Inserts a provider. */
export async function insertProvider(q: Queryable, id: string, v: ProviderValues): Promise<void> {
  await q.query(
    `INSERT INTO oauth_providers (id, kind, name, issuer, tenant, client_id, client_secret_sealed, scopes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [id, v.kind, v.name, v.issuer, v.tenant, v.clientId, v.clientSecretSealed, v.scopes],
  );
}

/** Overwrites a provider's settings. */
export async function updateProvider(q: Queryable, id: string, v: ProviderValues): Promise<void> {
  await q.query(
    `UPDATE oauth_providers SET kind = $2, name = $3, issuer = $4, tenant = $5, client_id = $6, client_secret_sealed = $7, scopes = $8, updated_at = now() WHERE id = $1`,
    [id, v.kind, v.name, v.issuer, v.tenant, v.clientId, v.clientSecretSealed, v.scopes],
  );
}

/** Deletes a provider nobody signs in with; its unsaved sign-ins and accounts go with it. Returns false when an account still uses it. */
export async function deleteProvider(q: Queryable, id: string): Promise<boolean> {
  const used = await q.query(`SELECT 1 FROM oauth_accounts a JOIN campaigns c ON c.oauth_account_id = a.id WHERE a.provider_id = $1 LIMIT 1`, [id]);
  if (used.rowCount) return false;
  await q.query(`DELETE FROM oauth_sign_ins WHERE provider_id = $1`, [id]);
  await q.query(`DELETE FROM oauth_accounts WHERE provider_id = $1`, [id]);
  await q.query(`DELETE FROM oauth_providers WHERE id = $1`, [id]);
  return true;
}

/** One account, as the token path needs it. */
export async function findAccount(q: Queryable, id: string): Promise<AccountRow | null> {
  return (await q.query<AccountRow>(`SELECT * FROM oauth_accounts WHERE id = $1`, [id])).rows[0] ?? null;
}

/**
 * Takes the account's refresh lease: its row lock, held until the
 * transaction ends. Another node asking at the same time waits here, then
 * reads the token the first one stored (a crashed node's lock goes with its
 * connection, so the lease cannot be left behind).
 */
export async function lockAccount(q: Queryable, id: string): Promise<AccountRow | null> {
  await q.query(`SET LOCAL lock_timeout = '60s'`);
  return (await q.query<AccountRow>(`SELECT * FROM oauth_accounts WHERE id = $1 FOR UPDATE`, [id])).rows[0] ?? null;
}

/** Accounts with their provider, for the campaign and mailbox screens. */
export async function accountSummaries(q: Queryable, ids: readonly string[]): Promise<AccountSummaryRow[]> {
  if (ids.length === 0) return [];
  const { rows } = await q.query<AccountSummaryRow>(
    `SELECT a.id, a.provider_id, p.name AS provider_name, p.kind AS provider_kind, a.email, a.state, a.last_error, a.next_attempt_at
       FROM oauth_accounts a JOIN oauth_providers p ON p.id = a.provider_id WHERE a.id = ANY($1::uuid[])`,
    [ids],
  );
  return rows;
}

/** New tokens for an account (a sign-in, a sign-in again or a refresh): it works again. */
export interface TokenValues {
  accessSealed: Buffer;
  /** Undefined keeps the stored refresh token (a provider that does not rotate it). */
  refreshSealed?: Buffer | null;
  expiresAt: Date;
  issuedAt: Date;
  scope: string | null;
}

/** Inserts a signed-in account. */
export async function insertAccount(
  q: Queryable,
  id: string,
  v: TokenValues & { providerId: string; subject: string; email: string; createdBy: string },
): Promise<void> {
  await q.query(
    `INSERT INTO oauth_accounts (id, provider_id, subject, email, refresh_token_sealed, access_token_sealed, access_expires_at, access_issued_at, scope, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [id, v.providerId, v.subject, v.email, v.refreshSealed ?? null, v.accessSealed, v.expiresAt, v.issuedAt, v.scope, v.createdBy],
  );
}

/** Stores refreshed or re-granted tokens and clears any failure. */
export async function storeTokens(q: Queryable, id: string, v: TokenValues & { subject?: string; email?: string }): Promise<void> {
  await q.query(
    `UPDATE oauth_accounts SET access_token_sealed = $2, access_expires_at = $3, access_issued_at = $4, scope = COALESCE($5, scope),
            refresh_token_sealed = CASE WHEN $6::boolean THEN $7 ELSE refresh_token_sealed END,
            subject = COALESCE($8, subject), email = COALESCE($9, email),
            state = 'ok', last_error = NULL, failures = 0, next_attempt_at = NULL, updated_at = now()
      WHERE id = $1`,
    [id, v.accessSealed, v.expiresAt, v.issuedAt, v.scope, v.refreshSealed !== undefined, v.refreshSealed ?? null, v.subject ?? null, v.email ?? null],
  );
}

/** A refresh failed: the account waits (backoff) or needs someone to sign in again. */
export async function markAccountFailed(
  q: Queryable,
  id: string,
  p: { state: 'backoff' | 'sign_in_needed'; error: string; failures: number; nextAttemptAt: Date | null },
): Promise<void> {
  await q.query(
    `UPDATE oauth_accounts SET state = $2, last_error = $3, failures = $4, next_attempt_at = $5, updated_at = now() WHERE id = $1`,
    [id, p.state, p.error, p.failures, p.nextAttemptAt],
  );
}

/** The live campaigns that sign in with an account, for the "sign in again" notices. */
export async function campaignsUsingAccount(q: Queryable, accountId: string): Promise<Array<{ id: string; name: string }>> {
  const { rows } = await q.query<{ id: string; name: string }>(
    `SELECT id, name FROM campaigns WHERE oauth_account_id = $1 AND deleted_at IS NULL`,
    [accountId],
  );
  return rows;
}

/** Accounts a live, enabled campaign uses whose access token expires before `before`, and which are not waiting for a person. */
export async function accountsDueForRefresh(q: Queryable, before: Date): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `SELECT DISTINCT a.id FROM oauth_accounts a JOIN campaigns c ON c.oauth_account_id = a.id AND c.deleted_at IS NULL AND c.enabled
      WHERE a.state <> 'sign_in_needed' AND a.access_expires_at < $1 AND (a.next_attempt_at IS NULL OR a.next_attempt_at <= now())`,
    [before],
  );
  return rows.map((r) => r.id);
}

/**
 * When the next campaign account's token enters its refresh margin (a
 * quarter of its life, at most five minutes; or its backoff ends, if
 * later): the sweep sleeps until then rather than a fixed tick, so a short
 * token is refreshed before it expires, not after. Null when none is due.
 */
export async function nextRefreshAt(q: Queryable): Promise<Date | null> {
  const { rows } = await q.query<{ at: Date | null }>(
    `SELECT min(GREATEST(a.access_expires_at - LEAST(interval '5 minutes', (a.access_expires_at - a.access_issued_at) / 4), a.next_attempt_at)) AS at
       FROM oauth_accounts a
      WHERE a.state <> 'sign_in_needed'
        AND EXISTS (SELECT 1 FROM campaigns c WHERE c.oauth_account_id = a.id AND c.deleted_at IS NULL AND c.enabled)`,
  );
  return rows[0]?.at ?? null;
}

/** Accounts of sign-ins nobody saved into a campaign, older than a day: their grants are of no use. */
export async function deleteUnusedAccounts(q: Queryable): Promise<number> {
  const r = await q.query(
    `DELETE FROM oauth_accounts a WHERE a.created_at < now() - interval '1 day'
        AND NOT EXISTS (SELECT 1 FROM campaigns c WHERE c.oauth_account_id = a.id)`,
  );
  await q.query(`DELETE FROM oauth_sign_ins WHERE expires_at < now() - interval '1 day'`);
  return r.rowCount ?? 0;
}

/** Records a started sign-in. */
export async function insertSignIn(
  q: Queryable,
  v: { id: string; stateHash: Buffer; providerId: string; accountId: string | null; expectedEmail: string | null; nonce: string; verifierSealed: Buffer; userId: string; expiresAt: Date },
): Promise<void> {
  await q.query(
    `INSERT INTO oauth_sign_ins (id, state_hash, provider_id, account_id, expected_email, nonce, code_verifier_sealed, user_id, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [v.id, v.stateHash, v.providerId, v.accountId, v.expectedEmail, v.nonce, v.verifierSealed, v.userId, v.expiresAt],
  );
}

/**
 * Spends a sign-in by its state: only the first callback that names it,
 * before it expires, gets it back; a replay finds it consumed. Returns the
 * row, or why there is none.
 */
export async function consumeSignIn(q: Queryable, stateHash: Buffer): Promise<{ row: SignInRow } | { refused: 'unknown' | 'replayed' | 'expired' }> {
  const { rows } = await q.query<SignInRow>(
    `UPDATE oauth_sign_ins SET consumed_at = now() WHERE state_hash = $1 AND consumed_at IS NULL AND expires_at > now() RETURNING *`,
    [stateHash],
  );
  if (rows[0]) return { row: rows[0] };
  const seen = await q.query<{ consumed_at: Date | null }>(`SELECT consumed_at FROM oauth_sign_ins WHERE state_hash = $1`, [stateHash]);
  if (!seen.rows[0]) return { refused: 'unknown' };
  return { refused: seen.rows[0].consumed_at ? 'replayed' : 'expired' };
}

/** What a consumed sign-in came to. */
export async function finishSignIn(q: Queryable, id: string, outcome: { accountId: string } | { code: string; error: string }): Promise<void> {
  if ('accountId' in outcome) await q.query(`UPDATE oauth_sign_ins SET result_account_id = $2 WHERE id = $1`, [id, outcome.accountId]);
  else await q.query(`UPDATE oauth_sign_ins SET error_code = $2, error = $3 WHERE id = $1`, [id, outcome.code, outcome.error]);
}

/** A sign-in as the admin who started it may see it. */
export async function findSignIn(q: Queryable, id: string, userId: string): Promise<SignInRow | null> {
  return (await q.query<SignInRow>(`SELECT * FROM oauth_sign_ins WHERE id = $1 AND user_id = $2`, [id, userId])).rows[0] ?? null;
}
