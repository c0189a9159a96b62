import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotPeer } from '../../../../../test/peers/dovecot.ts';
import { startOidcProvider, type OidcPeer } from '../../../../../test/peers/oidc-provider.ts';
import { startSmtpAuthServer, type SmtpAuthServer } from '../../../../../test/peers/smtp-auth.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';
import { campaignBody } from '../../../../../test/support/campaign-input.ts';
import { appendMessages, customerMail, eventually } from '../../../../../test/support/mail-fixtures.ts';
import { checkPeer } from '../../../../../test/support/peers.ts';
import { openSocket } from '../../../../../test/support/ws-client.ts';
import { accessTokenFor, createOAuthRuntime } from './index.ts';
import { tokenSealContext } from './access-token.ts';

// OAuth2 mailboxes end to end against real peers: oidc-provider (the
// certified OpenID implementation) with its real sign-in and consent pages,
// Dovecot checking bearer tokens at its introspection endpoint (IMAP, POP3),
// and an SMTP server doing the same for XOAUTH2. The console's popup is
// played with plain HTTP: the provider's pages are followed as a browser
// would, and its redirect back is delivered to Postdesk's callback.

const AGENT = 'agent@example.test';
const OTHER = 'other@example.test';
const POP = 'pop@example.test';
const REV = 'rev@example.test';
const MAILBOX_PASSWORD = 'only-for-appending-1f0c';
const PUBLIC_URL = 'http://postdesk.test/desk';
const CALLBACK = `${PUBLIC_URL}/api/oauth/callback`;

describe.skipIf(!checkPeer('dovecot').available)('OAuth2 mailboxes against oidc-provider, Dovecot and an XOAUTH2 SMTP server', () => {
  let op: OidcPeer;
  let rotating: OidcPeer;
  let dv: DovecotPeer;
  let smtp: SmtpAuthServer;
  let s: TestServer;
  let admin: string;
  let providerId: string;
  /** Every API answer of this file, searched at the end for secrets. */
  const answers: string[] = [];

  const call = async (method: string, url: string, body?: unknown) => {
    const res = await s.call(method, url, { cookie: admin, ...(body === undefined ? {} : { body }) });
    answers.push(res.text);
    return res;
  };
  const q = async <T extends Record<string, unknown>>(sql: string, values: unknown[] = []): Promise<T[]> => (await s.db.query<T>(sql, values)).rows;

  /** The admin's "Sign in with …": start, the provider's pages as `login`, the redirect back to Postdesk. */
  const signIn = async (login: string, over: { accountId?: string; expectedEmail?: string; peer?: OidcPeer; provider?: string } = {}) => {
    const started = await call('POST', '/api/oauth/sign-ins', {
      providerId: over.provider ?? providerId,
      ...(over.accountId ? { accountId: over.accountId } : {}),
      ...(over.expectedEmail ? { expectedEmail: over.expectedEmail } : {}),
    });
    expect(started.status, started.text).toBe(201);
    const back = await (over.peer ?? op).completeLogin(started.body.url, login);
    const callback = await deliver(back);
    const status = await call('GET', `/api/oauth/sign-ins/${started.body.id}`);
    return { started: started.body, back, callback, status: status.body };
  };
  /** The browser following the provider's redirect to Postdesk (public URL → where the test server listens). */
  const deliver = async (back: URL) => {
    expect(`${back.origin}${back.pathname}`).toBe(CALLBACK);
    const res = await fetch(`${s.url}/api/oauth/callback${back.search}`);
    const text = await res.text();
    answers.push(text);
    return { status: res.status, text, csp: res.headers.get('content-security-policy') };
  };

  beforeAll(async () => {
    [op, rotating] = await Promise.all([
      startOidcProvider({ users: { agent: AGENT, other: OTHER, pop: POP, rev: REV }, redirectUris: [CALLBACK] }),
      startOidcProvider({ users: { agent: AGENT }, redirectUris: [CALLBACK], rotateRefreshTokens: true }),
    ]);
    [dv, smtp, s] = await Promise.all([
      // the password only puts mail in the box; Postdesk logs in with tokens
      startDovecot({ users: { [AGENT]: MAILBOX_PASSWORD, [POP]: MAILBOX_PASSWORD, [REV]: MAILBOX_PASSWORD }, oauth2: op.introspection }),
      startSmtpAuthServer({ users: {}, oauth2: op.introspection }),
      startTestServer({ env: { POSTDESK_PUBLIC_URL: PUBLIC_URL, POSTDESK_ROLES: 'api,sync,worker', POSTDESK_LEASE_SEC: '3', POSTDESK_POP3_POLL_SEC: '1' } }),
    ]);
    admin = await s.login('admin', ADMIN_PASSWORD);
  });
  afterAll(async () => {
    if (process.env.DEBUG_LOGS) console.log(s.logs.filter((l) => !l.includes('"level":20')).join('\n'));
    await s?.stop();
    await Promise.all([dv?.stop(), smtp?.stop()]);
    await Promise.all([op?.stop(), rotating?.stop()]);
  });

  it('keeps a provider with its client secret sealed and write-only, and names the callback to register', async () => {
    const res = await call('POST', '/api/oauth/providers', {
      kind: 'oidc',
      name: 'Test provider',
      issuer: op.issuer,
      clientId: op.app.clientId,
      clientSecret: op.app.clientSecret,
      scopes: op.mailScopes,
    });
    expect(res.status, res.text).toBe(201);
    providerId = res.body.id;
    expect(res.body).toMatchObject({ kind: 'oidc', issuer: op.issuer, clientId: op.app.clientId, hasClientSecret: true, scopes: op.mailScopes, accounts: 0 });
    expect(res.text).not.toContain(op.app.clientSecret);
    const [row] = await q<{ client_secret_sealed: Buffer }>('SELECT client_secret_sealed FROM oauth_providers WHERE id = $1', [providerId]);
    expect(row!.client_secret_sealed.includes(Buffer.from(op.app.clientSecret))).toBe(false);

    // an edit without the secret keeps the stored one (the sign-ins below prove it still works)
    const edit = await call('PUT', `/api/oauth/providers/${providerId}`, { kind: 'oidc', name: 'Test OP', issuer: op.issuer, clientId: op.app.clientId, scopes: op.mailScopes });
    expect(edit.status, edit.text).toBe(200);
    expect(edit.body).toMatchObject({ name: 'Test OP', hasClientSecret: true });

    const list = await call('GET', '/api/oauth/providers');
    expect(list.body.redirectUri).toBe(CALLBACK);
    expect(list.body.items.map((p: { name: string }) => p.name)).toEqual(['Test OP']);
    expect(list.body.defaultScopes.microsoft).toContain('https://outlook.office.com/IMAP.AccessAsUser.All');
  });

  it('refuses a provider without a secret, a generic one without an issuer URL, and agents', async () => {
    const noSecret = await call('POST', '/api/oauth/providers', { kind: 'oidc', name: 'X', issuer: op.issuer, clientId: 'x' });
    expect(noSecret.status).toBe(400);
    expect(noSecret.body.details).toEqual([{ path: 'clientSecret', message: 'required' }]);
    const noIssuer = await call('POST', '/api/oauth/providers', { kind: 'oidc', name: 'Y', issuer: 'not a url', clientId: 'y', clientSecret: 'z' });
    expect(noIssuer.status).toBe(400);
    expect(noIssuer.body.details[0].path).toBe('issuer');
    const anonymous = await s.call('GET', '/api/oauth/providers');
    expect(anonymous.status).toBe(401);
  });

  let accountId: string;

  it('signs in through the provider\'s pages with PKCE and state, and shows who signed in; the tokens are sealed', async () => {
    const { started, callback, status } = await signIn('agent');
    const url = new URL(started.url);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('redirect_uri')).toBe(CALLBACK);
    expect(callback.status).toBe(200);
    expect(callback.text).toContain(`Signed in as ${AGENT}`);
    expect(callback.csp).toContain("default-src 'none'");
    expect(status).toMatchObject({ state: 'completed', error: null, account: { email: AGENT, state: 'ok', providerName: 'Test OP' } });
    accountId = status.account.id;
    const [row] = await q<{ access_token_sealed: Buffer; refresh_token_sealed: Buffer }>('SELECT * FROM oauth_accounts WHERE id = $1', [accountId]);
    const access = s.deps.secrets.open(row!.access_token_sealed, tokenSealContext(accountId, 'access'));
    expect(await op.introspect(access)).toMatchObject({ active: true, email: AGENT });
    expect(row!.access_token_sealed.includes(Buffer.from(access))).toBe(false);
  });

  it('refuses a replayed callback, a forged state and an address other than the one pinned, storing nothing', async () => {
    const accounts = async () => (await q<{ n: number }>('SELECT count(*)::int AS n FROM oauth_accounts'))[0]!.n;
    const before = await accounts();
    const first = await signIn('agent');
    expect(first.callback.status).toBe(200);
    const replay = await deliver(first.back);
    expect(replay.status).toBe(400);
    expect(replay.text).toContain('already used');

    const forged = new URL(first.back);
    forged.searchParams.set('state', 'forged-state');
    const f = await deliver(forged);
    expect(f.status).toBe(400);
    expect(f.text).toContain('unknown');

    const wrong = await signIn('other', { expectedEmail: AGENT });
    expect(wrong.callback.status).toBe(400);
    expect(wrong.callback.text).toContain(`signed in as ${OTHER}, but ${AGENT} was expected`);
    expect(wrong.status).toMatchObject({ state: 'failed', account: null, error: { code: 'wrong_account' } });
    // the first sign-in's account only
    expect(await accounts()).toBe(before + 1);
  });

  it('refuses a code issued to another client at the same provider, and another sign-in\'s code under this state: 400, nothing connected, the state spent', async () => {
    const accounts = async () => (await q<{ n: number }>('SELECT count(*)::int AS n FROM oauth_accounts'))[0]!.n;
    const before = await accounts();
    const refreshes = op.tokenRequests.authorization_code;
    // a code the provider issued to another application (its own client id, redirect and PKCE)
    const other = new URL(`${op.issuer}/auth`);
    other.search = new URLSearchParams({
      client_id: op.otherApp.clientId,
      response_type: 'code',
      redirect_uri: op.otherApp.redirectUri,
      scope: op.mailScopes,
      state: 'their-state',
      nonce: 'their-nonce',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      prompt: 'consent',
    }).toString();
    const theirs = await op.completeLogin(other, 'agent');
    expect(theirs.searchParams.get('code')).toBeTruthy();
    // replayed to our callback with a valid state of ours
    const started = await call('POST', '/api/oauth/sign-ins', { providerId });
    expect(started.status, started.text).toBe(201);
    const forged = new URL(CALLBACK);
    forged.search = new URLSearchParams({ code: theirs.searchParams.get('code')!, state: new URL(started.body.url).searchParams.get('state')!, iss: op.issuer }).toString();
    const res = await deliver(forged);
    expect(res.status).toBe(400);
    expect(res.text).toContain('the provider refused this sign-in&#39;s code');
    expect(res.text).toContain('issued to another application');
    const status = await call('GET', `/api/oauth/sign-ins/${started.body.id}`);
    expect(status.body).toMatchObject({ state: 'failed', account: null, error: { code: 'invalid_grant' } });
    // the state was spent by that attempt: again, it is refused before any exchange
    const again = await deliver(forged);
    expect(again.status).toBe(400);
    expect(again.text).toContain('already used');

    // two sign-ins at once: B's code under A's state does not pass (PKCE binds the code to B's verifier); B's own callback does
    const signInA = await call('POST', '/api/oauth/sign-ins', { providerId });
    const signInB = await call('POST', '/api/oauth/sign-ins', { providerId });
    const backB = await op.completeLogin(signInB.body.url, 'agent');
    const mixed = new URL(backB);
    mixed.searchParams.set('state', new URL(signInA.body.url).searchParams.get('state')!);
    const m = await deliver(mixed);
    expect(m.status).toBe(400);
    expect((await call('GET', `/api/oauth/sign-ins/${signInA.body.id}`)).body).toMatchObject({ state: 'failed', account: null, error: { code: 'invalid_grant' } });
    expect(await accounts()).toBe(before);
    const b = await deliver(backB);
    expect(b.status, b.text).toBe(200);
    expect((await call('GET', `/api/oauth/sign-ins/${signInB.body.id}`)).body).toMatchObject({ state: 'completed', account: { email: AGENT } });
    expect(await accounts()).toBe(before + 1);
    // the provider issued tokens for B only
    expect(op.tokenRequests.authorization_code - refreshes).toBe(1);
  });

  let imapCampaign: string;

  it('connects a campaign: the save-time checks log in to IMAP and SMTP with the token, mail flows in and the confirmation goes out by XOAUTH2', async () => {
    const template = await call('POST', '/api/templates', { name: 'Thanks', campaignId: null, html: '<p>We got it ${ticket}.</p>' });
    expect(template.status, template.text).toBe(201);
    const res = await call(
      'POST',
      '/api/campaigns',
      campaignBody({
        fromAddress: AGENT,
        oauthAccountId: accountId,
        inbound: { port: dv.imapPort, username: AGENT, password: undefined },
        smtp: { port: smtp.port, auth: true, username: AGENT, password: undefined },
        confirmation: { enabled: true, templateId: template.body.id },
      }),
    );
    expect(res.status, res.text).toBe(201);
    imapCampaign = res.body.id;
    expect(res.body.oauth).toMatchObject({ id: accountId, email: AGENT, state: 'ok' });
    expect(res.body.connections.map((c: { protocol: string; ok: boolean }) => [c.protocol, c.ok])).toEqual([['imap', true], ['smtp', true]]);
    expect(res.body.inbound.hasPassword).toBe(false);

    const mail = customerMail({ from: 'ana@customer.test', subject: 'Signed in by OAuth2' });
    await appendMessages(dv, AGENT, MAILBOX_PASSWORD, 'INBOX', [mail.raw]);
    await eventually(async () => (await q('SELECT 1 FROM messages WHERE message_id = $1', [mail.messageId])).length === 1, 30_000, 'mail ingested');
    const sent = await eventually(async () => smtp.received.find((m) => m.to.includes('ana@customer.test')), 30_000, 'confirmation sent');
    expect(sent.user).toBe(AGENT);

    // "Verify now" logs in with the account's token as the save did
    const verified = await call('POST', `/api/campaigns/${imapCampaign}/verify`);
    expect(verified.status, verified.text).toBe(200);
    expect(verified.body.connections.map((c: { protocol: string; ok: boolean }) => [c.protocol, c.ok])).toEqual([['imap', true], ['smtp', true]]);

    const boxes = await call('GET', '/api/mailboxes');
    expect(boxes.body.items.find((m: { campaignId: string }) => m.campaignId === imapCampaign).oauth).toMatchObject({ accountId, email: AGENT, state: 'ok' });
  });

  it('refreshes expiring tokens: a POP3 mailbox polled with short-lived tokens keeps working, nothing lost or doubled', async () => {
    op.setAccessTokenTtl(6);
    const { status } = await signIn('pop');
    const pop3Account = status.account.id;
    const res = await call(
      'POST',
      '/api/campaigns',
      campaignBody({
        name: 'POP3 support',
        key: 'POP',
        fromAddress: POP,
        oauthAccountId: pop3Account,
        inbound: { protocol: 'pop3', port: dv.pop3Port, username: POP, password: undefined, mailbox: 'INBOX' },
        smtp: { port: smtp.port, auth: true, username: POP, password: undefined },
        queue: { ...(campaignBody().queue as object), fetchedMailAction: 'delete' },
      }),
    );
    expect(res.status, res.text).toBe(201);
    const campaignId = res.body.id;
    const refreshesBefore = op.tokenRequests.refresh_token;
    const ids: string[] = [];
    // mail arrives while tokens expire and are refreshed, one poll after another
    for (let i = 0; i < 4; i++) {
      const mail = customerMail({ from: `c${i}@customer.test`, subject: `Poll ${i}` });
      ids.push(mail.messageId);
      await appendMessages(dv, POP, MAILBOX_PASSWORD, 'INBOX', [mail.raw]);
      const seen = op.tokenRequests.refresh_token;
      await eventually(async () => op.tokenRequests.refresh_token > seen, 60_000, 'a refresh');
    }
    await eventually(async () => (await q<{ n: number }>('SELECT count(*)::int AS n FROM messages m JOIN interactions i ON i.id = m.interaction_id WHERE i.campaign_id = $1', [campaignId]))[0]!.n === 4, 60_000, 'four mails');
    expect((await q('SELECT message_id FROM messages WHERE message_id = ANY($1)', [ids])).length).toBe(4);
    expect(op.tokenRequests.refresh_token - refreshesBefore).toBeGreaterThanOrEqual(4);
    const [box] = await q<{ state: string }>('SELECT state FROM mailboxes WHERE campaign_id = $1', [campaignId]);
    expect(box!.state).not.toBe('needs_attention');
    op.setAccessTokenTtl(60);
    // its polls would ask the provider for tokens while the next test counts the provider's refreshes
    expect((await call('DELETE', `/api/campaigns/${campaignId}`)).status).toBe(204);
  });

  it('one node refreshes, the others wait and take its token: a rotating provider keeps the grant', async () => {
    const p = await call('POST', '/api/oauth/providers', {
      kind: 'oidc', name: 'Rotating', issuer: rotating.issuer, clientId: rotating.app.clientId, clientSecret: rotating.app.clientSecret, scopes: rotating.mailScopes,
    });
    expect(p.status, p.text).toBe(201);
    const { status } = await signIn('agent', { peer: rotating, provider: p.body.id });
    const id = status.account.id;
    await s.db.query(`UPDATE oauth_accounts SET access_expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
    const before = rotating.tokenRequests.refresh_token;
    // five "nodes": each its own runtime (no in-process sharing), one database
    const nodes = Array.from({ length: 5 }, () => ({ ...s.deps, oauth: createOAuthRuntime({ publicUrl: PUBLIC_URL }) }));
    const tokens = await Promise.all(nodes.map((d) => accessTokenFor(d, id)));
    expect(new Set(tokens.map((t) => t.accessToken)).size).toBe(1);
    expect(rotating.tokenRequests.refresh_token - before).toBe(1);
    // the rotated refresh token was stored: the grant lives on
    await s.db.query(`UPDATE oauth_accounts SET access_expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
    const again = await accessTokenFor(nodes[0]!, id);
    expect(again.accessToken).not.toBe(tokens[0]!.accessToken);
    expect(await rotating.introspect(again.accessToken)).toMatchObject({ active: true });
  });

  it('a revoked grant puts the mailbox in "sign in again" without looping; signing in again resumes, each mail once', async () => {
    op.setAccessTokenTtl(4);
    const { status } = await signIn('rev');
    const res = await call(
      'POST',
      '/api/campaigns',
      campaignBody({
        name: 'Revoked',
        key: 'REV',
        fromAddress: REV,
        oauthAccountId: status.account.id,
        inbound: { protocol: 'pop3', port: dv.pop3Port, username: REV, password: undefined, mailbox: 'INBOX' },
        smtp: { port: smtp.port, auth: true, username: REV, password: undefined },
        queue: { ...(campaignBody().queue as object), fetchedMailAction: 'delete' },
      }),
    );
    expect(res.status, res.text).toBe(201);
    const campaignId = res.body.id;
    const account = status.account.id;
    await eventually(async () => (await q<{ state: string }>('SELECT state FROM mailboxes WHERE campaign_id = $1', [campaignId]))[0]?.state === 'connected', 30_000, 'connected');

    // the user removes the app's access at the provider
    expect(await op.revokeGrants('rev')).toBeGreaterThan(0);
    const mailbox = await eventually(async () => {
      const r = await call('GET', '/api/mailboxes');
      const m = r.body.items.find((x: { campaignId: string }) => x.campaignId === campaignId);
      return m?.state === 'needs_attention' ? m : null;
    }, 60_000, 'needs attention');
    expect(mailbox.lastError).toMatch(/^OAuth2: sign in again: the provider answered invalid_grant/);
    expect(mailbox.oauth).toMatchObject({ state: 'sign_in_needed', email: REV });
    const campaign = await call('GET', `/api/campaigns/${campaignId}`);
    expect(campaign.body.oauth).toMatchObject({ state: 'sign_in_needed' });

    // no loop: polls and time pass, the provider is not asked again
    const refreshes = op.tokenRequests.refresh_token;
    const mail = customerMail({ from: 'late@customer.test', subject: 'While nobody could sign in' });
    await appendMessages(dv, REV, MAILBOX_PASSWORD, 'INBOX', [mail.raw]);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(op.tokenRequests.refresh_token).toBe(refreshes);
    expect((await q('SELECT 1 FROM messages WHERE message_id = $1', [mail.messageId])).length).toBe(0);

    // someone else's address is refused for this account, which stays as it was
    const wrong = await signIn('other', { accountId: account });
    expect(wrong.callback.status).toBe(400);
    expect(wrong.status.error.code).toBe('wrong_account');
    expect((await q<{ state: string }>('SELECT state FROM oauth_accounts WHERE id = $1', [account]))[0]!.state).toBe('sign_in_needed');

    const again = await signIn('rev', { accountId: account });
    expect(again.callback.status, again.callback.text).toBe(200);
    expect(again.status.account).toMatchObject({ id: account, state: 'ok' });
    await eventually(async () => (await q('SELECT 1 FROM messages WHERE message_id = $1', [mail.messageId])).length === 1, 60_000, 'the mail that waited');
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await q('SELECT 1 FROM messages WHERE message_id = $1', [mail.messageId])).length).toBe(1);
    op.setAccessTokenTtl(60);
  });

  it('an IDLE mailbox that asks for no token still learns of a revoked grant at its next refresh, and admins are told', async () => {
    const ws = await openSocket(s.url, { cookie: admin });
    try {
      expect(await op.revokeGrants('agent')).toBeGreaterThan(0);
      // the token of the IMAP campaign (logged in once, then IDLE) comes due
      await s.db.query(`UPDATE oauth_accounts SET access_issued_at = now() - interval '59 seconds', access_expires_at = now() + interval '1 second' WHERE id = $1`, [accountId]);
      await s.oauthRefresher!.sweep();
      const pushed = await ws.next((m) => m.type === 'oauth.sign_in_needed', 20_000);
      expect(pushed).toEqual({ type: 'oauth.sign_in_needed', campaignId: imapCampaign, email: AGENT });
      const campaign = await call('GET', `/api/campaigns/${imapCampaign}`);
      expect(campaign.body.oauth).toMatchObject({ state: 'sign_in_needed', error: expect.stringContaining('invalid_grant') });
    } finally {
      ws.close();
    }
  });

  it('never puts a client secret or a token in an API answer or a log line', async () => {
    const rows = await q<{ id: string; access_token_sealed: Buffer; refresh_token_sealed: Buffer | null }>('SELECT id, access_token_sealed, refresh_token_sealed FROM oauth_accounts');
    const secrets = [op.app.clientSecret, rotating.app.clientSecret];
    for (const r of rows) {
      secrets.push(s.deps.secrets.open(r.access_token_sealed, tokenSealContext(r.id, 'access')));
      if (r.refresh_token_sealed) secrets.push(s.deps.secrets.open(r.refresh_token_sealed, tokenSealContext(r.id, 'refresh')));
    }
    expect(secrets.length).toBeGreaterThan(6);
    const everything = [...answers, ...s.logs].join('\n');
    for (const secret of secrets) expect(everything.includes(secret), `a secret of ${secret.length} characters leaked`).toBe(false);
    expect(s.logs.some((l) => l.includes('oauth.refreshed'))).toBe(true);
  });
});
