import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/app.ts';
import { launchChromium, newDesktopContext, signIn, watchedPage } from '../support/browser.ts';
import { insertCampaignRow } from '../support/campaign-row.ts';
import { checkPeer } from '../support/peers.ts';

// The supervisor's Interactions screen in real Chromium: an advanced search
// of three conditions (one switched off, one `contains` on the customer's
// address) shows exactly the expected interactions of a seeded set; the
// email viewer of a three-message thread prints with every message on the
// page (print media emulated, then printed to PDF).

const PASSWORD = 'supervisor-password-1';

describe.skipIf(!checkPeer('chromium').available)('records screens in Chromium', () => {
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  let expected: number[] = [];
  let threadId: number;
  const messageIds: number[] = [];

  beforeAll(async () => {
    s = await startTestServer({ serveWeb: true });
    const admin = await s.login('admin', ADMIN_PASSWORD);
    const u = await s.call('POST', '/api/users', { cookie: admin, body: { username: 'sara', displayName: 'Sara Supervisor', role: 'supervisor', password: PASSWORD } });
    expect(u.status).toBe(201);
    const campaignId = await insertCampaignRow(s.db, { key: 'REC', name: 'Recorded' });
    // supervisors see the campaigns an admin assigns them
    expect((await s.call('PUT', `/api/users/${u.body.id}/supervised-campaigns`, { cookie: admin, body: { campaignIds: [campaignId] } })).status).toBeLessThan(300);
    // 36 interactions: a third at gmail, half closed, subjects that the disabled condition would exclude
    const { rows } = await s.db.query<{ id: number; customer_address: string; status: string }>(
      `INSERT INTO interactions (campaign_id, customer_address, customer_name, subject, status, queue_state, created_at)
       SELECT $1, CASE WHEN g % 3 = 0 THEN 'buyer' || g || '@gmail.test' ELSE 'buyer' || g || '@corp.test' END, 'Buyer ' || g,
              'Order ' || g, CASE WHEN g % 2 = 0 THEN 'closed' ELSE 'open' END, CASE WHEN g % 2 = 0 THEN 'done' ELSE 'waiting' END,
              now() - g * interval '1 hour'
         FROM generate_series(1, 36) g RETURNING id, customer_address, status`,
      [campaignId],
    );
    expected = rows.filter((r) => r.customer_address.includes('gmail') && r.status === 'closed').map((r) => r.id).sort((a, b) => b - a);

    // a thread of three messages with bodies and raw bytes in the blob store
    const t = await s.db.query<{ id: number }>(
      `INSERT INTO interactions (campaign_id, customer_address, customer_name, subject, status, queue_state, created_at)
       VALUES ($1, 'ana@customer.test', 'Ana López', 'Printed thread', 'closed', 'done', now() - interval '30 days') RETURNING id`,
      [campaignId],
    );
    threadId = t.rows[0]!.id;
    const bodies = ['First question from Ana about the invoice.', 'Our first answer: the invoice is being checked.', 'Ana thanks us and closes the matter.'];
    for (const [n, text] of bodies.entries()) {
      const raw = Buffer.from(`From: x@y.test\r\nSubject: Printed thread ${n + 1}\r\n\r\n${text}\r\n`);
      const blob = await s.deps.blobs.put(raw);
      const m = await s.db.query<{ id: number }>(
        `INSERT INTO messages (campaign_id, interaction_id, direction, kind, subject, from_address, from_name, to_addresses, sent_date, text_body, raw_sha256, size, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), $9, $10, $11, now() - interval '30 days' + $12 * interval '1 hour') RETURNING id`,
        [campaignId, threadId, n === 1 ? 'outbound' : 'inbound', n === 1 ? 'agent' : 'customer', `Printed thread part ${n + 1}`, n === 1 ? 'support@example.test' : 'ana@customer.test', n === 1 ? 'Support' : 'Ana López',
          JSON.stringify([{ address: n === 1 ? 'ana@customer.test' : 'support@example.test' }]), text, Buffer.from(blob.sha256, 'hex'), raw.length, n],
      );
      messageIds.push(m.rows[0]!.id);
    }
    browser = await launchChromium();
    page = await watchedPage(await newDesktopContext(browser), { errors });
    await signIn(page, s.url, 'sara', PASSWORD);
    // a supervisor lands on the campaigns (the home redirect) before using the navigation
    await page.waitForURL((url) => url.pathname === '/campaigns');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  /** Picks an option of a Mantine select. */
  async function choose(testId: string, option: string): Promise<void> {
    await page.getByTestId(testId).click();
    await page.getByRole('option', { name: option, exact: true }).click();
  }

  it('runs an advanced search of three conditions, one disabled, and shows exactly the expected interactions', async () => {
    await page.getByTestId('nav-records').click();
    await page.getByTestId('records-table').waitFor();
    await page.getByTestId('records-advanced').click();
    for (let i = 0; i < 3; i += 1) await page.getByTestId('condition-add').click();
    // 1: customer email contains "GMAIL" (any case)
    await choose('condition-operator-0', 'contains');
    await page.getByTestId('condition-value-0').fill('GMAIL');
    // 2: status equals closed
    await choose('condition-field-1', 'Status');
    await page.getByTestId('condition-value-1').fill('closed');
    // 3: subject starts with something nothing has — switched off, so it must not count
    await choose('condition-field-2', 'Subject');
    await choose('condition-operator-2', 'starts with');
    await page.getByTestId('condition-value-2').fill('no such subject');
    await page.getByTestId('condition-enabled-2').click({ force: true });
    await page.getByTestId('records-search').click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid^="record-select-"]').length === n, expected.length);
    const shown = await page.$$eval('[data-testid^="record-select-"]', (els) => els.map((e) => Number(e.getAttribute('data-testid')!.replace('record-select-', ''))));
    expect(shown).toEqual(expected);
    expect(expected.length).toBe(6);
    // switched back on, the third condition empties the list
    await page.getByTestId('condition-enabled-2').click({ force: true });
    await page.getByTestId('records-search').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid^="record-select-"]').length === 0);
    expect(errors).toEqual([]);
  }, 300_000);

  it('prints the whole thread: every message with its headers, none of the console around it', async () => {
    await page.goto(`${s.url}/records/${threadId}`);
    await page.getByTestId('record-viewer').waitFor();
    for (const id of messageIds) await page.getByTestId(`record-message-${id}`).waitFor();
    // every body frame has loaded its message
    for (const [n, id] of messageIds.entries()) {
      const frame = page.frameLocator(`[data-testid="message-frame-${id}"]`);
      await frame.locator('body').filter({ hasText: ['First question', 'Our first answer', 'Ana thanks us'][n]! }).waitFor();
    }
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('.mantine-AppShell-navbar').isVisible()).toBe(false);
    expect(await page.getByTestId('record-print').isVisible()).toBe(false);
    for (const [n, id] of messageIds.entries()) {
      const card = page.getByTestId(`record-message-${id}`);
      expect(await card.isVisible()).toBe(true);
      expect(await card.innerText()).toContain(`Printed thread part ${n + 1}`);
      // the frame is given its print height, so the body is not cut to a sliver
      const box = await card.locator('iframe').boundingBox();
      expect(box!.height).toBeGreaterThan(300);
    }
    const pdf = await page.pdf({ format: 'A4', printBackground: false });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    // one page object per page; three messages of 120 mm frames need at least two A4 pages
    const pages = pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)/g) ?? [];
    expect(pages.length).toBeGreaterThanOrEqual(2);
    await page.emulateMedia({ media: 'screen' });
    expect(errors).toEqual([]);
  }, 300_000);
});
