import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOidcProvider, type OidcPeer, type OidcTestClient } from '../../../../../test/peers/oidc-provider.ts';
import { closedPort } from '../../../../../test/peers/silent-server.ts';
import { classifyOAuthError, createOidcClient, identityOf, OAuthClientError, type OAuthErrorCode, type OidcClient } from './oidc-client.ts';

const AGENT = 'agent@example.test';

async function failure(promise: Promise<unknown>): Promise<OAuthClientError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(OAuthClientError);
    return err as OAuthClientError;
  }
  throw new Error('expected a rejection');
}

describe('the OIDC client against a real oidc-provider', () => {
  let op: OidcPeer;
  let rotating: OidcPeer;
  beforeAll(async () => {
    [op, rotating] = await Promise.all([
      startOidcProvider({ users: { agent: AGENT, other: 'other@example.test' } }),
      startOidcProvider({ users: { agent: AGENT }, rotateRefreshTokens: true }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([op?.stop(), rotating?.stop()]);
  });

  const clientFor = (peer: OidcPeer, registered: OidcTestClient = peer.app, over: { clientSecret?: string } = {}): OidcClient =>
    createOidcClient({
      issuer: peer.issuer,
      clientId: registered.clientId,
      clientSecret: over.clientSecret ?? registered.clientSecret,
      redirectUri: registered.redirectUri,
      scope: peer.mailScopes,
      allowInsecureHttp: true,
    });
  // A sign-in through the provider's pages, up to the callback's parameters.
  const signIn = async (client: OidcClient, peer: OidcPeer, login = 'agent') => {
    const request = await client.authorizationRequest();
    const callback = (await peer.completeLogin(request.url, login)).searchParams;
    return { request, callback };
  };

  it('asks for a code with PKCE S256, state, nonce and a consent prompt', async () => {
    const r = await clientFor(op).authorizationRequest({ loginHint: AGENT });
    const q = r.url.searchParams;
    expect(`${r.url.origin}${r.url.pathname}`).toBe(`${op.issuer}/auth`);
    expect(Object.fromEntries(q)).toMatchObject({
      response_type: 'code',
      client_id: op.app.clientId,
      redirect_uri: op.app.redirectUri,
      scope: op.mailScopes,
      code_challenge_method: 'S256',
      code_challenge: createHash('sha256').update(r.codeVerifier).digest('base64url'),
      state: r.state,
      nonce: r.nonce,
      prompt: 'consent',
      login_hint: AGENT,
    });
    const again = await clientFor(op).authorizationRequest();
    expect([again.state, again.nonce, again.codeVerifier]).not.toContain(r.state);
    expect(again.codeVerifier).not.toBe(r.codeVerifier);
  });

  it('exchanges the code for tokens and the signed-in address from the ID token', async () => {
    const client = clientFor(op);
    const { request, callback } = await signIn(client, op);
    const t = await client.exchangeCode(callback, request);
    expect(t.identity).toEqual({ subject: 'agent', email: AGENT, emailVerified: true });
    expect(t.refreshToken).toBeTruthy();
    expect(t.expiresAt.getTime()).toBeGreaterThan(Date.now());
    expect(await op.introspect(t.accessToken)).toMatchObject({ active: true, email: AGENT });
  });

  it('refreshes: a new access token that works, the grant kept', async () => {
    const client = clientFor(op);
    const { request, callback } = await signIn(client, op);
    const t = await client.exchangeCode(callback, request);
    const r = await client.refresh(t.refreshToken!);
    expect(r.accessToken).not.toBe(t.accessToken);
    expect(await op.introspect(r.accessToken)).toMatchObject({ active: true, email: AGENT });
    // without rotation the refresh token stays the same (Google sends none back, oidc-provider the same one)
    expect([undefined, t.refreshToken]).toContain(r.refreshToken);
    expect((await client.refresh(t.refreshToken!)).accessToken).toBeTruthy();
  });

  it('a rotating provider hands out a new refresh token each time; reusing the old one kills the grant', async () => {
    const client = clientFor(rotating);
    const { request, callback } = await signIn(client, rotating);
    const t = await client.exchangeCode(callback, request);
    const r = await client.refresh(t.refreshToken!);
    expect(r.refreshToken).toBeTruthy();
    expect(r.refreshToken).not.toBe(t.refreshToken);
    // what two nodes refreshing at once would do: the provider sees a replay and revokes everything
    expect((await failure(client.refresh(t.refreshToken!))).code).toBe('invalid_grant');
    expect((await failure(client.refresh(r.refreshToken!))).code).toBe('invalid_grant');
  });

  it('revocation of the refresh token makes the next refresh invalid_grant', async () => {
    const client = clientFor(op);
    const { request, callback } = await signIn(client, op);
    const t = await client.exchangeCode(callback, request);
    await client.revoke(t.refreshToken!, 'refresh_token');
    const err = await failure(client.refresh(t.refreshToken!));
    expect(err).toMatchObject({ code: 'invalid_grant', providerError: 'invalid_grant' });
    expect(await op.introspect(t.accessToken)).toMatchObject({ active: false });
  });

  it('consent withdrawn at the provider makes the next refresh invalid_grant', async () => {
    const client = clientFor(op);
    const { request, callback } = await signIn(client, op, 'other');
    const t = await client.exchangeCode(callback, request);
    expect(await op.revokeGrants('other')).toBeGreaterThan(0);
    expect((await failure(client.refresh(t.refreshToken!))).code).toBe('invalid_grant');
  });

  it('refuses a callback whose state is not the one sent, before any token is asked for', async () => {
    const client = clientFor(op);
    const { request, callback } = await signIn(client, op);
    const before = op.tokenRequests.authorization_code;
    const err = await failure(client.exchangeCode(callback, { ...request, state: 'another-state' }));
    expect(err.code).toBe('invalid_response');
    expect(err.message).toContain('state');
    expect(op.tokenRequests.authorization_code).toBe(before);
  });

  it('refuses an ID token whose nonce is not the one sent', async () => {
    const client = clientFor(op);
    const { request, callback } = await signIn(client, op);
    const err = await failure(client.exchangeCode(callback, { ...request, nonce: 'another-nonce' }));
    expect(err.code).toBe('invalid_response');
    expect(err.message).toContain('nonce');
  });

  it('a replayed callback is invalid_grant, and the provider revokes what the code gave', async () => {
    const client = clientFor(op);
    const { request, callback } = await signIn(client, op);
    const t = await client.exchangeCode(callback, request);
    expect((await failure(client.exchangeCode(callback, request))).code).toBe('invalid_grant');
    expect((await failure(client.refresh(t.refreshToken!))).code).toBe('invalid_grant');
  });

  it('a code issued to another client is invalid_grant', async () => {
    const other = clientFor(op, op.otherApp);
    const { request, callback } = await signIn(other, op);
    expect((await failure(clientFor(op).exchangeCode(callback, request))).code).toBe('invalid_grant');
  });

  it('a wrong client secret is invalid_client', async () => {
    const client = clientFor(op, op.app, { clientSecret: 'not-the-secret' });
    const { request, callback } = await signIn(client, op);
    expect((await failure(client.exchangeCode(callback, request))).code).toBe('invalid_client');
    expect((await failure(client.refresh('any-refresh-token'))).code).toBe('invalid_client');
  });

  it('the user declining at the provider is access_denied', async () => {
    const client = clientFor(op);
    const request = await client.authorizationRequest();
    const callback = new URLSearchParams({ error: 'access_denied', error_description: 'End-User aborted interaction', state: request.state, iss: op.issuer });
    expect(await failure(client.exchangeCode(callback, request))).toMatchObject({ code: 'access_denied', providerError: 'access_denied' });
  });

  it('a callback naming another issuer is refused (mix-up, RFC 9207)', async () => {
    const client = clientFor(op);
    const { request, callback } = await signIn(client, op);
    callback.set('iss', 'https://evil.example.test');
    expect((await failure(client.exchangeCode(callback, request))).code).toBe('invalid_response');
  });

  it('a provider that cannot be reached is transient; a later call discovers again', async () => {
    const client = createOidcClient({ issuer: `http://127.0.0.1:${await closedPort()}`, clientId: 'x', clientSecret: 'y', redirectUri: 'http://127.0.0.1/cb', scope: 'openid', allowInsecureHttp: true });
    const err = await failure(client.authorizationRequest());
    expect(err.code).toBe('transient');
    expect(err.message).toContain('cannot reach the provider');
    expect((await failure(client.refresh('x'))).code).toBe('transient');
  });

  it('plain http to a provider is refused unless allowed (tests on loopback only)', async () => {
    const client = createOidcClient({ issuer: op.issuer, clientId: op.app.clientId, clientSecret: op.app.clientSecret, redirectUri: op.app.redirectUri, scope: 'openid' });
    expect(await failure(client.authorizationRequest())).toMatchObject({ code: 'rejected', message: 'the provider must be reached over HTTPS' });
  });
});

describe('identityOf', () => {
  const base = { iss: 'https://op.example', aud: 'c', iat: 1, exp: 2, sub: 's1' };
  it.each([
    ['email', { email: 'a@example.test', email_verified: true }, { subject: 's1', email: 'a@example.test', emailVerified: true }],
    ["Microsoft's preferred_username", { preferred_username: 'shared@contoso.test' }, { subject: 's1', email: 'shared@contoso.test' }],
    ['email before preferred_username', { email: 'a@example.test', preferred_username: 'b@example.test' }, { subject: 's1', email: 'a@example.test' }],
  ])('takes %s', (_name, claims, identity) => {
    expect(identityOf({ ...base, ...claims })).toEqual(identity);
  });
  it.each([
    ['no address at all', {}],
    ['a user name that is no address', { preferred_username: 'DOMAIN\\agent' }],
    ['an address the provider says it has not verified', { email: 'a@example.test', email_verified: false }],
  ])('refuses %s', (_name, claims) => {
    expect(() => identityOf({ ...base, ...claims })).toThrow(OAuthClientError);
  });
});

describe('classifyOAuthError (what does not come from a provider)', () => {
  it.each<[string, unknown, OAuthErrorCode]>([
    ['fetch failed', new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }), 'transient'],
    ['a timeout', new DOMException('The operation was aborted due to timeout', 'TimeoutError'), 'transient'],
    ['something unknown', new Error('boom'), 'transient'],
    ['ours, kept', new OAuthClientError('invalid_grant', 'x'), 'invalid_grant'],
  ])('%s', (_name, err, code) => {
    expect(classifyOAuthError(err).code).toBe(code);
  });
});
