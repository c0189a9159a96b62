import type { OAuthProviderKind } from '@postdesk/contracts';

/** How Postdesk talks to one kind of provider: where it is, what it asks for, and what else the authorization request needs. */
export interface ProviderKindSettings {
  /** The issuer (discovery base) for these inputs. */
  issuer(input: { issuer: string; tenant: string | null }): string;
  /** What is asked for unless the admin changes it: the identity (openid, email), a refresh token, and mail. */
  defaultScopes: string;
  /** Extra authorization parameters the provider needs. */
  authorizationParams: Readonly<Record<string, string>>;
}

/**
 * The three kinds. Google gives a refresh token only to access_type=offline
 * (with the consent prompt the client always sends) and needs the single
 * https://mail.google.com/ scope for IMAP, POP3 and SMTP. Microsoft's mail
 * scopes belong to the outlook.office.com resource; its refresh token comes
 * with offline_access; a multi-tenant app signs in through organizations or
 * common, whose ID tokens carry each tenant's own issuer (openid-client
 * checks it against the tenant id in the token).
 */
export const PROVIDER_KINDS: Readonly<Record<OAuthProviderKind, ProviderKindSettings>> = {
  google: {
    issuer: () => 'https://accounts.google.com',
    defaultScopes: 'openid email https://mail.google.com/',
    authorizationParams: { access_type: 'offline' },
  },
  microsoft: {
    issuer: ({ tenant }) => `https://login.microsoftonline.com/${encodeURIComponent(tenant || 'organizations')}/v2.0`,
    defaultScopes:
      'openid email offline_access https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/POP.AccessAsUser.All https://outlook.office.com/SMTP.Send',
    authorizationParams: {},
  },
  oidc: {
    issuer: ({ issuer }) => issuer.replace(/\/+$/, ''),
    defaultScopes: 'openid email offline_access',
    authorizationParams: {},
  },
};

/** The default scopes of every kind, for the settings screen. */
export const DEFAULT_SCOPES: Readonly<Record<OAuthProviderKind, string>> = {
  google: PROVIDER_KINDS.google.defaultScopes,
  microsoft: PROVIDER_KINDS.microsoft.defaultScopes,
  oidc: PROVIDER_KINDS.oidc.defaultScopes,
};

/**
 * Whether a provider may be reached over plain HTTP: only on this machine
 * (loopback), as RFC 8252 allows for redirects; a provider anywhere else
 * carries client secrets and tokens, so it must be HTTPS.
 */
export function allowsPlainHttp(issuer: string): boolean {
  try {
    const u = new URL(issuer);
    return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
  } catch {
    return false;
  }
}
