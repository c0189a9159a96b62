import { createOidcClient, type OidcClient } from './oidc-client.ts';
import { allowsPlainHttp, PROVIDER_KINDS } from './provider-kinds.ts';
import type { OAuthProviderKind } from '@postdesk/contracts';

/** A provider as the protocol needs it: its row's fields with the secret opened. */
export interface ProviderConfig {
  id: string;
  kind: OAuthProviderKind;
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  /** Changes whenever the admin edits the provider, so a cached client is rebuilt. */
  version: string;
}

/**
 * This process's OAuth2 state, passed in with the deps (no module-level
 * singletons): one protocol client per provider (discovery done once and
 * kept until the provider is edited), and one refresh in flight per account
 * — callers that need the same account's token at once wait for that one
 * instead of asking the provider again.
 */
export interface OAuthRuntime {
  /** The callback registered at providers, from POSTDESK_PUBLIC_URL; null when it is not set. */
  readonly redirectUri: string | null;
  client(provider: ProviderConfig): OidcClient;
  /** Runs `work` unless a run for `key` is in flight, whose result is shared. */
  once<T>(key: string, work: () => Promise<T>): Promise<T>;
}

/** The callback path under POSTDESK_PUBLIC_URL. */
export const CALLBACK_PATH = '/api/oauth/callback';

/** Builds the runtime; `publicUrl` is POSTDESK_PUBLIC_URL, the only source of the redirect URI. */
export function createOAuthRuntime(opts: { publicUrl: string | undefined; timeoutSec?: number }): OAuthRuntime {
  // under the public URL's path too, as the rating links are (a console behind a proxy at /desk)
  const redirectUri = opts.publicUrl ? `${opts.publicUrl.replace(/\/+$/, '')}${CALLBACK_PATH}` : null;
  const clients = new Map<string, { version: string; client: OidcClient }>();
  const inFlight = new Map<string, Promise<unknown>>();
  return {
    redirectUri,
    client(p) {
      const cached = clients.get(p.id);
      if (cached && cached.version === p.version) return cached.client;
      const client = createOidcClient({
        issuer: p.issuer,
        clientId: p.clientId,
        clientSecret: p.clientSecret,
        // a refresh needs none; a sign-in is refused before it gets here when there is none
        redirectUri: redirectUri ?? 'http://127.0.0.1/unset',
        scope: p.scopes,
        authorizationParams: PROVIDER_KINDS[p.kind].authorizationParams,
        allowInsecureHttp: allowsPlainHttp(p.issuer),
        ...(opts.timeoutSec ? { timeoutSec: opts.timeoutSec } : {}),
      });
      clients.set(p.id, { version: p.version, client });
      return client;
    },
    once<T>(key: string, work: () => Promise<T>): Promise<T> {
      const running = inFlight.get(key);
      if (running) return running as Promise<T>;
      const p = work().finally(() => inFlight.delete(key));
      inFlight.set(key, p);
      return p;
    },
  };
}
