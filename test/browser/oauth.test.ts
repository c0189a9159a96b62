import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotPeer } from '../peers/dovecot.ts';
import { startOidcProvider, type OidcPeer } from '../peers/oidc-provider.ts';
import { closedPort } from '../peers/silent-server.ts';
import { startSmtpAuthServer, type SmtpAuthServer } from '../peers/smtp-auth.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/app.ts';
import { launchChromium, newDesktopContext, signIn, watchedPage } from '../support/browser.ts';
import { campaignBody } from '../support/campaign-input.ts';
import { appendMessages, customerMail, eventually } from '../support/mail-fixtures.ts';
import { checkPeer } from '../support/peers.ts';

// An admin connects a campaign's mailbox by signing in: "Sign in with …" on
// the mail account opens the provider's real sign-in and consent pages
// (oidc-provider) in a popup; back in the console the signed-in address
// shows, the save logs in to Dovecot (IMAP) and the SMTP server with the
// token, mail flows in and the confirmation goes out by XOAUTH2.

const AGENT = 'agent@example.test';
const BOSS = 'boss@example.test';
const SHARED = 'shared@example.test';
const MAILBOX_PASSWORD = 'only-for-appending-77ab';
const peersReady = checkPeer('chromium').available && checkPeer('dovecot').available;

describe.skipIf(!peersReady)('connecting a mailbox by OAuth2 sign-in in Chromium', () => {
  let op: OidcPeer;
  let dv: DovecotPeer;
  let smtp: SmtpAuthServer;
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  let campaignId: string;
  let admin: string;
  let providerId: string;
  let templateId: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // the provider must know the callback before Postdesk listens: its port is chosen first
    const port = await closedPort();
    const publicUrl = `http://127.0.0.1:${port}`;
    // boss may open the shared mailbox (Microsoft 365's Full Access / Send As)
    op = await startOidcProvider({ users: { agent: AGENT, boss: BOSS }, redirectUris: [`${publicUrl}/api/oauth/callback`], delegates: { [SHARED]: ['boss'] } });
    [dv, smtp] = await Promise.all([
      startDovecot({ users: { [AGENT]: MAILBOX_PASSWORD, [SHARED]: MAILBOX_PASSWORD }, oauth2: { ...op.introspection, sharedMailboxes: [SHARED] } }),
      startSmtpAuthServer({ users: {}, oauth2: op.introspection }),
    ]);
    s = await startTestServer({ serveWeb: true, env: { POSTDESK_PORT: String(port), POSTDESK_PUBLIC_URL: publicUrl, POSTDESK_ROLES: 'api,sync,worker' } });
    admin = await s.login('admin', ADMIN_PASSWORD);
    const provider = await s.call('POST', '/api/oauth/providers', {
      cookie: admin,
      body: { kind: 'oidc', name: 'Company ID', issuer: op.issuer, clientId: op.app.clientId, clientSecret: op.app.clientSecret, scopes: op.mailScopes },
    });
    expect(provider.status, provider.text).toBe(201);
    providerId = provider.body.id;
    const template = await s.call('POST', '/api/templates', { cookie: admin, body: { name: 'Thanks', campaignId: null, html: '<p>Got it ${ticket}.</p>' } });
    expect(template.status).toBe(201);
    templateId = template.body.id;
    // a campaign that reads nothing yet: the admin connects it by signing in
    const res = await s.call('POST', '/api/campaigns', {
      cookie: admin,
      body: campaignBody({
        receiveEmails: false,
        fromAddress: AGENT,
        inbound: { port: dv.imapPort, username: AGENT, password: MAILBOX_PASSWORD },
        smtp: { port: smtp.port, auth: false, username: '', password: undefined },
        confirmation: { enabled: true, templateId: template.body.id },
      }),
    });
    expect(res.status, res.text).toBe(201);
    campaignId = res.body.id;
    browser = await launchChromium();
    page = await watchedPage(await newDesktopContext(browser), { errors: pageErrors });
    await signIn(page, s.url, 'admin', ADMIN_PASSWORD);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await s?.stop();
    await Promise.all([dv?.stop(), smtp?.stop()]);
    await op?.stop();
  });

  it('signs in through the provider\'s pages in a popup, saves, and mail flows in and out with the token', async () => {
    await page.getByTestId('nav-oauth').click();
    await page.getByTestId('oauth-provider-Company ID').waitFor();
    expect(await page.getByTestId('oauth-redirect-uri').innerText()).toBe(`${s.url}/api/oauth/callback`);

    await page.goto(`${s.url}/campaigns/${campaignId}`);
    await expect.poll(() => page.getByTestId('campaign-field-name').inputValue()).toBe('Support');
    await page.getByTestId('campaign-tab-mail').click();
    const popupOpened = page.waitForEvent('popup');
    await page.getByTestId('oauth-sign-in').click();
    const popup = await popupOpened;
    await popup.locator('input[name="login"]').fill('agent');
    await popup.locator('input[name="password"]').fill('any password');
    await popup.getByRole('button', { name: 'Sign-in' }).click();
    await popup.getByRole('button', { name: 'Continue' }).click();
    await page.getByTestId('oauth-account').waitFor();
    expect(await page.getByTestId('oauth-account').innerText()).toContain(`Signed in as ${AGENT} (Company ID)`);

    // receive mail now, and send with the account too
    await page.getByTestId('campaign-tab-general').click();
    await page.getByTestId('campaign-field-receiveEmails').check();
    await page.getByTestId('campaign-tab-mail').click();
    await page.getByTestId('campaign-field-smtp.auth').check();
    await page.getByTestId('campaign-field-smtp.username').fill(AGENT);
    await page.getByTestId('campaign-save').click();
    await expect.poll(async () => (await s.db.query<{ oauth_account_id: string | null }>('SELECT oauth_account_id FROM campaigns WHERE id = $1', [campaignId])).rows[0]?.oauth_account_id ?? null, { timeout: 60_000 }).not.toBeNull();
    const [stored] = (await s.db.query<{ inbound_password_sealed: Buffer | null }>('SELECT inbound_password_sealed FROM campaigns WHERE id = $1', [campaignId])).rows;
    expect(stored!.inbound_password_sealed).toBeNull();

    const mail = customerMail({ from: 'ana@customer.test', subject: 'Hello over OAuth2' });
    await appendMessages(dv, AGENT, MAILBOX_PASSWORD, 'INBOX', [mail.raw]);
    await eventually(async () => (await s.db.query('SELECT 1 FROM messages WHERE message_id = $1', [mail.messageId])).rowCount === 1, 60_000, 'mail ingested');
    const sent = await eventually(async () => smtp.received.find((m) => m.to.includes('ana@customer.test')), 60_000, 'confirmation sent');
    expect(sent.user).toBe(AGENT);
    expect(pageErrors).toEqual([]);
  }, 300_000);

  it('shows a Microsoft 365 shared mailbox on the campaigns screen as the mailbox and who signed in for it', async () => {
    // signed in as boss@ (the popup is the first test's; here the provider's pages are followed by fetch)
    const started = await s.call('POST', '/api/oauth/sign-ins', { cookie: admin, body: { providerId } });
    expect(started.status, started.text).toBe(201);
    const back = await op.completeLogin(started.body.url, 'boss');
    expect((await fetch(back)).status).toBe(200);
    const account = (await s.call('GET', `/api/oauth/sign-ins/${started.body.id}`, { cookie: admin })).body.account;
    expect(account.email).toBe(BOSS);
    const res = await s.call('POST', '/api/campaigns', {
      cookie: admin,
      body: campaignBody({
        name: 'Shared inbox',
        key: 'SHR',
        fromAddress: SHARED,
        oauthAccountId: account.id,
        inbound: { port: dv.imapPort, username: SHARED, password: undefined },
        smtp: { port: smtp.port, auth: true, username: SHARED, password: undefined },
        confirmation: { enabled: true, templateId },
      }),
    });
    expect(res.status, res.text).toBe(201);
    expect(res.body.connections.map((c: { protocol: string; ok: boolean }) => [c.protocol, c.ok])).toEqual([['imap', true], ['smtp', true]]);

    await page.goto(`${s.url}/campaigns`);
    const shown = page.getByTestId('campaign-oauth').filter({ hasText: SHARED });
    await shown.waitFor();
    expect(await shown.innerText()).toBe(`Signed in as ${BOSS} for ${SHARED}`);
    // the first campaign's mailbox is the signed-in address itself
    expect(await page.getByTestId('campaign-oauth').filter({ hasText: AGENT }).innerText()).toBe(`Signed in as ${AGENT}`);
    await page.screenshot({ path: 'test-results/campaigns-shared-mailbox.png' });

    const mail = customerMail({ from: 'bo@customer.test', subject: 'To the shared inbox' });
    await appendMessages(dv, SHARED, MAILBOX_PASSWORD, 'INBOX', [mail.raw]);
    const sent = await eventually(async () => smtp.received.find((m) => m.to.includes('bo@customer.test')), 60_000, 'confirmation from the shared mailbox');
    expect(sent.user).toBe(SHARED);
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
