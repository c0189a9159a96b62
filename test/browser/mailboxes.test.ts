import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotPeer } from '../peers/dovecot.ts';
import { startSmtpSink, type SmtpSink } from '../peers/smtp-sink.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/app.ts';
import { launchChromium, newDesktopContext, signIn, watchedPage } from '../support/browser.ts';
import { campaignBody } from '../support/campaign-input.ts';
import { appendMessages, customerMail, eventually } from '../support/mail-fixtures.ts';
import { checkPeer } from '../support/peers.ts';

// The supervisor's view of inbound mail in real Chromium, against a real
// sync of a real Dovecot: live mailbox state, and a hostile quarantined
// message that must stay text.

const PASSWORD = 'imap-Pa55-browser-mb';
const HOSTILE = '<img src=x onerror="window.__pwned=1">Refund NOW';
const peersReady = checkPeer('chromium').available && checkPeer('dovecot').available && checkPeer('smtp-sink').available;

describe.skipIf(!peersReady)('mailboxes and quarantine in Chromium', () => {
  let dv: DovecotPeer;
  let sink: SmtpSink;
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const dialogs: string[] = [];

  beforeAll(async () => {
    [dv, sink] = await Promise.all([startDovecot({ users: { alice: PASSWORD } }), startSmtpSink()]);
    s = await startTestServer({ serveWeb: true, env: { POSTDESK_ROLES: 'api,sync', POSTDESK_LEASE_SEC: '3', POSTDESK_RESYNC_SEC: '2' } });
    const admin = await s.login('admin', ADMIN_PASSWORD);
    const res = await s.call('POST', '/api/campaigns', {
      cookie: admin,
      body: campaignBody({ inbound: { port: dv.imapPort, password: PASSWORD }, smtp: { port: sink.port, auth: false, username: '', password: undefined } }),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    browser = await launchChromium();
    page = await watchedPage(await newDesktopContext(browser), { errors: pageErrors, dialogs });
    await signIn(page, s.url, 'admin', ADMIN_PASSWORD);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await s?.stop();
    await Promise.all([dv?.stop(), sink?.stop()]);
  });

  it('shows the mailbox connected, then the quarantined count rising live', async () => {
    await page.getByTestId('nav-mailboxes').click();
    await expect.poll(() => page.getByTestId('mailbox-row-SUP').getAttribute('data-state'), { timeout: 60_000 }).toBe('connected');
    expect(await page.getByTestId('mailbox-quarantined-SUP').innerText()).toBe('0');

    const deep = 40;
    const open = Array.from({ length: deep }, (_, i) => `Content-Type: multipart/mixed; boundary="d${i}"\r\n\r\n--d${i}\r\n`).join('');
    const poison = Buffer.from(`From: "<b>Boss</b>" <boss@customer.test>\r\nSubject: ${HOSTILE}\r\nMIME-Version: 1.0\r\n${open}Content-Type: text/plain\r\n\r\nhi\r\n`);
    const fine = customerMail({ from: 'ana@customer.test', subject: 'A normal question' });
    await appendMessages(dv, 'alice', PASSWORD, 'INBOX', [poison, fine.raw]);
    // no reload: the screen refreshes by itself
    await expect.poll(() => page.getByTestId('mailbox-quarantined-SUP').innerText(), { timeout: 60_000 }).toBe('1');
    await expect.poll(() => page.getByTestId('mailbox-waiting-SUP').innerText(), { timeout: 60_000 }).toBe('1');
    await page.screenshot({ path: 'test-results/mailboxes.png' });
  }, 300_000);

  it('lists the hostile message as text, downloads it, and reprocesses it', async () => {
    await page.getByTestId('mailbox-quarantined-SUP').click();
    await page.getByTestId('quarantine-table').waitFor();
    const id = await eventually(async () => (await s.db.query<{ id: number }>('SELECT id FROM quarantine')).rows[0]?.id, 10_000, 'quarantine row');
    const row = page.getByTestId(`quarantine-row-${id}`);
    await row.waitFor();
    expect(await row.getByTestId('quarantine-subject').innerText()).toBe(HOSTILE);
    expect(await row.locator('img').count()).toBe(0);
    expect(await row.getByTestId(`quarantine-reason-${id}`).getAttribute('data-code')).toBe('too_deep');
    expect(await row.getByTestId(`quarantine-reason-${id}`).innerText()).toMatch(/nested too deeply/i);

    const download = page.waitForEvent('download');
    await page.getByTestId(`quarantine-download-${id}`).click();
    expect((await download).suggestedFilename()).toBe(`quarantine-${id}.eml`);

    await page.getByTestId(`quarantine-reprocess-${id}`).click();
    // the same limits refuse it again: it stays, and the user is told
    await expect.poll(() => page.getByText(/still quarantined/i).count(), { timeout: 60_000 }).toBeGreaterThan(0);
    await page.screenshot({ path: 'test-results/quarantine.png' });
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
  }, 300_000);
});
