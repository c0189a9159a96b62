import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../peers/smtp-sink.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/app.ts';
import { launchChromium, newDesktopContext, signIn, watchedPage } from '../support/browser.ts';
import { insertCampaignRow } from '../support/campaign-row.ts';
import { checkPeer } from '../support/peers.ts';

// A contact center runs a mailing from the console: a dialer is created, a
// 50-row list with two bad rows is refused with the lines named and nothing
// imported, the corrected list (48 rows) is imported, started against
// Postfix's smtp-sink, and the progress bar and counters follow it live to
// 48 sent — the screen re-reads on the server's hints, nothing polls.

const peersReady = checkPeer('chromium').available && checkPeer('smtp-sink').available;
const BAD = new Set([12, 37]);

describe.skipIf(!peersReady)('the dialer in Chromium', () => {
  let sink: SmtpSink;
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    sink = await startSmtpSink();
    s = await startTestServer({ serveWeb: true, env: { POSTDESK_ROLES: 'api,worker', POSTDESK_PUBLIC_URL: 'https://desk.example.test' } });
    const admin = await s.login('admin', ADMIN_PASSWORD);
    const campaignId = await insertCampaignRow(s.db, { name: 'Spring', fromAddress: 'news@acme.test' });
    await s.db.query(`UPDATE campaigns SET smtp_host = '127.0.0.1', smtp_port = $2, smtp_security = 'none', smtp_auth = false WHERE id = $1`, [campaignId, sink.port]);
    const t = await s.call('POST', '/api/templates', { cookie: admin, body: { name: 'Spring offer', campaignId, html: '<p>Hello ${name},</p><p>your code is ${code}.</p>' } });
    expect(t.status, t.text).toBe(201);
    browser = await launchChromium();
    page = await watchedPage(await newDesktopContext(browser), { errors: pageErrors });
    await signIn(page, s.url, 'admin', ADMIN_PASSWORD);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await s?.stop();
    await sink?.stop();
  });

  const pick = async (select: Locator, option: string) => {
    await select.click();
    await page.getByRole('option', { name: option }).click();
  };
  /** Waits until the card's progress reaches `processed`, failing only when it stops moving for 30 s. */
  const progressReaches = async (card: Locator, processed: number) => {
    const bar = card.getByTestId('dialer-progress');
    let last = -1;
    let since = Date.now();
    for (;;) {
      const now = Number(await bar.getAttribute('data-processed'));
      if (now === processed) return;
      if (now !== last) [last, since] = [now, Date.now()];
      if (Date.now() - since > 30_000) throw new Error(`the progress stopped at ${now} of ${processed}`);
      await page.waitForTimeout(100);
    }
  };

  it('creates a dialer, refuses a list naming its bad lines, imports the fixed one and watches it reach 48 sent', async () => {
    await page.getByTestId('nav-dialers').click();
    await page.getByTestId('dialer-create').click();
    const form = page.getByTestId('dialer-form');
    await form.getByTestId('dialer-name').fill('Spring mailing');
    await pick(form.getByTestId('dialer-campaign'), 'Spring');
    await pick(form.getByTestId('dialer-template'), 'Spring offer');
    await form.getByTestId('dialer-subject').fill('Your code, ${name}');
    await form.getByTestId('dialer-domain-limits').fill('example.test 1000');
    await form.getByTestId('dialer-save').click();
    await form.waitFor({ state: 'detached' });
    const card = page.getByTestId('dialer-Spring mailing');
    await card.waitFor();
    expect(await card.getByTestId('dialer-state').textContent()).toBe('Not started');

    // 50 rows, lines 12 (not an address) and 37 (a variable the template uses is missing) wrong
    const rows = Array.from({ length: 50 }, (_, i) => {
      const line = i + 1;
      if (line === 12) return 'Spring;not-an-address;;;name=Bad:code=12;';
      if (line === 37) return 'Spring;r37@example.test;;;name=NoCode;';
      return `Spring;r${line}@example.test;;;name=N${line}:code=${line};`;
    });
    const input = card.locator('input[type=file]');
    await input.setInputFiles({ name: 'spring.csv', mimeType: 'text/csv', buffer: Buffer.from(rows.join('\r\n')) });
    const report = page.getByTestId('list-report');
    await report.waitFor();
    const lines = await report.getByTestId('list-problem').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-line'))));
    expect(lines).toEqual([12, 37]);
    expect(await report.textContent()).toContain('Nothing was imported');
    await page.keyboard.press('Escape');
    await report.waitFor({ state: 'detached' });
    expect(await card.getByTestId('dialer-progress').getAttribute('data-total')).toBe('0');

    // fixed by dropping the two rows: 48 imported
    const fixed = rows.filter((_, i) => !BAD.has(i + 1));
    await input.setInputFiles({ name: 'spring-fixed.csv', mimeType: 'text/csv', buffer: Buffer.from(fixed.join('\r\n')) });
    await card.locator('[data-testid="dialer-progress"][data-total="48"]').waitFor();
    expect(await card.getByTestId('dialer-count-queued').textContent()).toBe('48');

    await card.getByTestId('dialer-start').click();
    await progressReaches(card, 48);
    expect(await card.getByTestId('dialer-count-sent').textContent()).toBe('48');
    expect(await card.getByTestId('dialer-count-failed').textContent()).toBe('0');
    expect(await card.getByTestId('dialer-count-queued').textContent()).toBe('0');
    await card.getByTestId('dialer-state').filter({ hasText: 'Finished' }).waitFor();

    // each recipient once, at the sink
    const got = await sink.waitForMessages(48);
    const to = got.map((m) => m.rcptTo[0]);
    expect(new Set(to).size).toBe(48);
    expect(to).not.toContain('<r12@example.test>');
    expect(to).not.toContain('<r37@example.test>');
    expect(pageErrors).toEqual([]);
  }, 300_000);
});
