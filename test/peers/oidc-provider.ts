import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';

/** A client registered at the throwaway provider: what an admin would copy from its console. */
export interface OidcTestClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

/** How a mail server checks a bearer token at the provider (RFC 7662), as Dovecot's oauth2 passdb and the SMTP peer do. */
export interface OidcIntrospection {
  url: string;
  /** The resource server's own client; it may introspect access tokens only. */
  clientId: string;
  clientSecret: string;
  /** The scope a token needs for mail (IMAP, POP3 and SMTP alike). */
  scope: string;
}

/** Options for a throwaway OpenID provider. */
export interface OidcPeerOptions {
  /** Login name typed into the provider's sign-in page → the user's email address. */
  users: Record<string, string>;
  /** Redirect URIs registered for the app client (the product's callback); default one nobody listens on. */
  redirectUris?: string[];
  /** Access-token lifetime in seconds (default 60). */
  accessTokenTtlSec?: number;
  /**
   * Issue a new refresh token with each refresh and consume the old one, as
   * Microsoft does (default false, as Google). Presenting a consumed refresh
   * token again revokes the whole grant (oidc-provider's replay rule).
   */
  rotateRefreshTokens?: boolean;
  /**
   * Shared mailboxes: mailbox address → the logins allowed to open it (what
   * Exchange's Full Access / Send As grants). A mail server that names the
   * mailbox when it introspects (`introspectionFor(mailbox)`) hears that
   * mailbox as the token's `email` when the token's user is allowed: a
   * token of admin@ opens shared@, as Microsoft 365 does.
   */
  delegates?: Record<string, string[]>;
}

/** The tokens a token endpoint returns (RFC 6749 §5.1), as the peer's own helpers see them. */
export interface OidcTokens {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope?: string;
  refresh_token?: string;
  id_token?: string;
}

/** What introspection says about a token (RFC 7662), with the email the provider stamps into access tokens. */
export interface OidcIntrospectionResult {
  active: boolean;
  email?: string;
  scope?: string;
  exp?: number;
  client_id?: string;
  sub?: string;
}

/** A running provider owned by this process; stop() closes it and every connection to it. */
export interface OidcPeer {
  /** The issuer, also the discovery base: `${issuer}/.well-known/openid-configuration`. */
  issuer: string;
  /** The product's client (confidential, code + PKCE + refresh). */
  app: OidcTestClient;
  /** A second registered client, for "a code issued to another client" cases. */
  otherApp: OidcTestClient;
  /** For the mail servers: where and as whom to introspect, and the mail scope. */
  introspection: OidcIntrospection;
  /** The same, naming the mailbox being opened (`?mailbox=`), so a delegate's token is accepted for it (see `delegates`). */
  introspectionFor(mailbox: string): OidcIntrospection;
  /** The scopes the app asks for to read and send mail with a refresh token. */
  mailScopes: string;
  /**
   * Follows an authorization URL (built by anyone) through the provider's
   * real sign-in and consent pages with plain fetch, signing in as `login`,
   * and returns the URL the provider redirects the browser back to (the
   * callback, with code and state, or error).
   */
  completeLogin(authorizationUrl: string | URL, login: string): Promise<URL>;
  /** Authorization code + PKCE for the app client, from the first redirect to the token response. */
  authorize(opts?: { login?: string; scope?: string; client?: OidcTestClient }): Promise<OidcTokens>;
  /** The refresh grant for the app client; rejects with the provider's error body (e.g. invalid_grant). */
  refresh(refreshToken: string, client?: OidcTestClient): Promise<OidcTokens>;
  /** RFC 7009 revocation as the app client. oidc-provider revokes the whole grant with any of its tokens. */
  revoke(token: string, hint?: 'access_token' | 'refresh_token'): Promise<void>;
  /** What a mail server would see for this token. */
  introspect(token: string): Promise<OidcIntrospectionResult>;
  /**
   * What a user does when removing the app's access in their account
   * settings: every grant of this login (and so every access and refresh
   * token issued under it) is revoked. Returns how many grants there were.
   */
  revokeGrants(login: string): Promise<number>;
  /**
   * Ends one access token at the provider (introspection says inactive from
   * now on) while its grant and refresh token live on: a token revoked early
   * or expired sooner than the client was told.
   */
  endAccessToken(token: string): Promise<void>;
  /** Changes the lifetime of access tokens issued from now on (tokens already issued keep theirs). */
  setAccessTokenTtl(seconds: number): void;
  /** Every access and refresh token issued so far (opaque: the value is the jti), for tests that search logs for them. */
  readonly issued: { access: string[]; refresh: string[] };
  /** How many tokens the token endpoint issued, per grant type: the test's view of "never hammer the provider". */
  readonly tokenRequests: { authorization_code: number; refresh_token: number };
  /** How many token requests the endpoint refused (invalid_grant and the like), per grant type: hammering shows here. */
  readonly tokenRequestsRefused: { authorization_code: number; refresh_token: number };
  stop(): Promise<void>;
}

const b64url = (b: Buffer): string => b.toString('base64url');
const secret = (): string => b64url(randomBytes(24));
const basic = (id: string, pass: string): string =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(pass)}`).toString('base64')}`;

/** The mail scope, named like Google's single mail scope would be if it were short. */
export const MAIL_SCOPE = 'mail';

/**
 * Starts oidc-provider (the certified OpenID implementation) in this process
 * on a free loopback port: an in-memory store, fresh signing keys, its dev
 * sign-in and consent pages (any password), PKCE required, refresh tokens for
 * `offline_access`, introspection and revocation. Follows the tested recipe
 * in shared/recipes/oauth2-dovecot and its traps (TEST-PEERS.md): access
 * tokens carry the user's email for introspection, and the mail servers'
 * client sees access tokens only, so a refresh token used as a bearer is
 * refused rather than failing temporarily.
 */
export async function startOidcProvider(opts: OidcPeerOptions): Promise<OidcPeer> {
  let ttl = opts.accessTokenTtlSec ?? 60;
  // the issuer must be known before the provider exists, so the port is taken first
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${port}`;

  const app: OidcTestClient = { clientId: 'postdesk-test', clientSecret: secret(), redirectUri: opts.redirectUris?.[0] ?? `${issuer}/nowhere/cb` };
  const otherApp: OidcTestClient = { clientId: 'other-app', clientSecret: secret(), redirectUri: `${issuer}/nowhere/other-cb` };
  const resourceServer = { clientId: 'mail-servers', clientSecret: secret() };
  const users = new Map(Object.entries(opts.users));
  const grantsByLogin = new Map<string, Set<string>>();
  const tokenRequests = { authorization_code: 0, refresh_token: 0 };
  const tokenRequestsRefused = { authorization_code: 0, refresh_token: 0 };

  const configuration: Configuration = {
    clients: [
      {
        client_id: app.clientId,
        client_secret: app.clientSecret,
        redirect_uris: opts.redirectUris ?? [app.redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        scope: `openid email offline_access ${MAIL_SCOPE}`,
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        client_id: otherApp.clientId,
        client_secret: otherApp.clientSecret,
        redirect_uris: [otherApp.redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        scope: `openid email offline_access ${MAIL_SCOPE}`,
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        // the mail servers as a resource server: they may only introspect
        client_id: resourceServer.clientId,
        client_secret: resourceServer.clientSecret,
        grant_types: [],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    async findAccount(_ctx, id) {
      const email = users.get(id);
      if (email === undefined) return undefined; // an unknown login gets the sign-in page again
      return { accountId: id, claims: () => ({ sub: id, email, email_verified: true }) };
    },
    scopes: ['openid', 'email', 'offline_access', MAIL_SCOPE],
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    // Google and Microsoft put the email into the ID token of a code flow; oidc-provider by
    // default keeps it for the userinfo endpoint unless asked for with the claims parameter
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: true },
      introspection: {
        enabled: true,
        // Dovecot sends no token_type_hint and a refresh token introspects as active too: show
        // the mail servers access tokens only, so a refresh token used as a bearer is a clean
        // {"active":false} (refused) rather than "No username returned" (a temporary failure)
        allowedPolicy: async (_ctx, caller, token) =>
          caller.clientId === resourceServer.clientId ? token.kind === 'AccessToken' : token.clientId === caller.clientId,
      },
      // a client may revoke only its own tokens
      revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
    },
    issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    rotateRefreshToken: opts.rotateRefreshTokens === true,
    ttl: { AccessToken: () => ttl, RefreshToken: 14 * 24 * 3600, IdToken: 3600, AuthorizationCode: 60, Interaction: 600, Session: 3600, Grant: 14 * 24 * 3600 },
    // introspection spreads a token's extra claims into its reply: Dovecot's username_attribute needs the email
    extraTokenClaims: async (_ctx, token) => (token.kind === 'AccessToken' && token.accountId ? { email: users.get(token.accountId) } : undefined),
    cookies: { keys: [secret()] },
  };
  const provider = new Provider(issuer, configuration);
  // the dev pages @import a web font from the internet: tests stay on loopback
  provider.use(async (ctx, next) => {
    await next();
    if (typeof ctx.body === 'string' && ctx.type === 'text/html') ctx.body = ctx.body.replace(/@import url\([^)]*\);/g, '');
  });
  const remember = (token: { accountId?: string | undefined; grantId?: string | undefined }): void => {
    if (!token.accountId || !token.grantId) return;
    const set = grantsByLogin.get(token.accountId) ?? new Set<string>();
    set.add(token.grantId);
    grantsByLogin.set(token.accountId, set);
  };
  // shared mailboxes: the resource server names the mailbox; a delegate's token answers with that mailbox as its email
  const delegates = new Map(Object.entries(opts.delegates ?? {}).map(([mailbox, logins]) => [mailbox.toLowerCase(), new Set(logins)]));
  provider.use(async (ctx, next) => {
    await next();
    const mailbox = typeof ctx.query.mailbox === 'string' ? ctx.query.mailbox.toLowerCase() : undefined;
    if (ctx.path !== '/token/introspection' || !mailbox || !ctx.body || typeof ctx.body !== 'object') return;
    const body = ctx.body as { active?: boolean; sub?: string; email?: string };
    if (body.active === true && body.sub && delegates.get(mailbox)?.has(body.sub)) body.email = mailbox;
  });
  const issued = { access: [] as string[], refresh: [] as string[] };
  provider.on('access_token.saved', (t) => {
    remember(t);
    if (t.jti) issued.access.push(t.jti);
  });
  provider.on('refresh_token.saved', (t) => {
    remember(t);
    if (t.jti) issued.refresh.push(t.jti);
  });
  provider.on('grant.success', (ctx) => {
    const grantType = ctx.oidc.params?.grant_type;
    if (grantType === 'authorization_code' || grantType === 'refresh_token') tokenRequests[grantType]++;
  });
  provider.on('grant.error', (ctx) => {
    const grantType = ctx.oidc?.params?.grant_type;
    if (grantType === 'authorization_code' || grantType === 'refresh_token') tokenRequestsRefused[grantType]++;
  });

  server.on('request', provider.callback());
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  const tokenEndpoint = async (client: OidcTestClient, params: Record<string, string>): Promise<OidcTokens> => {
    const res = await fetch(`${issuer}/token`, {
      method: 'POST',
      signal: AbortSignal.timeout(10_000),
      headers: { authorization: basic(client.clientId, client.clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params),
    });
    const body = (await res.json()) as OidcTokens & { error?: string };
    if (!res.ok) throw new Error(`token endpoint ${res.status}: ${JSON.stringify(body)}`);
    return body;
  };

  const completeLogin = async (authorizationUrl: string | URL, login: string): Promise<URL> => {
    const jar = new CookieJar();
    let res = await jar.fetch(new URL(authorizationUrl, issuer));
    for (let hops = 0; hops < 12; hops++) {
      const location = res.headers.get('location');
      if (!location) throw new Error(`oidc peer: expected a redirect, got ${res.status}: ${(await res.text()).slice(0, 300)}`);
      const next = new URL(location, issuer);
      // anything but the provider's own authorization and interaction pages is the way back
      if (next.origin !== issuer || !/^\/(auth|interaction)\//.test(next.pathname)) return next;
      if (/^\/interaction\/[^/]+$/.test(next.pathname)) {
        // answer the page shown there (sign-in, then consent) by posting its form
        const page = await (await jar.fetch(next)).text();
        const prompt = /name="prompt" value="(\w+)"/.exec(page)?.[1];
        const form: Record<string, string> = prompt === 'login' ? { prompt, login, password: 'any' } : { prompt: prompt ?? 'consent' };
        res = await jar.fetch(next, { method: 'POST', body: new URLSearchParams(form), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      } else {
        res = await jar.fetch(next);
      }
    }
    throw new Error('oidc peer: too many redirects');
  };

  let stopped = false;
  return {
    issuer,
    app,
    otherApp,
    introspection: { url: `${issuer}/token/introspection`, ...resourceServer, scope: MAIL_SCOPE },
    introspectionFor: (mailbox) => ({ url: `${issuer}/token/introspection?mailbox=${encodeURIComponent(mailbox)}`, ...resourceServer, scope: MAIL_SCOPE }),
    async endAccessToken(token) {
      const found = await provider.AccessToken.find(token);
      if (!found) throw new Error('oidc peer: no such access token');
      await found.destroy();
    },
    mailScopes: `openid email offline_access ${MAIL_SCOPE}`,
    tokenRequests,
    tokenRequestsRefused,
    issued,
    completeLogin,
    setAccessTokenTtl(seconds) {
      ttl = seconds;
    },
    async authorize({ login = users.keys().next().value ?? '', scope = `openid email offline_access ${MAIL_SCOPE}`, client = app } = {}) {
      const verifier = b64url(randomBytes(32));
      const state = b64url(randomBytes(12));
      const url = new URL(`${issuer}/auth`);
      url.search = new URLSearchParams({
        client_id: client.clientId,
        response_type: 'code',
        redirect_uri: client.redirectUri,
        scope,
        state,
        nonce: b64url(randomBytes(12)),
        code_challenge: b64url(createHash('sha256').update(verifier).digest()),
        code_challenge_method: 'S256',
        prompt: 'consent', // without it oidc-provider drops offline_access (OIDC Core §11)
      }).toString();
      const back = await completeLogin(url, login);
      if (back.searchParams.get('error')) throw new Error(`authorization error: ${back.search}`);
      if (back.searchParams.get('state') !== state) throw new Error('oidc peer: state mismatch');
      return tokenEndpoint(client, {
        grant_type: 'authorization_code',
        code: back.searchParams.get('code') ?? '',
        redirect_uri: client.redirectUri,
        code_verifier: verifier,
      });
    },
    refresh: (refreshToken, client = app) => tokenEndpoint(client, { grant_type: 'refresh_token', refresh_token: refreshToken }),
    async revoke(token, hint = 'access_token') {
      const res = await fetch(`${issuer}/token/revocation`, {
        method: 'POST',
        signal: AbortSignal.timeout(10_000),
        headers: { authorization: basic(app.clientId, app.clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, token_type_hint: hint }),
      });
      if (res.status !== 200) throw new Error(`revocation ${res.status}: ${await res.text()}`);
    },
    async introspect(token) {
      const res = await fetch(`${issuer}/token/introspection`, {
        method: 'POST',
        signal: AbortSignal.timeout(10_000),
        headers: { authorization: basic(resourceServer.clientId, resourceServer.clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token }),
      });
      return (await res.json()) as OidcIntrospectionResult;
    },
    async revokeGrants(login) {
      const grants = [...(grantsByLogin.get(login) ?? [])];
      for (const grantId of grants) {
        await Promise.all([provider.AccessToken.revokeByGrantId(grantId), provider.RefreshToken.revokeByGrantId(grantId), provider.AuthorizationCode.revokeByGrantId(grantId)]);
        const grant = await provider.Grant.find(grantId);
        await grant?.destroy();
      }
      grantsByLogin.delete(login);
      return grants.length;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      // Dovecot keeps its introspection connections open for a minute: close() would wait for them
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

// A minimal cookie jar for one sign-in: name → value, sent to every path of
// the provider (it scopes its interaction cookies by path; sending them
// everywhere is harmless), redirects followed by hand.
class CookieJar {
  private readonly cookies = new Map<string, string>();

  async fetch(url: URL, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = value === '' || attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }
}
