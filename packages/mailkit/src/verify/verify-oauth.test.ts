import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotPeer } from '../../../../test/peers/dovecot.ts';
import { startOidcProvider, type OidcPeer } from '../../../../test/peers/oidc-provider.ts';
import { closedPort } from '../../../../test/peers/silent-server.ts';
import { startSmtpAuthServer, type SmtpAuthServer } from '../../../../test/peers/smtp-auth.ts';
import { checkPeer } from '../../../../test/support/peers.ts';
import { MAX_AUTH_LINE } from '../pop3/pop3-login.ts';
import { Pop3Error } from '../pop3/pop3-error.ts';
import { openPop3Session } from '../pop3/pop3-session.ts';
import { oauthInitialResponse } from '../sasl/oauth-bearer.ts';
import { sendRaw } from '../smtp/send-raw.ts';
import type { CheckResult, ConnectionErrorCode } from './types.ts';
import { verifyImap } from './verify-imap.ts';
import { verifyPop3 } from './verify-pop3.ts';
import { verifySmtp } from './verify-smtp.ts';

const AGENT = 'agent@example.test';
// long enough that POP3's AUTH line with the initial response passes 255 octets (RFC 5034)
const LONG = `${'m'.repeat(60)}@${'d'.repeat(50)}.example.test`;
const PASSWORD = 'seed-Passw0rd';

type Protocol = 'imap' | 'pop3' | 'smtp';
const PROTOCOLS: Protocol[] = ['imap', 'pop3', 'smtp'];

describe.skipIf(!checkPeer('dovecot').available)('OAuth2 logins against Dovecot and smtp-server, tokens from a real OpenID provider', () => {
  let op: OidcPeer;
  let dv: DovecotPeer;
  let xoauthOnly: DovecotPeer;
  let smtp: SmtpAuthServer;
  let deadDv: DovecotPeer;
  let deadSmtp: SmtpAuthServer;

  beforeAll(async () => {
    op = await startOidcProvider({ users: { agent: AGENT, long: LONG } });
    const dead = { ...op.introspection, url: `http://127.0.0.1:${await closedPort()}/token/introspection` };
    [dv, xoauthOnly, smtp, deadDv, deadSmtp] = await Promise.all([
      startDovecot({ users: { [AGENT]: PASSWORD }, oauth2: op.introspection }),
      startDovecot({ users: {}, oauth2: { ...op.introspection, mechanisms: ['xoauth2'] } }),
      startSmtpAuthServer({ users: {}, oauth2: op.introspection }),
      startDovecot({ users: {}, oauth2: dead }),
      startSmtpAuthServer({ users: {}, oauth2: dead }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([dv?.stop(), xoauthOnly?.stop(), smtp?.stop(), deadDv?.stop(), deadSmtp?.stop()]);
    await op?.stop();
  });

  // One check per protocol, each against the given peers, logging in as user with a token.
  const check = (protocol: Protocol, user: string, accessToken: string, peers = { dv, smtp }): Promise<CheckResult> => {
    const common = { host: '127.0.0.1', security: 'none' as const, username: user, password: '', accessToken, connectionTimeoutSec: 5 };
    switch (protocol) {
      case 'imap':
        return verifyImap({ ...common, port: peers.dv.imapPort, mailbox: 'INBOX', authTimeoutSec: 10 });
      case 'pop3':
        return verifyPop3({ ...common, port: peers.dv.pop3Port, authTimeoutSec: 10 });
      case 'smtp':
        return verifySmtp({ ...common, port: peers.smtp.port, auth: true });
    }
  };
  const expectRefused = (r: CheckResult, code: ConnectionErrorCode, token: string): void => {
    expect(r, JSON.stringify(r)).toMatchObject({ ok: false, code });
    expect(JSON.stringify(r)).not.toContain(token);
  };

  it.each(PROTOCOLS)('%s: a fresh token logs in', async (protocol) => {
    const t = await op.authorize({ login: 'agent' });
    expect(await check(protocol, AGENT, t.access_token)).toMatchObject({ protocol, ok: true });
  });

  it.each(PROTOCOLS)('%s: a token the provider never issued is refused as auth_failed, with the OAuth reason', async (protocol) => {
    const bogus = 'not-a-token-the-provider-issued-0123456789';
    const r = await check(protocol, AGENT, bogus);
    expectRefused(r, 'auth_failed', bogus);
    expect(r.message).toContain(`${protocol.toUpperCase()}: the server refused the OAuth2 access token for user ${AGENT}`);
    expect(r.message).toMatch(/OAuth status \w+/);
  });

  it.each(PROTOCOLS)('%s: a revoked token is refused as auth_failed', async (protocol) => {
    const t = await op.authorize({ login: 'agent' });
    await op.revoke(t.access_token);
    expectRefused(await check(protocol, AGENT, t.access_token), 'auth_failed', t.access_token);
  });

  it.each(PROTOCOLS)('%s: a refresh token presented as a bearer token is refused as auth_failed', async (protocol) => {
    const t = await op.authorize({ login: 'agent' });
    expectRefused(await check(protocol, AGENT, t.refresh_token!), 'auth_failed', t.refresh_token!);
  });

  it.each(PROTOCOLS)("%s: another user's token is refused as auth_failed", async (protocol) => {
    const t = await op.authorize({ login: 'long' });
    expectRefused(await check(protocol, AGENT, t.access_token), 'auth_failed', t.access_token);
  });

  it.each(PROTOCOLS)('%s: a server that cannot reach the provider fails as auth_unavailable, not auth_failed', async (protocol) => {
    const t = await op.authorize({ login: 'agent' });
    const r = await check(protocol, AGENT, t.access_token, { dv: deadDv, smtp: deadSmtp });
    expectRefused(r, 'auth_unavailable', t.access_token);
    expect(r.message).toContain('could not complete the login now');
  });

  it('an expired token is refused on every protocol; the refreshed one logs in', async () => {
    op.setAccessTokenTtl(1);
    let t;
    try {
      t = await op.authorize({ login: 'agent' });
    } finally {
      op.setAccessTokenTtl(60);
    }
    // the provider's clock decides: wait until it calls the token inactive (bounded by the poll)
    await expect.poll(async () => (await op.introspect(t.access_token)).active, { interval: 200 }).toBe(false);
    for (const protocol of PROTOCOLS) expectRefused(await check(protocol, AGENT, t.access_token), 'auth_failed', t.access_token);
    const fresh = await op.refresh(t.refresh_token!);
    for (const protocol of PROTOCOLS) expect(await check(protocol, AGENT, fresh.access_token)).toMatchObject({ ok: true });
  });

  it('POP3 falls back to XOAUTH2 where OAUTHBEARER is not offered, refusals included', async () => {
    const t = await op.authorize({ login: 'agent' });
    const peers = { dv: xoauthOnly, smtp };
    expect(await check('pop3', AGENT, t.access_token, peers)).toMatchObject({ ok: true });
    const r = await check('pop3', AGENT, 'bogus-token-xyz', peers);
    expectRefused(r, 'auth_failed', 'bogus-token-xyz');
    // Dovecot's XOAUTH2 challenge is Google's shape: status 401 with the scope it wants
    expect(r.message).toContain(`OAuth status 401, scope ${op.introspection.scope}`);
  });

  it('POP3 sends a token too long for the AUTH line after an empty continuation (RFC 5034)', async () => {
    const t = await op.authorize({ login: 'long' });
    const ir = oauthInitialResponse('OAUTHBEARER', { user: LONG, accessToken: t.access_token, host: '127.0.0.1', port: dv.pop3Port });
    expect(`AUTH OAUTHBEARER ${ir}`.length + 2).toBeGreaterThan(MAX_AUTH_LINE);
    expect(await check('pop3', LONG, t.access_token)).toMatchObject({ ok: true });
    expect(await check('pop3', LONG, `${t.access_token}-wrong`)).toMatchObject({ ok: false, code: 'auth_failed' });
  });

  it('a POP3 sync session logs in with a token and lists the maildrop', async () => {
    const t = await op.authorize({ login: 'agent' });
    const session = await openPop3Session({ host: '127.0.0.1', port: dv.pop3Port, security: 'none', username: AGENT, password: '', accessToken: t.access_token, connectionTimeoutSec: 5, authTimeoutSec: 10 });
    try {
      expect(Array.isArray(await session.uidl())).toBe(true);
    } finally {
      await session.quit();
    }
    await op.revoke(t.access_token);
    const err = await openPop3Session({ host: '127.0.0.1', port: dv.pop3Port, security: 'none', username: AGENT, password: '', accessToken: t.access_token, connectionTimeoutSec: 5, authTimeoutSec: 10 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Pop3Error);
    expect((err as Pop3Error).code).toBe('auth_failed');
    expect((err as Pop3Error).serverText).toMatch(/Authentication failed\. \(OAuth status invalid_token\)/);
  });

  it('sends with a token; a revoked one holds the account (auth_failed, permanent) without echoing the token', async () => {
    const t = await op.authorize({ login: 'agent' });
    const account = { host: '127.0.0.1', port: smtp.port, security: 'none' as const, username: AGENT, accessToken: t.access_token, connectionTimeoutMs: 5_000 };
    const raw = Buffer.from(`From: ${AGENT}\r\nTo: customer@example.test\r\nSubject: sent with a token\r\nMessage-ID: <oauth-1@example.test>\r\n\r\nhello\r\n`);
    const before = smtp.received.length;
    expect(await sendRaw(account, { from: AGENT, to: ['customer@example.test'] }, raw)).toMatchObject({ ok: true });
    expect(smtp.received.slice(before)).toEqual([expect.objectContaining({ user: AGENT, from: AGENT, to: ['customer@example.test'] })]);

    await op.revoke(t.access_token);
    const failed = await sendRaw(account, { from: AGENT, to: ['customer@example.test'] }, raw);
    expect(failed).toMatchObject({ ok: false, code: 'auth_failed', permanent: true, scope: 'account', smtpCode: 535 });
    expect(JSON.stringify(failed)).not.toContain(t.access_token);
    expect(smtp.received.length).toBe(before + 1);
  });

  it('a send whose server cannot reach the provider is retried, not held for the admin', async () => {
    const t = await op.authorize({ login: 'agent' });
    const r = await sendRaw(
      { host: '127.0.0.1', port: deadSmtp.port, security: 'none', username: AGENT, accessToken: t.access_token, connectionTimeoutMs: 5_000 },
      { from: AGENT, to: ['customer@example.test'] },
      Buffer.from('Subject: x\r\n\r\nx\r\n'),
    );
    expect(r).toMatchObject({ ok: false, code: 'auth_failed', permanent: false, smtpCode: 454 });
  });
});
