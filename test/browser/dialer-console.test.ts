import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../peers/smtp-sink.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/app.ts';
import { launchChromium, newDesktopContext, signIn, watchedPage } from '../support/browser.ts';
import { insertCampaignRow } from '../support/campaign-row.ts';
import { checkPeer } from '../support/peers.ts';

// The dialer's configuration and blacklist from the console, in Chromium:
// an admin sets Monday–Friday 13:00–18:00 in Europe/Madrid and a calendar
// invitation whose end is before its start (refused on the end field), fixes
// it and saves — the server holds what the form showed; a small list is sent
// to smtp-sink and the messages-per-minute chart counts it; the Blacklist
// tab refuses a file naming its bad lines, takes the fixed one, finds an
// address by a part of it, adds and removes one by hand. Screenshots of each
// screen land in test-results/.

const peersReady = checkPeer('chromium').available && checkPeer('smtp-sink').available;

describe.skipIf(!peersReady)('the dialer console: configuration, chart and blacklist in Chromium', () => {
  let sink: SmtpSink;
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  let cookie: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    sink = await startSmtpSink();
    s = await startTestServer({ serveWeb: true, env: { POSTDESK_ROLES: 'api,worker', POSTDESK_PUBLIC_URL: 'https://desk.example.test' } });
    cookie = await s.login('admin', ADMIN_PASSWORD);
    const campaignId = await insertCampaignRow(s.db, { name: 'Autumn', fromAddress: 'news@acme.test' });
    await s.db.query(`UPDATE campaigns SET smtp_host = '127.0.0.1', smtp_port = $2, smtp_security = 'none', smtp_auth = false WHERE id = $1`, [campaignId, sink.port]);
    const t = await s.call('POST', '/api/templates', { cookie, body: { name: 'Autumn offer', campaignId, html: '<p>Hello ${name}</p>' } });
    expect(t.status, t.text).toBe(201);
    browser = await launchChromium();
    page = await watchedPage(await newDesktopContext(browser), { errors: pageErrors });
    await signIn(page, s.url, 'admin', ADMIN_PASSWORD);
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await s?.stop();
    await sink?.stop();
  });

  const pick = async (select: Locator, option: string) => {
    await select.click();
    await page.getByRole('option', { name: option, exact: true }).click();
  };
  const errorOf = (input: Locator) => input.locator('xpath=ancestor::div[contains(@class,"mantine-InputWrapper-root")][1]').locator('.mantine-InputWrapper-error');

  it('configures schedule, time zone and invitation (end before start refused on its field), then sends a list and charts it', async () => {
    await page.getByTestId('nav-dialers').click();
    await page.getByTestId('dialer-create').click();
    const form = page.getByTestId('dialer-form');
    await form.getByTestId('dialer-name').fill('Autumn mailing');
    await pick(form.getByTestId('dialer-campaign'), 'Autumn');
    await pick(form.getByTestId('dialer-template'), 'Autumn offer');
    await form.getByTestId('dialer-subject').fill('Meet us, ${name}');
    await form.getByTestId('dialer-max-per-second').fill('200');
    await form.getByTestId('dialer-domain-limits').fill('example.test 1000\ngmail.com 60');
    await form.getByTestId('dialer-timezone').click();
    await form.getByTestId('dialer-timezone').fill('Europe/Madr');
    await page.getByRole('option', { name: 'Europe/Madrid', exact: true }).click();
    // the first row added is Monday to Friday
    await form.getByTestId('dialer-schedule-add').click();
    const row = form.getByTestId('dialer-schedule-row-0');
    await row.getByTestId('dialer-schedule-start').fill('13:00');
    await row.getByTestId('dialer-schedule-end').fill('18:00');
    await form.getByTestId('dialer-invite-on').click();
    await form.getByTestId('dialer-invite-summary').fill('Autumn demo');
    await form.getByTestId('dialer-invite-organizer').fill('sales@acme.test');
    await form.getByTestId('dialer-invite-start').fill('2026-03-01T10:00:00+01:00');
    await form.getByTestId('dialer-invite-end').fill('2026-03-01T08:30:00Z');
    await form.getByTestId('dialer-save').click();
    await expect.poll(() => errorOf(form.getByTestId('dialer-invite-end')).textContent()).toBe('Must be after the start');
    await page.screenshot({ path: 'test-results/dialer-form-invite-error.png', fullPage: true });

    await form.getByTestId('dialer-invite-end').fill('2026-03-01T10:30:00Z');
    await form.getByTestId('dialer-save').click();
    await form.waitFor({ state: 'detached' });
    const list = (await s.call('GET', '/api/dialers', { cookie })).body.items as Array<Record<string, any>>;
    const d = list.find((x) => x.name === 'Autumn mailing')!;
    expect(d).toMatchObject({
      timezone: 'Europe/Madrid',
      maxPerSecond: 200,
      domainLimits: [{ domain: 'example.test', perMinute: 1000 }, { domain: 'gmail.com', perMinute: 60 }],
      schedule: [1, 2, 3, 4, 5].map((day) => ({ day, start: '13:00', end: '18:00' })),
      invite: { summary: 'Autumn demo', organizerEmail: 'sales@acme.test', start: '2026-03-01T10:00:00+01:00', end: '2026-03-01T10:30:00Z' },
    });

    // the edit form shows the stored schedule as one row of five weekdays
    const card = page.getByTestId('dialer-Autumn mailing');
    await card.getByTestId('dialer-edit').click();
    const edit = page.getByTestId('dialer-form');
    await edit.getByTestId('dialer-schedule-row-0').waitFor();
    expect(await edit.getByTestId('dialer-schedule-row-1').count()).toBe(0);
    const checked = await edit.getByTestId('dialer-schedule-row-0').locator('input[type=checkbox]').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).checked));
    expect(checked).toEqual([true, true, true, true, true, false, false]);
    await page.screenshot({ path: 'test-results/dialer-form.png', fullPage: true });
    // always open, so the list goes out now, whatever the test machine's clock says
    await edit.getByTestId('dialer-schedule-row-0').getByRole('button').click();
    await edit.getByTestId('dialer-save').click();
    await edit.waitFor({ state: 'detached' });
    expect((await s.call('GET', `/api/dialers/${d.id}`, { cookie })).body.schedule).toEqual([]);

    const rows = Array.from({ length: 12 }, (_, i) => `Autumn;a${i}@example.test;;;name=A${i};`);
    await card.locator('input[type=file]').setInputFiles({ name: 'autumn.csv', mimeType: 'text/csv', buffer: Buffer.from(rows.join('\n')) });
    await card.locator('[data-testid="dialer-progress"][data-total="12"]').waitFor();
    await card.getByTestId('dialer-start').click();
    await card.locator('[data-testid="dialer-progress"][data-processed="12"]').waitFor();
    // the chart follows the ledger's minutes: all 12 sent in the last hour
    await card.locator('[data-testid="dialer-chart"][data-sent="12"]').waitFor();
    // a bar is drawn (a path) for the minute the list went out; empty minutes draw none
    await card.locator('.recharts-bar-rectangle path').first().waitFor({ state: 'attached' });
    expect((await sink.waitForMessages(12)).length).toBe(12);
    await card.screenshot({ path: 'test-results/dialer-dashboard.png' });
  }, 300_000);

  it('refuses a blacklist file naming its bad lines, takes the fixed one, searches, adds and removes by hand', async () => {
    await page.getByTestId('dialer-tab-blacklist').click();
    const panel = page.getByTestId('blacklist-panel');
    await panel.waitFor();
    const lines = ['address;note', 'ana@example.com;moved', 'not-an-address', 'Bob@Example.COM', 'carla@example.org;a;b', 'dan@shop.example.net'];
    const input = panel.locator('input[type=file]');
    await input.setInputFiles({ name: 'bl.csv', mimeType: 'text/csv', buffer: Buffer.from(lines.join('\r\n')) });
    const report = page.getByTestId('blacklist-report');
    await report.waitFor();
    expect(await report.getByTestId('blacklist-problem').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-line'))))).toEqual([3, 5]);
    expect(await report.textContent()).toContain('Nothing was added');
    await page.screenshot({ path: 'test-results/dialer-blacklist-report.png', fullPage: true });
    await page.keyboard.press('Escape');
    await report.waitFor({ state: 'detached' });
    expect((await s.db.query<{ n: number }>('SELECT count(*)::int AS n FROM dialer_blacklist')).rows).toEqual([{ n: 0 }]);

    await input.setInputFiles({ name: 'bl-fixed.csv', mimeType: 'text/csv', buffer: Buffer.from(lines.filter((_, i) => i !== 2 && i !== 4).join('\r\n')) });
    await panel.locator('[data-testid="blacklist-total"][data-total="3"]').waitFor();
    await panel.getByTestId('blacklist-search').fill('EXAMPLE.COM');
    await panel.locator('[data-testid="blacklist-total"][data-total="2"]').waitFor();
    expect(await panel.getByTestId('blacklist-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-address')).sort())).toEqual(['ana@example.com', 'bob@example.com']);

    await panel.getByTestId('blacklist-search').fill('');
    await panel.getByTestId('blacklist-add').click();
    const add = page.getByTestId('blacklist-form');
    await add.getByTestId('blacklist-address').fill('ANA@example.com');
    await add.getByTestId('blacklist-save').click();
    // the same address in another case is the same entry: refused on the field
    await expect.poll(() => errorOf(add.getByTestId('blacklist-address')).textContent()).toBe('blacklisted already');
    await add.getByTestId('blacklist-address').fill('eve@example.io');
    await add.getByTestId('blacklist-note').fill('asked by phone');
    await add.getByTestId('blacklist-save').click();
    await add.waitFor({ state: 'detached' });
    await panel.locator('[data-testid="blacklist-total"][data-total="4"]').waitFor();
    await page.screenshot({ path: 'test-results/dialer-blacklist.png', fullPage: true });

    await panel.locator('[data-testid="blacklist-row"][data-address="bob@example.com"]').getByTestId('blacklist-remove').click();
    await page.getByTestId('blacklist-remove-confirm').click();
    await panel.locator('[data-testid="blacklist-total"][data-total="3"]').waitFor();
    expect((await s.db.query('SELECT address FROM dialer_blacklist ORDER BY address')).rows.map((r) => r.address)).toEqual(['ana@example.com', 'dan@shop.example.net', 'eve@example.io']);
    expect(pageErrors).toEqual([]);
  }, 300_000);
});
