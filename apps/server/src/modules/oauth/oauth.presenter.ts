import type { OAuthAccount, OAuthProvider, OAuthSignIn } from '@postdesk/contracts';
import type { AccountSummaryRow, ProviderRow, SignInRow } from './oauth.repo.ts';

/** A provider as the settings screen shows it: the client secret never leaves the server, only whether one is set. */
export function presentProvider(p: ProviderRow): OAuthProvider {
  return {
    id: p.id,
    kind: p.kind,
    name: p.name,
    issuer: p.issuer,
    tenant: p.tenant,
    clientId: p.client_id,
    hasClientSecret: p.client_secret_sealed.length > 0,
    scopes: p.scopes,
    accounts: p.accounts,
    updatedAt: p.updated_at.toISOString(),
  };
}

/** A signed-in account: who, through which provider, and whether someone must sign in again. Never a token. */
export function presentAccount(a: AccountSummaryRow): OAuthAccount {
  return {
    id: a.id,
    providerId: a.provider_id,
    providerName: a.provider_name,
    providerKind: a.provider_kind,
    email: a.email,
    state: a.state,
    error: a.last_error,
    nextAttemptAt: a.next_attempt_at?.toISOString() ?? null,
  };
}

/** A sign-in as the console polls it while the provider's pages are open. */
export function presentSignIn(s: SignInRow, account: AccountSummaryRow | null, now: Date): OAuthSignIn {
  const error = s.error_code ? { code: s.error_code, message: s.error ?? s.error_code } : null;
  const state = account ? 'completed' : error ? 'failed' : s.consumed_at === null && s.expires_at <= now ? 'expired' : 'pending';
  return { id: s.id, state, account: account ? presentAccount(account) : null, error };
}
