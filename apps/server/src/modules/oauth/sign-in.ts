import { createHash, randomUUID } from 'node:crypto';
import type { OAuthSignIn, OAuthSignInInput, OAuthSignInStarted } from '@postdesk/contracts';
import { AppError, invalid, notFound } from '../../platform/http/errors.ts';
import { restoreConnection } from '../campaigns/index.ts';
import { tokenSealContext, type TokenDeps } from './access-token.ts';
import { OAuthClientError } from './oidc-client.ts';
import { presentSignIn } from './oauth.presenter.ts';
import {
  accountSummaries,
  campaignsUsingAccount,
  consumeSignIn,
  findAccount,
  findProvider,
  findSignIn,
  finishSignIn,
  insertAccount,
  insertSignIn,
  storeTokens,
} from './oauth.repo.ts';
import { providerConfig } from './save-provider.ts';

/** How long the provider's pages may stay open before the sign-in is refused. */
export const SIGN_IN_TTL_MS = 10 * 60_000;

const stateHash = (state: string): Buffer => createHash('sha256').update(state).digest();
const verifierContext = (signInId: string): string => `oauth-sign-in:${signInId}`;

/**
 * Starts an authorization-code sign-in with PKCE, state and nonce: the URL
 * of the provider's pages for the admin's popup. Only the state's SHA-256 is
 * stored (a leaked table cannot complete anyone's sign-in); the verifier is
 * sealed. Signing in again for an account pins its address: the provider
 * must return the same one.
 */
export async function startSignIn(deps: TokenDeps, userId: string, input: OAuthSignInInput): Promise<OAuthSignInStarted> {
  if (!deps.oauth.redirectUri) {
    throw new AppError('validation_failed', 'set POSTDESK_PUBLIC_URL first: the sign-in callback is built from it', [{ path: 'providerId', message: 'POSTDESK_PUBLIC_URL is not set' }]);
  }
  const provider = await findProvider(deps.db, input.providerId);
  if (!provider) throw invalid('providerId', 'no such provider');
  let expectedEmail = input.expectedEmail?.toLowerCase() ?? null;
  if (input.accountId) {
    const account = await findAccount(deps.db, input.accountId);
    if (!account || account.provider_id !== provider.id) throw invalid('accountId', 'no such account for this provider');
    expectedEmail = account.email.toLowerCase();
  }
  const client = deps.oauth.client(providerConfig(provider, deps.secrets));
  let request;
  try {
    request = await client.authorizationRequest(expectedEmail ? { loginHint: expectedEmail } : {});
  } catch (err) {
    const e = err instanceof OAuthClientError ? err : new OAuthClientError('transient', 'the provider could not be asked');
    throw new AppError('connection_failed', `the provider: ${e.message}`, [{ path: 'providerId', message: e.message }]);
  }
  const id = randomUUID();
  const expiresAt = new Date(deps.now().getTime() + SIGN_IN_TTL_MS);
  await insertSignIn(deps.db, {
    id,
    stateHash: stateHash(request.state),
    providerId: provider.id,
    accountId: input.accountId ?? null,
    expectedEmail,
    nonce: request.nonce,
    verifierSealed: deps.secrets.seal(request.codeVerifier, verifierContext(id)),
    userId,
    expiresAt,
  });
  deps.log.info({ signInId: id, providerId: provider.id, again: !!input.accountId }, 'oauth.sign_in_started');
  return { id, url: request.url.toString(), expiresAt: expiresAt.toISOString() };
}

/** What the callback page says. */
export interface CallbackOutcome {
  ok: boolean;
  /** One line for the admin: who signed in, or why it was refused. */
  message: string;
}

const REFUSED: Record<'unknown' | 'replayed' | 'expired', string> = {
  unknown: 'this sign-in is unknown (wrong state): start it again from Postdesk',
  replayed: 'this sign-in was already used: start it again from Postdesk',
  expired: 'this sign-in took too long: start it again from Postdesk',
};

/**
 * The provider's redirect back. The state is spent first (a replay finds it
 * consumed, before any code is exchanged); then the code is exchanged with
 * the PKCE verifier and the ID token validated (issuer, audience, nonce,
 * signature); an address other than the pinned one is refused and its
 * tokens revoked. Only then is anything stored: a new account, or the
 * account's new tokens, whose campaign resumes from its cursor.
 */
export async function completeSignIn(deps: TokenDeps, query: Record<string, string | undefined>): Promise<CallbackOutcome> {
  if (!query.state) return { ok: false, message: 'the provider sent no state: start the sign-in again from Postdesk' };
  const spent = await consumeSignIn(deps.db, stateHash(query.state));
  if ('refused' in spent) {
    deps.log.warn({ reason: spent.refused }, 'oauth.callback_refused');
    return { ok: false, message: REFUSED[spent.refused] };
  }
  const signIn = spent.row;
  const fail = async (code: string, message: string): Promise<CallbackOutcome> => {
    await finishSignIn(deps.db, signIn.id, { code, error: message });
    deps.log.warn({ signInId: signIn.id, code }, 'oauth.sign_in_failed');
    return { ok: false, message };
  };
  const provider = await findProvider(deps.db, signIn.provider_id);
  if (!provider) return fail('provider_gone', 'the provider was deleted meanwhile');
  const client = deps.oauth.client(providerConfig(provider, deps.secrets));
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, v);
  let tokens;
  try {
    tokens = await client.exchangeCode(params, {
      state: query.state,
      nonce: signIn.nonce,
      codeVerifier: deps.secrets.open(signIn.code_verifier_sealed, verifierContext(signIn.id)),
    });
  } catch (err) {
    const e = err instanceof OAuthClientError ? err : new OAuthClientError('transient', 'the code exchange failed');
    // a code the provider will not exchange for us: issued to another client, for another sign-in (PKCE), used or expired
    const what =
      e.code === 'access_denied'
        ? 'the sign-in was declined at the provider'
        : e.code === 'invalid_grant'
          ? `the provider refused this sign-in's code (${e.message}): it was issued to another application or another sign-in, or already used; start the sign-in again from Postdesk`
          : e.message;
    return fail(e.code, what);
  }
  const email = tokens.identity.email;
  if (signIn.expected_email && email.toLowerCase() !== signIn.expected_email) {
    // nothing of this grant is kept; tell the provider so, too
    await client.revoke(tokens.refreshToken ?? tokens.accessToken, tokens.refreshToken ? 'refresh_token' : 'access_token').catch(() => undefined);
    return fail('wrong_account', `signed in as ${email}, but ${signIn.expected_email} was expected: sign in with that account`);
  }
  if (!tokens.refreshToken) {
    return fail('no_refresh_token', 'the provider gave no refresh token: the offline_access scope (Google: access_type=offline) was not granted');
  }
  const now = deps.now();
  const accountId = signIn.account_id ?? randomUUID();
  const sealed = {
    accessSealed: deps.secrets.seal(tokens.accessToken, tokenSealContext(accountId, 'access')),
    refreshSealed: deps.secrets.seal(tokens.refreshToken, tokenSealContext(accountId, 'refresh')),
    expiresAt: tokens.expiresAt,
    issuedAt: now,
    scope: tokens.scope ?? null,
  };
  await deps.db.tx(async (q) => {
    if (signIn.account_id) {
      await storeTokens(q, accountId, { ...sealed, subject: tokens.identity.subject, email });
      for (const c of await campaignsUsingAccount(q, accountId)) await restoreConnection(q, c.id);
    } else {
      await insertAccount(q, accountId, { ...sealed, providerId: provider.id, subject: tokens.identity.subject, email, createdBy: signIn.user_id });
    }
    await finishSignIn(q, signIn.id, { accountId });
  });
  deps.log.info({ signInId: signIn.id, accountId, again: !!signIn.account_id }, 'oauth.signed_in');
  return { ok: true, message: `Signed in as ${email}. You can close this window.` };
}

/** A sign-in as the admin who started it polls it. */
export async function readSignIn(deps: Pick<TokenDeps, 'db' | 'now'>, userId: string, id: string): Promise<OAuthSignIn> {
  const row = await findSignIn(deps.db, id, userId);
  if (!row) throw notFound('sign-in');
  const account = row.result_account_id ? ((await accountSummaries(deps.db, [row.result_account_id]))[0] ?? null) : null;
  return presentSignIn(row, account, deps.now());
}
