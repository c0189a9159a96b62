import { backoffDelay } from '@postdesk/mailkit/backoff';
import type { Db, Queryable } from '../../platform/db/db.ts';
import { emitEvent } from '../../platform/events/events.ts';
import type { Logger } from '../../platform/log/logger.ts';
import type { SecretBox } from '../../platform/secrets/secret-box.ts';
import type { OAuthRuntime } from './oauth-runtime.ts';
import { OAuthClientError } from './oidc-client.ts';
import { campaignsUsingAccount, findAccount, findProvider, lockAccount, markAccountFailed, storeTokens, type AccountRow } from './oauth.repo.ts';
import { providerConfig } from './save-provider.ts';

/** What the token path needs, passed in. */
export interface TokenDeps {
  db: Db;
  secrets: SecretBox;
  oauth: OAuthRuntime;
  log: Logger;
  now: () => Date;
}

/** The AAD of an account's tokens: a copy moved to another row does not open. */
export const tokenSealContext = (accountId: string, which: 'access' | 'refresh'): string => `oauth-account:${accountId}:${which}`;

/**
 * Why no access token can be had: `sign_in_needed` — the grant is gone
 * (consent revoked, refresh token expired or revoked) and only a person
 * signing in again helps, so callers stop rather than retry; `unavailable` —
 * the provider could not answer now (or our client settings are refused),
 * tried again after `retryAt`.
 */
export class OAuthTokenError extends Error {
  override readonly name = 'OAuthTokenError';
  constructor(
    readonly code: 'sign_in_needed' | 'unavailable',
    message: string,
    readonly retryAt: Date | null = null,
  ) {
    super(message);
  }
}

/** How far ahead of expiry a token is refreshed: a quarter of its life, at most five minutes (a 60 s token at 45 s). */
export function refreshMarginMs(a: Pick<AccountRow, 'access_expires_at' | 'access_issued_at'>): number {
  const life = a.access_expires_at.getTime() - a.access_issued_at.getTime();
  return Math.min(5 * 60_000, Math.max(0, life / 4));
}

/** True while the stored access token is good for more than the margin. */
export function isFresh(a: Pick<AccountRow, 'access_expires_at' | 'access_issued_at'>, now: Date): boolean {
  return a.access_expires_at.getTime() - now.getTime() > refreshMarginMs(a);
}

const BACKOFF = { baseMs: 5_000, capMs: 10 * 60_000, jitter: 'equal' as const };
const SIGN_IN_AGAIN = 'sign in again';

/**
 * A valid access token for an account, and the address it signs in as.
 * The stored token while it is fresh; otherwise one refresh under the
 * account's lease (its row lock): one node asks the provider, the others
 * wait for the lock and take the token it stored; within a process, callers
 * share the one refresh in flight. A grant that is gone puts the account in
 * sign_in_needed (pushed to admins, never tried again until someone signs
 * in); a provider that does not answer puts it in backoff, and while the
 * old token still lives it is used.
 */
export async function accessTokenFor(
  deps: TokenDeps,
  accountId: string,
  opts: { refused?: string } = {},
): Promise<{ accessToken: string; email: string }> {
  const row = await findAccount(deps.db, accountId);
  if (!row) throw new OAuthTokenError('sign_in_needed', `${SIGN_IN_AGAIN}: the signed-in account is gone`);
  if (row.state === 'sign_in_needed') throw new OAuthTokenError('sign_in_needed', `${SIGN_IN_AGAIN}: ${row.last_error ?? 'the grant is gone'}`);
  if (isFresh(row, deps.now()) && !isRefused(deps, row, opts.refused)) return { accessToken: openAccess(deps, row), email: row.email };
  return deps.oauth.once(`refresh:${accountId}`, () => refreshUnderLease(deps, accountId, opts.refused));
}

// The mail server refused this very token (revoked early, or the provider ended the session): a fresh one is needed now.
function isRefused(deps: Pick<TokenDeps, 'secrets'>, row: AccountRow, refused: string | undefined): boolean {
  return refused !== undefined && openAccess(deps, row) === refused;
}

type Outcome =
  | { ok: true; accessToken: string; email: string }
  | { ok: false; error: OAuthTokenError; signInNeeded?: { email: string; campaigns: Array<{ id: string; name: string }> } };

async function refreshUnderLease(deps: TokenDeps, accountId: string, refused: string | undefined): Promise<{ accessToken: string; email: string }> {
  const outcome = await deps.db.tx(async (q): Promise<Outcome> => {
    const row = await lockAccount(q, accountId);
    const now = deps.now();
    if (!row) return { ok: false, error: new OAuthTokenError('sign_in_needed', `${SIGN_IN_AGAIN}: the signed-in account is gone`) };
    if (row.state === 'sign_in_needed') return { ok: false, error: new OAuthTokenError('sign_in_needed', `${SIGN_IN_AGAIN}: ${row.last_error ?? 'the grant is gone'}`) };
    // another node refreshed while this one waited for the lease
    if (isFresh(row, now) && !isRefused(deps, row, refused)) return { ok: true, accessToken: openAccess(deps, row), email: row.email };
    const stillValid = row.access_expires_at.getTime() > now.getTime() && !isRefused(deps, row, refused);
    // backing off: never hammer the provider; the old token serves while it lives
    if (row.state === 'backoff' && row.next_attempt_at && row.next_attempt_at > now) {
      if (stillValid) return { ok: true, accessToken: openAccess(deps, row), email: row.email };
      return { ok: false, error: new OAuthTokenError('unavailable', row.last_error ?? 'the provider did not answer', row.next_attempt_at) };
    }
    if (!row.refresh_token_sealed) return signInNeeded(q, row, 'the provider gave no refresh token (offline access was not granted)');
    const provider = await findProvider(q, row.provider_id);
    if (!provider) return signInNeeded(q, row, 'its provider was deleted');
    let refreshToken: string;
    let client;
    try {
      refreshToken = deps.secrets.open(row.refresh_token_sealed, tokenSealContext(row.id, 'refresh'));
      client = deps.oauth.client(providerConfig(provider, deps.secrets));
    } catch {
      return signInNeeded(q, row, 'the stored tokens cannot be opened with this master key');
    }
    try {
      const t = await client.refresh(refreshToken);
      await storeTokens(q, row.id, {
        accessSealed: deps.secrets.seal(t.accessToken, tokenSealContext(row.id, 'access')),
        // a rotating provider (Microsoft) sends a new one, kept in the same transaction as the lease
        ...(t.refreshToken ? { refreshSealed: deps.secrets.seal(t.refreshToken, tokenSealContext(row.id, 'refresh')) } : {}),
        expiresAt: t.expiresAt,
        issuedAt: now,
        scope: t.scope ?? null,
      });
      deps.log.info({ accountId, expiresAt: t.expiresAt.toISOString(), rotated: !!t.refreshToken && t.refreshToken !== refreshToken }, 'oauth.refreshed');
      return { ok: true, accessToken: t.accessToken, email: row.email };
    } catch (err) {
      const e = err instanceof OAuthClientError ? err : new OAuthClientError('transient', 'the refresh failed');
      if (e.code === 'invalid_grant') return signInNeeded(q, row, e.message);
      const failures = row.failures + 1;
      const retryAt = new Date(now.getTime() + backoffDelay(failures - 1, BACKOFF));
      const reason = e.code === 'invalid_client' ? `the provider refused our client id or secret (check the provider settings): ${e.message}` : e.message;
      await markAccountFailed(q, row.id, { state: 'backoff', error: reason, failures, nextAttemptAt: retryAt });
      deps.log.warn({ accountId, code: e.code, failures, retryAt: retryAt.toISOString() }, 'oauth.refresh_failed');
      if (stillValid) return { ok: true, accessToken: openAccess(deps, row), email: row.email };
      return { ok: false, error: new OAuthTokenError('unavailable', reason, retryAt) };
    }
  });
  if (outcome.ok) return { accessToken: outcome.accessToken, email: outcome.email };
  throw outcome.error;
}

// The grant is gone: the account waits for a person; every admin hears it (at commit).
async function signInNeeded(q: Queryable, row: AccountRow, reason: string): Promise<Outcome> {
  await markAccountFailed(q, row.id, { state: 'sign_in_needed', error: reason, failures: row.failures + 1, nextAttemptAt: null });
  const campaigns = await campaignsUsingAccount(q, row.id);
  for (const c of campaigns) await emitEvent(q, { type: 'oauth.sign_in_needed', campaignId: c.id, email: row.email });
  return { ok: false, error: new OAuthTokenError('sign_in_needed', `${SIGN_IN_AGAIN}: ${reason}`), signInNeeded: { email: row.email, campaigns } };
}

function openAccess(deps: Pick<TokenDeps, 'secrets'>, row: AccountRow): string {
  try {
    return deps.secrets.open(row.access_token_sealed, tokenSealContext(row.id, 'access'));
  } catch {
    throw new OAuthTokenError('sign_in_needed', `${SIGN_IN_AGAIN}: the stored tokens cannot be opened with this master key`);
  }
}
