import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/app.ts';
import { launchChromium, newDesktopContext, signIn, watchedPage } from '../support/browser.ts';
import { insertCampaignRow } from '../support/campaign-row.ts';
import { checkPeer } from '../support/peers.ts';
import { addMembers, setQueue } from '../support/routing-fixtures.ts';

// The agent's desk in daily use, in real Chromium: the reply's subject, the
// message frame (its height, the "load images" offer), closing from the
// keyboard. Interactions are put in the agent's hands directly in the
// database: what is tested is the console, not how mail arrives.

const AGENT_PASSWORD = 'agent-password-123';

interface SeedMessage {
  subject: string;
  html?: string;
  text?: string;
}

describe.skipIf(!checkPeer('chromium').available)('the desk in Chromium', () => {
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  let campaignId: string;
  let agentId: string;
  const pageErrors: string[] = [];
  let rawSha: Buffer;

  /** An open interaction in the agent's hands with its customer messages, newest last; its id. */
  async function inHand(userId: string, subject: string, messages: SeedMessage[], lastMessageAt: Date): Promise<number> {
    const { rows } = await s.db.query<{ id: number }>(
      `INSERT INTO interactions (campaign_id, customer_address, customer_name, subject, queue_state, assigned_to, assigned_at, first_accepted_at, last_message_at, unread)
       VALUES ($1, 'ana@customer.test', 'Ana', $2, 'assigned', $3, now(), now(), $4, false) RETURNING id`,
      [campaignId, subject, userId, lastMessageAt],
    );
    const id = rows[0]!.id;
    for (const m of messages)
      await s.db.query(
        `INSERT INTO messages (campaign_id, interaction_id, direction, kind, subject, from_address, from_name, text_body, html_body, raw_sha256, size)
         VALUES ($1, $2, 'inbound', 'customer', $3, 'ana@customer.test', 'Ana', $4, $5, $6, 1)`,
        [campaignId, id, m.subject, m.text ?? null, m.html ?? null, rawSha],
      );
    return id;
  }

  /** The frame of a message once its document has loaded, with the frame's and its content's heights. */
  async function loadedFrame(messageId: number) {
    const el = page.locator(`iframe[data-testid="message-frame-${messageId}"]`);
    await el.waitFor();
    const frame = (await (await el.elementHandle())!.contentFrame())!;
    await frame.waitForLoadState('load');
    await frame.locator('body').waitFor();
    return { el, frame };
  }

  const messageIds = async (interactionId: number): Promise<number[]> =>
    (await s.db.query<{ id: number }>('SELECT id FROM messages WHERE interaction_id = $1 ORDER BY id', [interactionId])).rows.map((r) => r.id);

  beforeAll(async () => {
    s = await startTestServer({ serveWeb: true, env: { POSTDESK_ROLES: 'api,worker', POSTDESK_ROUTING_TICK_MS: '100' } });
    const admin = await s.login('admin', ADMIN_PASSWORD);
    const created = await s.call('POST', '/api/users', { cookie: admin, body: { username: 'nora', displayName: 'Nora Agent', role: 'agent', password: AGENT_PASSWORD } });
    expect(created.status).toBe(201);
    agentId = created.body.id;
    campaignId = await insertCampaignRow(s.db, { key: 'DESK', name: 'Desk support' });
    await setQueue(s.db, campaignId, { max_interactions_per_agent: 50 });
    const members = await s.call('POST', '/api/members', { cookie: admin, body: { campaignIds: [campaignId], userIds: [agentId] }, headers: { origin: s.url } });
    expect(members.status).toBe(204);
    rawSha = Buffer.from((await s.deps.blobs.put(Buffer.from('From: ana@customer.test\r\nSubject: seeded\r\n\r\nseeded\r\n'))).sha256, 'hex');

    browser = await launchChromium();
    const context = await newDesktopContext(browser);
    // nothing leaves for another host: a remote image asked for is refused here
    await context.route((url) => !url.href.startsWith(s.url) && url.protocol !== 'data:', (route) => route.abort());
    page = await watchedPage(context, { errors: pageErrors });
    await signIn(page, s.url, 'nora', AGENT_PASSWORD);
  }, 120_000);

  afterAll(async () => {
    if (pageErrors.length) console.error('page errors:', pageErrors);
    await browser?.close();
    await s?.stop();
  });

  it('offers one "Re:" in the reply subject whatever prefixes the customer sent', async () => {
    const cases: Array<[string, string]> = [
      ['Re: Re: Order 12', 'Re: Order 12'],
      ['RE: Order 13', 'Re: Order 13'],
      ['Aw: Bestellung 14', 'Re: Bestellung 14'],
      ['R: Ordine 15', 'Re: Ordine 15'],
      ['RV: Pedido 16', 'Re: Pedido 16'],
    ];
    for (const [i, [subject, expected]] of cases.entries()) {
      const id = await inHand(agentId, subject.replace(/^\S+ /, ''), [{ subject, text: `About ${subject}` }], new Date(Date.now() - 3_600_000 - i * 1000));
      await page.goto(`${s.url}/work/${id}`);
      await page.getByTestId(`thread-${id}`).waitFor();
      await page.getByTestId('reply').click();
      await expect.poll(() => page.getByTestId('compose-subject').getAttribute('placeholder')).toBe(expected);
    }
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('sizes the message frame to its content and offers remote images only when some were blocked', async () => {
    const short = await inHand(agentId, 'Short note', [{ subject: 'Short note', html: '<p>Just one line.</p>' }], new Date(Date.now() - 7_200_000));
    const long = await inHand(
      agentId,
      'Long newsletter',
      [{ subject: 'Long newsletter', html: `${'<p>A paragraph of the newsletter that goes on.</p>'.repeat(40)}<img src="https://remote.example/pixel.gif" alt="pixel">` }],
      new Date(Date.now() - 7_300_000),
    );

    await page.goto(`${s.url}/work/${short}`);
    const [shortMessage] = await messageIds(short);
    const a = await loadedFrame(shortMessage!);
    await a.frame.getByText('Just one line.').waitFor();
    const content = () => a.frame.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
    // the frame follows its content (no fixed 380 px box with blank space under one line)
    await expect.poll(async () => Math.abs((await a.el.boundingBox())!.height - (await content())), { timeout: 10_000 }).toBeLessThanOrEqual(4);
    expect((await a.el.boundingBox())!.height).toBeLessThan(120);
    // nothing was blocked: nothing to offer
    expect(await a.frame.locator('html').getAttribute('data-blocked-remote')).toBe('0');
    expect(await page.locator(`[data-testid="load-images-${shortMessage}"]`).count()).toBe(0);

    await page.goto(`${s.url}/work/${long}`);
    const [longMessage] = await messageIds(long);
    const b = await loadedFrame(longMessage!);
    await page.getByTestId(`load-images-${longMessage}`).waitFor();
    const longContent = () => b.frame.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
    await expect.poll(async () => Math.abs((await b.el.boundingBox())!.height - (await longContent())), { timeout: 10_000 }).toBeLessThanOrEqual(4);
    // forty paragraphs do not fit the old fixed box: the whole mail shows without scrolling inside the frame
    expect((await b.el.boundingBox())!.height).toBeGreaterThan(600);
    expect(await b.frame.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight)).toBe(true);
    await page.screenshot({ path: 'test-results/desk-frame.png' });
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('marks an interaction as unread where the campaign allows it, and the desk list shows it unread', async () => {
    const id = await inHand(agentId, 'Come back to this', [{ subject: 'Come back to this', text: 'later' }], new Date(Date.now() + 60_000));
    await page.goto(`${s.url}/work/${id}`);
    await page.getByTestId(`thread-${id}`).waitFor();
    await page.locator(`[data-testid="interaction-row-${id}"][data-unread="false"]`).waitFor();
    // the campaign does not allow it: no such action
    expect(await page.getByTestId('mark-unread').count()).toBe(0);

    await setQueue(s.db, campaignId, { mark_as_unread: true });
    await page.reload();
    await page.getByTestId('mark-unread').click();
    // the desk leaves the thread (opening it would read it again) and the list shows it unread
    await page.waitForURL((url) => url.pathname === '/work');
    await page.locator(`[data-testid="interaction-row-${id}"][data-unread="true"]`).waitFor();
    expect((await s.db.query<{ unread: boolean }>('SELECT unread FROM interactions WHERE id = $1', [id])).rows[0]!.unread).toBe(true);
    await setQueue(s.db, campaignId, { mark_as_unread: false });
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('closes from the keyboard with one shortcut and moves on to the next interaction', async () => {
    const now = Date.now();
    const first = await inHand(agentId, 'Close me first', [{ subject: 'Close me first', text: 'first' }], new Date(now + 3000));
    const second = await inHand(agentId, 'Close me second', [{ subject: 'Close me second', text: 'second' }], new Date(now + 2000));
    const third = await inHand(agentId, 'Then this one', [{ subject: 'Then this one', text: 'third' }], new Date(now + 1000));
    await page.goto(`${s.url}/work/${first}`);
    await page.getByTestId(`thread-${first}`).waitFor();
    await page.getByTestId(`interaction-row-${second}`).waitFor();

    // Alt+C opens the dialog, Alt+C again closes the interaction
    await page.keyboard.press('Alt+c');
    await page.getByTestId('close-form').waitFor();
    await page.keyboard.press('Alt+c');
    await page.waitForURL((url) => url.pathname === `/work/${second}`);
    await page.getByTestId(`thread-${second}`).waitFor();
    expect((await s.db.query<{ status: string }>('SELECT status FROM interactions WHERE id = $1', [first])).rows[0]!.status).toBe('closed');

    // or Alt+C, then Enter
    await page.keyboard.press('Alt+c');
    await page.getByTestId('close-form').waitFor();
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.pathname === `/work/${third}`);
    expect((await s.db.query<{ status: string }>('SELECT status FROM interactions WHERE id = $1', [second])).rows[0]!.status).toBe('closed');
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('lists all of 2,000 interactions in hand, rendering only the rows in view, and reaches the last one by scrolling', async () => {
    // two campaigns of at most 1,000 each: an agent can hold more than any one list cap
    const admin = await s.login('admin', ADMIN_PASSWORD);
    const created = await s.call('POST', '/api/users', { cookie: admin, body: { username: 'otto', displayName: 'Otto Agent', role: 'agent', password: AGENT_PASSWORD } });
    expect(created.status).toBe(201);
    const otto = created.body.id as string;
    const more = await insertCampaignRow(s.db, { key: 'MORE', name: 'More support' });
    for (const c of [campaignId, more]) await setQueue(s.db, c, { max_interactions_per_agent: 1000 });
    await addMembers(s.db, more, [otto]);
    await s.db.query(`INSERT INTO campaign_members (campaign_id, user_id, position) VALUES ($1, $2, 1)`, [campaignId, otto]);
    await s.db.query(
      `INSERT INTO interactions (campaign_id, customer_address, subject, queue_state, assigned_to, assigned_at, first_accepted_at, last_message_at, unread)
       SELECT CASE WHEN g % 2 = 0 THEN $1::uuid ELSE $2::uuid END, 'customer' || g || '@example.test', 'Held number ' || g,
              'assigned', $3, now(), now(), now() - g * interval '1 second', g % 3 = 0
         FROM generate_series(1, 2000) g`,
      [campaignId, more, otto],
    );
    const { rows: [last] } = await s.db.query<{ id: number }>(`SELECT id FROM interactions WHERE subject = 'Held number 2000'`);

    // the API hands over every one of them
    const ottoCookie = await s.login('otto', AGENT_PASSWORD);
    const listed = await s.call('GET', '/api/me/inbox', { cookie: ottoCookie });
    expect(listed.body.active).toHaveLength(2000);
    expect(listed.body.active.at(-1).id).toBe(last!.id);

    const context = await newDesktopContext(browser);
    const desk = await watchedPage(context, { errors: pageErrors });
    await signIn(desk, s.url, 'otto', AGENT_PASSWORD);
    await desk.getByTestId('my-interactions').waitFor();
    await desk.getByTestId('interaction-row-' + listed.body.active[0].id).waitFor();
    expect(await desk.getByTestId('my-interactions').innerText()).toContain('2000');
    // virtualised: a screenful of rows is in the page, not 2,000
    const inPage = () => desk.locator('[data-testid^="interaction-row-"]').count();
    expect(await inPage()).toBeLessThan(100);

    // scroll to the end (row heights are measured as they come into view, so the end moves: scroll until it shows)
    const lastRow = desk.getByTestId(`interaction-row-${last!.id}`);
    await expect
      .poll(async () => {
        await desk.getByTestId('desk-lists').evaluate((el) => {
          const viewport = el.closest('.mantine-ScrollArea-viewport');
          if (viewport) viewport.scrollTop = viewport.scrollHeight;
        });
        return lastRow.isVisible();
      }, { timeout: 30_000 })
      .toBe(true);
    expect(await lastRow.innerText()).toContain('Held number 2000');
    expect(await inPage()).toBeLessThan(100);
    // and it opens
    await lastRow.click();
    await desk.getByTestId(`thread-${last!.id}`).waitFor();
    await desk.screenshot({ path: 'test-results/desk-2000.png' });
    expect(pageErrors).toEqual([]);
    await context.close();
  }, 120_000);
});
