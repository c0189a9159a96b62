import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { checkPeer } from '../support/peers.ts';
import { startDovecot } from './dovecot.ts';
import { startOidcProvider, type OidcPeer } from './oidc-provider.ts';
import { portAcceptsConnections } from './silent-server.ts';
import { startSmtpAuthServer } from './smtp-auth.ts';

const AGENT = 'agent@example.test';

async function imapLogin(port: number, user: string, accessToken: string): Promise<boolean> {
  const client = new ImapFlow({ host: '127.0.0.1', port, secure: false, logger: false, auth: { user, accessToken } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.logout();
    return true;
  } catch {
    client.close();
    return false;
  }
}

describe.skipIf(!checkPeer('dovecot').available)('OAuth2 test peers', () => {
  it('start, serve a token login, and stop leaving no port open and no files', async () => {
    const op = await startOidcProvider({ users: { agent: AGENT } });
    const [dv, smtp] = await Promise.all([startDovecot({ users: {}, oauth2: op.introspection }), startSmtpAuthServer({ users: {}, oauth2: op.introspection })]);
    const issuerPort = Number(new URL(op.issuer).port);
    const t = await op.authorize({ login: 'agent' });
    // Dovecot now holds a kept-alive connection to the provider, which must not stall its stop
    expect(await imapLogin(dv.imapPort, AGENT, t.access_token)).toBe(true);
    await Promise.all([dv.stop(), smtp.stop()]);
    await op.stop();
    for (const port of [issuerPort, dv.imapPort, dv.pop3Port, smtp.port]) expect(await portAcceptsConnections(port)).toBe(false);
    expect(existsSync(dv.dir)).toBe(false);
  });

  it('a restarted Dovecot still checks tokens at the provider', async () => {
    const op = await startOidcProvider({ users: { agent: AGENT } });
    const dv = await startDovecot({ users: {}, oauth2: op.introspection });
    try {
      const t = await op.authorize({ login: 'agent' });
      expect(await imapLogin(dv.imapPort, AGENT, 'wrong-token')).toBe(false);
      await dv.restart();
      expect(await imapLogin(dv.imapPort, AGENT, t.access_token)).toBe(true);
    } finally {
      await dv.stop();
      await op.stop();
    }
  });

  it('a shared mailbox opens with a delegate\'s token (Microsoft 365), and with nobody else\'s', async () => {
    const SHARED = 'shared@example.test';
    const op = await startOidcProvider({ users: { agent: AGENT, boss: 'boss@example.test' }, delegates: { [SHARED]: ['boss'] } });
    const [dv, smtp] = await Promise.all([
      startDovecot({ users: {}, oauth2: { ...op.introspection, sharedMailboxes: [SHARED] } }),
      startSmtpAuthServer({ users: {}, oauth2: op.introspection }),
    ]);
    try {
      const [boss, agent] = [await op.authorize({ login: 'boss' }), await op.authorize({ login: 'agent' })];
      expect(await imapLogin(dv.imapPort, SHARED, boss.access_token)).toBe(true);
      expect(await imapLogin(dv.imapPort, 'boss@example.test', boss.access_token)).toBe(true);
      expect(await imapLogin(dv.imapPort, SHARED, agent.access_token)).toBe(false);
      expect(await imapLogin(dv.imapPort, AGENT, boss.access_token)).toBe(false);
      const send = async (user: string, accessToken: string) => {
        const t = nodemailer.createTransport({ host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true, auth: { type: 'OAuth2', user, accessToken } });
        try {
          await t.sendMail({ from: user, to: 'ana@customer.test', subject: 'x', text: 'x' });
          return true;
        } catch {
          return false;
        } finally {
          t.close();
        }
      };
      expect(await send(SHARED, boss.access_token)).toBe(true);
      expect(await send(SHARED, agent.access_token)).toBe(false);
      expect(smtp.received.map((m) => m.user)).toEqual([SHARED]);
    } finally {
      await Promise.all([dv.stop(), smtp.stop()]);
      await op.stop();
    }
  });
});

describe.skipIf(!checkPeer('chromium').available)("the provider's sign-in and consent pages in Chromium", () => {
  let op: OidcPeer;
  let app: Server;
  let redirectUri: string;
  const callbacks: URL[] = [];
  beforeAll(async () => {
    // the app's callback: records what the provider sent the browser back with
    app = createServer((req, res) => {
      callbacks.push(new URL(req.url ?? '/', 'http://127.0.0.1'));
      res.writeHead(200, { 'content-type': 'text/plain' }).end('signed in');
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', () => resolve()));
    redirectUri = `http://127.0.0.1:${(app.address() as AddressInfo).port}/oauth/callback`;
    op = await startOidcProvider({ users: { agent: AGENT }, redirectUris: [redirectUri] });
  });
  afterAll(async () => {
    await op?.stop();
    await new Promise<void>((resolve) => (app ? app.close(() => resolve()) : resolve()));
  });

  it('signs in and consents by clicking, back to the app with a code, and nothing leaves loopback', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const hosts = new Set<string>();
      page.on('request', (r) => hosts.add(new URL(r.url()).hostname));
      const url = new URL(`${op.issuer}/auth`);
      url.search = new URLSearchParams({
        client_id: op.app.clientId,
        response_type: 'code',
        redirect_uri: redirectUri,
        scope: op.mailScopes,
        state: 'state-123',
        nonce: 'nonce-123',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
        prompt: 'consent',
      }).toString();
      await page.goto(url.href);
      await page.locator('input[name="login"]').fill('agent');
      await page.locator('input[name="password"]').fill('any password');
      await page.getByRole('button', { name: 'Sign-in' }).click();
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL((u) => u.href.startsWith(redirectUri));
      expect(await page.textContent('body')).toBe('signed in');
      const back = callbacks.filter((u) => u.pathname === '/oauth/callback').at(-1)!;
      expect(back.searchParams.get('state')).toBe('state-123');
      expect(back.searchParams.get('code')).toBeTruthy();
      expect([...hosts]).toEqual(['127.0.0.1']);
    } finally {
      await browser.close();
    }
  });
});
