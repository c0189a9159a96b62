import * as oidc from 'openid-client';

/** One provider as the admin registered our app there: where it is, who we are, what we ask for. */
export interface OidcClientSettings {
  /**
   * The issuer, whose `/.well-known/openid-configuration` describes it, e.g.
   * https://accounts.google.com or https://login.microsoftonline.com/<tenant|organizations|common>/v2.0
   * (Microsoft's multi-tenant `{tenantid}` issuer is resolved per ID token by openid-client).
   */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Our callback exactly as registered at the provider; sent in the authorization and token requests. */
  redirectUri: string;
  /** Space-separated scopes: openid and email for the identity, offline_access for a refresh token, the mail scopes. */
  scope: string;
  /** Provider-specific authorization parameters, e.g. Google's access_type=offline. */
  authorizationParams?: Readonly<Record<string, string>>;
  /** Plain http to the provider: only for a provider on loopback in tests. */
  allowInsecureHttp?: boolean;
  /** Bound on each HTTP request to the provider, in seconds (default 15). */
  timeoutSec?: number;
}

/**
 * Why a call to the provider failed, as the caller must act on it:
 * - invalid_grant: the grant is gone or needs the user again (consent
 *   revoked, refresh token expired, revoked or rotated away, password
 *   changed, MFA or conditional access: invalid_grant, interaction_required,
 *   login_required, consent_required) — sign in again; retrying cannot help
 * - invalid_client: our client id or secret is refused — the admin fixes the provider settings
 * - access_denied: the user declined at the provider's consent page
 * - invalid_response: the answer failed validation (state, issuer, audience,
 *   nonce, signature, expiry, no email) — refused, nothing is kept
 * - rejected: any other refusal (invalid_scope, unauthorized_client, …): a configuration problem
 * - transient: network, timeout, 5xx, 429, temporarily_unavailable — try again later
 */
export type OAuthErrorCode = 'invalid_grant' | 'invalid_client' | 'access_denied' | 'invalid_response' | 'rejected' | 'transient';

/** A failed provider call with its stable code, and the provider's own error and words when it gave them. */
export class OAuthClientError extends Error {
  override readonly name = 'OAuthClientError';
  constructor(
    readonly code: OAuthErrorCode,
    message: string,
    /** The provider's `error` value (e.g. invalid_grant), when it sent one. */
    readonly providerError?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** What the provider gave for a mailbox: tokens, and for a sign-in the identity that signed in. */
export interface OAuthTokens {
  accessToken: string;
  /** Absent when the provider keeps the old one (Google); present when it rotates it (Microsoft). */
  refreshToken?: string;
  /** When the access token stops working, by the provider's expires_in (default one hour). */
  expiresAt: Date;
  /** The scopes granted, when the provider says. */
  scope?: string;
}

/** Who signed in, from the validated ID token. */
export interface OAuthIdentity {
  subject: string;
  /** The signed-in address: `email`, or Microsoft's `preferred_username` when that is an address. */
  email: string;
  /** The provider's email_verified claim, when it sends one. */
  emailVerified?: boolean;
}

/** A started sign-in: the URL to send the browser to, and the secrets to keep server-side until the callback. */
export interface AuthorizationRequest {
  url: URL;
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** The protocol calls one provider needs, each failing only with an OAuthClientError. */
export interface OidcClient {
  /** An authorization code request with PKCE (S256), state and nonce; prompt=consent so a refresh token is issued every time. */
  authorizationRequest(opts?: { loginHint?: string }): Promise<AuthorizationRequest>;
  /**
   * Validates the callback (state, iss) and exchanges its code with the PKCE
   * verifier; validates the ID token (signature, issuer, audience, nonce,
   * expiry) and requires an email address in it.
   */
  exchangeCode(callback: URLSearchParams, expected: { state: string; nonce: string; codeVerifier: string }): Promise<OAuthTokens & { identity: OAuthIdentity }>;
  /** The refresh grant. */
  refresh(refreshToken: string): Promise<OAuthTokens>;
  /** RFC 7009 revocation, where the provider offers it (a no-op where it does not). */
  revoke(token: string, hint: 'access_token' | 'refresh_token'): Promise<void>;
}

const DEFAULT_TIMEOUT_SEC = 15;
const DEFAULT_EXPIRES_SEC = 3600;
const NEEDS_USER = new Set(['invalid_grant', 'interaction_required', 'login_required', 'consent_required', 'account_selection_required']);
const TRANSIENT = new Set(['temporarily_unavailable', 'server_error', 'slow_down']);

/**
 * A client for one provider, on openid-client (the certified library, so no
 * protocol or token validation is ours). Discovery happens on first use and
 * is kept; a failed discovery is tried again on the next call.
 */
export function createOidcClient(settings: OidcClientSettings): OidcClient {
  let config: Promise<oidc.Configuration> | undefined;
  const configuration = (): Promise<oidc.Configuration> => {
    config ??= discover(settings).catch((err: unknown) => {
      config = undefined;
      throw err;
    });
    return config;
  };

  return {
    async authorizationRequest(opts = {}) {
      const c = await configuration();
      const codeVerifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      const params: Record<string, string> = {
        redirect_uri: settings.redirectUri,
        scope: settings.scope,
        code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        nonce,
        // OIDC drops offline_access without a consent prompt (Core §11); Google issues a
        // refresh token only on consent
        prompt: 'consent',
        ...(opts.loginHint ? { login_hint: opts.loginHint } : {}),
        ...settings.authorizationParams,
      };
      return { url: oidc.buildAuthorizationUrl(c, params), state, nonce, codeVerifier };
    },

    async exchangeCode(callback, expected) {
      const c = await configuration();
      // the callback's parameters on our registered URI, so redirect_uri is exactly the one authorized
      const current = new URL(settings.redirectUri);
      for (const [k, v] of callback) current.searchParams.append(k, v);
      const tokens = await call(() =>
        oidc.authorizationCodeGrant(c, current, {
          pkceCodeVerifier: expected.codeVerifier,
          expectedState: expected.state,
          expectedNonce: expected.nonce,
          idTokenExpected: true,
        }),
      );
      const claims = tokens.claims();
      if (!claims) throw new OAuthClientError('invalid_response', 'the provider returned no ID token');
      return { ...tokensOf(tokens), identity: identityOf(claims) };
    },

    async refresh(refreshToken) {
      const c = await configuration();
      return tokensOf(await call(() => oidc.refreshTokenGrant(c, refreshToken)));
    },

    async revoke(token, hint) {
      const c = await configuration();
      if (!c.serverMetadata().revocation_endpoint) return;
      await call(() => oidc.tokenRevocation(c, token, { token_type_hint: hint }));
    },
  };
}

async function discover(settings: OidcClientSettings): Promise<oidc.Configuration> {
  let issuer: URL;
  try {
    issuer = new URL(settings.issuer);
  } catch {
    throw new OAuthClientError('rejected', `the issuer is not a URL: ${JSON.stringify(settings.issuer.slice(0, 200))}`);
  }
  // RFC 6749 §2.3.1 makes HTTP Basic the method every provider must accept; a provider whose
  // metadata lists only client_secret_post gets that
  const basic = oidc.ClientSecretBasic(settings.clientSecret);
  const post = oidc.ClientSecretPost(settings.clientSecret);
  const auth: oidc.ClientAuth = (as, client, body, headers) => {
    const methods = as.token_endpoint_auth_methods_supported;
    const usePost = Array.isArray(methods) && !methods.includes('client_secret_basic') && methods.includes('client_secret_post');
    (usePost ? post : basic)(as, client, body, headers);
  };
  return call(
    () =>
      oidc.discovery(issuer, settings.clientId, { client_secret: settings.clientSecret }, auth, {
        timeout: settings.timeoutSec ?? DEFAULT_TIMEOUT_SEC,
        ...(settings.allowInsecureHttp ? { execute: [oidc.allowInsecureRequests] } : {}),
      }),
    'discovery',
  );
}

function tokensOf(t: oidc.TokenEndpointResponse): OAuthTokens {
  if (typeof t.access_token !== 'string' || t.access_token === '') throw new OAuthClientError('invalid_response', 'the provider returned no access token');
  const expiresIn = typeof t.expires_in === 'number' && t.expires_in > 0 ? t.expires_in : DEFAULT_EXPIRES_SEC;
  return {
    accessToken: t.access_token,
    ...(typeof t.refresh_token === 'string' && t.refresh_token !== '' ? { refreshToken: t.refresh_token } : {}),
    expiresAt: new Date(Date.now() + expiresIn * 1000),
    ...(typeof t.scope === 'string' ? { scope: t.scope } : {}),
  };
}

/** The signed-in identity from validated ID token claims; refuses claims without a usable address. */
export function identityOf(claims: oidc.IDToken): OAuthIdentity {
  const address = (v: unknown): string | undefined => (typeof v === 'string' && /^[^\s@]+@[^\s@]+$/.test(v) && v.length <= 320 ? v : undefined);
  const email = address(claims.email) ?? address(claims.preferred_username);
  if (!email) throw new OAuthClientError('invalid_response', 'the ID token names no email address: the email scope is missing, or the provider does not share it');
  // an explicit email_verified: false is the provider saying it does not vouch for the address
  if (claims.email_verified === false && address(claims.email) === email) {
    throw new OAuthClientError('invalid_response', `the provider has not verified the address ${email}`);
  }
  return { subject: claims.sub, email, ...(typeof claims.email_verified === 'boolean' ? { emailVerified: claims.email_verified } : {}) };
}

// Runs one library call and turns whatever it throws into an OAuthClientError.
async function call<T>(work: () => Promise<T>, what?: 'discovery'): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw classifyOAuthError(err, what);
  }
}

/**
 * Maps what openid-client (oauth4webapi), fetch or the clock threw to one
 * OAuthErrorCode, so callers branch on a code and never on the library's
 * text: the provider's OAuth error first, then validation failures, then
 * network trouble (transient).
 */
export function classifyOAuthError(err: unknown, what?: 'discovery'): OAuthClientError {
  if (err instanceof OAuthClientError) return err;
  const cause = { cause: err };
  if (err instanceof oidc.ResponseBodyError || err instanceof oidc.AuthorizationResponseError || err instanceof oidc.WWWAuthenticateChallengeError) {
    const error = providerErrorOf(err);
    const status = err instanceof oidc.AuthorizationResponseError ? undefined : err.status;
    const description = err instanceof oidc.WWWAuthenticateChallengeError ? undefined : err.error_description;
    const said = `the provider answered ${error ?? `HTTP ${status ?? '?'}`}${description ? `: ${oneLine(description)}` : ''}`;
    if (error && NEEDS_USER.has(error)) return new OAuthClientError('invalid_grant', said, error, cause);
    if (error === 'invalid_client' || error === 'unauthorized_client' || status === 401) return new OAuthClientError('invalid_client', said, error, cause);
    if (error === 'access_denied') return new OAuthClientError('access_denied', said, error, cause);
    if ((error && TRANSIENT.has(error)) || status === 429 || (status !== undefined && status >= 500)) return new OAuthClientError('transient', said, error, cause);
    return new OAuthClientError('rejected', said, error, cause);
  }
  const code = err instanceof oidc.ClientError ? err.code : undefined;
  switch (code) {
    case 'OAUTH_RESPONSE_IS_NOT_CONFORM':
    case 'OAUTH_RESPONSE_IS_NOT_JSON': {
      // an HTML error page or an unexpected status: a proxy or the provider having a bad moment
      const status = responseStatus(err);
      const permanent = status !== undefined && status >= 400 && status < 500 && status !== 429;
      return new OAuthClientError(permanent ? 'rejected' : 'transient', `the provider's ${what ?? 'endpoint'} answered HTTP ${status ?? '?'} without an OAuth error`, undefined, cause);
    }
    case 'OAUTH_HTTP_REQUEST_FORBIDDEN':
    case 'OAUTH_REQUEST_PROTOCOL_FORBIDDEN':
      return new OAuthClientError('rejected', 'the provider must be reached over HTTPS', undefined, cause);
    case 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED':
      if (what === 'discovery') return new OAuthClientError('rejected', 'the discovery document names another issuer than the one configured', undefined, cause);
      return new OAuthClientError('invalid_response', `the provider's answer failed validation: ${messageOf(err)}`, undefined, cause);
    case 'OAUTH_INVALID_RESPONSE':
    case 'OAUTH_JWT_CLAIM_COMPARISON_FAILED':
    case 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED':
    case 'OAUTH_KEY_SELECTION_FAILED':
    case 'OAUTH_PARSE_ERROR':
    case 'OAUTH_INVALID_REQUEST':
      return new OAuthClientError('invalid_response', `the provider's answer failed validation: ${detailOf(err)}`, undefined, cause);
    default:
      break;
  }
  if (isNetworkError(err)) return new OAuthClientError('transient', `cannot reach the provider${what ? ` (${what})` : ''}: ${detailOf(err)}`, undefined, cause);
  return new OAuthClientError('transient', `the provider call failed: ${detailOf(err)}`, undefined, cause);
}

function providerErrorOf(err: oidc.ResponseBodyError | oidc.AuthorizationResponseError | oidc.WWWAuthenticateChallengeError): string | undefined {
  if (err instanceof oidc.WWWAuthenticateChallengeError) {
    const param = err.cause[0]?.parameters.error;
    return typeof param === 'string' ? param : undefined;
  }
  return typeof err.error === 'string' && /^[\x20-\x7e]{1,100}$/.test(err.error) ? err.error : undefined;
}

function responseStatus(err: unknown): number | undefined {
  const cause = err instanceof Error ? err.cause : undefined;
  return cause instanceof Response ? cause.status : undefined;
}

// fetch() rejects with a TypeError whose cause is Node's socket error; timeouts abort.
function isNetworkError(err: unknown): boolean {
  if (err instanceof TypeError && /fetch failed/i.test(err.message)) return true;
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code) && !code.startsWith('ERR_')) return true;
  }
  return false;
}

// The innermost message that says something, for a line the admin reads.
function detailOf(err: unknown): string {
  let text = messageOf(err);
  for (let e: unknown = err instanceof Error ? err.cause : undefined, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++) {
    if (e.message) text = `${text} (${oneLine(e.message)})`;
  }
  return text;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? oneLine(err.message) : oneLine(String(err));
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
