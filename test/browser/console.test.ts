import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot } from '../peers/dovecot.ts';
import { startSmtpAuthServer } from '../peers/smtp-auth.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/app.ts';
import { launchChromium, newDesktopContext, signIn, watchedPage } from '../support/browser.ts';
import { checkPeer } from '../support/peers.ts';

// The web console in real Chromium, against the real server, a throwaway
// Dovecot (IMAP) and an SMTP AUTH server: what an admin and an agent do.

const IMAP_PASSWORD = 'imap-Pa55-browser-1';
const SMTP_PASSWORD = 'smtp-Pa55-browser-2';
const AGENT_PASSWORD = 'agent-password-browser';

const peersReady = checkPeer('chromium').available && checkPeer('dovecot').available;

describe.skipIf(!peersReady)('web console in Chromium', () => {
  let server: TestServer;
  let dovecot: Awaited<ReturnType<typeof startDovecot>>;
  let smtp: Awaited<ReturnType<typeof startSmtpAuthServer>>;
  let browser: Browser;
  let adminContext: BrowserContext;
  let admin: Page;
  const pageErrors: string[] = [];

  const openPage = (context: BrowserContext): Promise<Page> => watchedPage(context, { errors: pageErrors });
  const login = (page: Page, username: string, password: string): Promise<void> => signIn(page, server.url, username, password);

  async function choose(page: Page, testId: string, option: string): Promise<void> {
    await page.getByTestId(testId).click();
    await page.getByRole('option', { name: option, exact: true }).click();
  }

  beforeAll(async () => {
    [dovecot, smtp, server] = await Promise.all([
      startDovecot({ users: { alice: IMAP_PASSWORD } }),
      startSmtpAuthServer({ users: { alice: SMTP_PASSWORD } }),
      startTestServer({ serveWeb: true }),
    ]);
    browser = await launchChromium();
    adminContext = await newDesktopContext(browser);
    admin = await openPage(adminContext);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([server?.stop(), dovecot?.stop(), smtp?.stop()]);
  });

  it('says why a sign-in failed', async () => {
    await admin.goto(`${server.url}/login`);
    await admin.getByTestId('login-username').fill('admin');
    await admin.getByTestId('login-password').fill('not-the-password');
    await admin.getByTestId('login-submit').click();
    await expect.poll(() => admin.getByTestId('login-error').getAttribute('data-kind')).toBe('credentials');
  }, 300_000);

  it('lets the admin create an agent', async () => {
    await login(admin, 'admin', ADMIN_PASSWORD);
    await admin.getByTestId('nav-users').click();
    await admin.getByTestId('user-create').click();
    await admin.getByTestId('user-username').fill('sofia');
    await admin.getByTestId('user-display-name').fill('Sofía Ramírez');
    await admin.getByTestId('user-password').fill(AGENT_PASSWORD);
    await admin.getByTestId('user-save').click();
    await admin.getByTestId('user-row-sofia').waitFor();
  }, 300_000);

  it('keeps the form and names the protocol when a connection fails, then saves once it works', async () => {
    await admin.getByTestId('nav-campaigns').click();
    await admin.getByTestId('campaign-create').click();
    await admin.getByTestId('campaign-field-name').fill('Support');
    await admin.getByTestId('campaign-field-key').fill('SUP');
    await admin.getByTestId('campaign-field-fromAddress').fill('support@example.test');

    await admin.getByTestId('campaign-tab-mail').click();
    await admin.getByTestId('campaign-field-inbound.host').fill(dovecot.host);
    await choose(admin, 'campaign-field-inbound.security', 'None (unencrypted)');
    await admin.getByTestId('campaign-field-inbound.port').fill(String(dovecot.imapPort));
    await admin.getByTestId('campaign-field-inbound.username').fill('alice');
    await admin.getByTestId('campaign-field-inbound.password').fill('wrong-Pa55-browser');
    await admin.getByTestId('campaign-field-smtp.host').fill('127.0.0.1');
    await choose(admin, 'campaign-field-smtp.security', 'None (unencrypted)');
    await admin.getByTestId('campaign-field-smtp.port').fill(String(smtp.port));
    await admin.getByTestId('campaign-field-smtp.username').fill('alice');
    await admin.getByTestId('campaign-field-smtp.password').fill(SMTP_PASSWORD);

    await admin.getByTestId('campaign-save').click();
    await admin.getByTestId('connection-errors').waitFor();
    await expect.poll(() => admin.getByTestId('connection-error-imap').count()).toBe(1);
    expect(await admin.getByTestId('connection-error-smtp').count()).toBe(0);
    await admin.getByTestId('campaign-tab-general').click();
    expect(await admin.getByTestId('campaign-field-name').inputValue()).toBe('Support');

    await admin.getByTestId('campaign-tab-mail').click();
    await admin.getByTestId('campaign-field-inbound.password').fill(IMAP_PASSWORD);
    await admin.getByTestId('test-connection-button').click();
    await expect.poll(() => admin.getByTestId('test-connection-result-imap').getAttribute('data-state')).toBe('ok');
    await admin.getByTestId('campaign-field-inbound.password').press('Control+Enter');

    await admin.waitForURL((url) => url.pathname === '/campaigns');
    const row = admin.getByTestId('campaign-row-SUP');
    await expect.poll(() => row.getByTestId('connection-badge-imap').getAttribute('data-state')).toBe('ok');
    expect(await row.getByTestId('connection-badge-smtp').getAttribute('data-state')).toBe('ok');

    await row.getByTestId('verify-button').click();
    await expect.poll(() => row.getByTestId('verify-button').getAttribute('data-busy')).toBe('false');
    expect(await row.getByTestId('connection-badge-imap').getAttribute('data-state')).toBe('ok');
  }, 300_000);

  it('shows a server field error under its field', async () => {
    await admin.getByTestId('campaign-row-SUP').getByTestId('campaign-edit').click();
    await admin.getByTestId('campaign-tab-schedule').click();
    await admin.getByTestId('schedule-add').click();
    await admin.getByTestId('schedule-add').click();
    // Two frames on Monday and Tuesday by default; put the second on Monday too, overlapping.
    await choose(admin, 'campaign-field-schedule.1.day', 'Monday');
    await admin.getByTestId('campaign-save').click();
    await expect.poll(() => admin.getByTestId('campaign-tab-errors-schedule').count()).toBe(1);
  }, 300_000);

  it('says, where ratings are turned on, that replies carry no rating links without a public URL', async () => {
    await admin.getByTestId('campaign-tab-messages').click();
    expect(await admin.getByTestId('rating-links-unavailable').count()).toBe(0);
    await admin.getByTestId('campaign-field-qualification.enabled').check({ force: true });
    await admin.getByTestId('rating-links-unavailable').waitFor();
    expect(await admin.getByTestId('rating-links-unavailable').textContent()).toContain('POSTDESK_PUBLIC_URL');
  }, 300_000);

  it('gives an agent a read-only console and refuses admin pages', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'es-ES' });
    try {
      const agent = await openPage(context);
      await login(agent, 'sofia', AGENT_PASSWORD);
      await agent.getByTestId('nav-campaigns').waitFor();
      expect(await agent.getByTestId('nav-users').count()).toBe(0);
      expect(await agent.getByTestId('campaign-create').count()).toBe(0);
      await agent.goto(`${server.url}/users`);
      await agent.getByTestId('not-allowed').waitFor();
    } finally {
      await context.close();
    }
  }, 300_000);

  it('lets an agent change their own password from the user menu and carry on signed in', async () => {
    const context = await newDesktopContext(browser);
    try {
      const agent = await openPage(context);
      await login(agent, 'sofia', AGENT_PASSWORD);
      const other = await server.login('sofia', AGENT_PASSWORD); // another session of hers, elsewhere
      await agent.getByTestId('user-menu').click();
      await agent.getByTestId('change-password').click();
      await agent.getByTestId('password-current').fill('not-my-password');
      await agent.getByTestId('password-next').fill('a-new-agent-password');
      await agent.getByTestId('password-repeat').fill('a-new-agent-passwort');
      await agent.getByTestId('password-save').click();
      await agent.getByText('The two new passwords differ').waitFor();
      await agent.screenshot({ path: 'test-results/change-password.png' });
      await agent.getByTestId('password-repeat').fill('a-new-agent-password');
      await agent.getByTestId('password-save').click();
      await agent.getByText('This is not your current password').waitFor();
      await agent.getByTestId('password-current').fill(AGENT_PASSWORD);
      await agent.getByTestId('password-save').click();
      await agent.getByTestId('change-password-form').waitFor({ state: 'detached' });
      // still signed in here, with a fresh session; the other session ended; only the new password works
      await agent.reload();
      await agent.getByTestId('user-menu').waitFor();
      expect(new URL(agent.url()).pathname).not.toBe('/login');
      expect((await server.call('GET', '/api/auth/me', { cookie: other })).status).toBe(401);
      await expect(server.login('sofia', AGENT_PASSWORD)).rejects.toThrow(/401/);
      await server.login('sofia', 'a-new-agent-password');
    } finally {
      await context.close();
    }
  }, 300_000);

  it('saves the language to the user', async () => {
    await admin.goto(`${server.url}/campaigns`);
    await admin.getByTestId('user-menu').click();
    await admin.getByTestId('language-es').click();
    await expect.poll(() => admin.getByTestId('nav-campaigns').textContent()).toBe('Campañas');
    await admin.reload();
    await expect.poll(() => admin.getByTestId('nav-campaigns').textContent()).toBe('Campañas');
    expect(pageErrors).toEqual([]);
  }, 300_000);
});
