import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/app.ts';
import { launchChromium, newDesktopContext, signIn, watchedPage } from '../support/browser.ts';
import { insertCampaignRow } from '../support/campaign-row.ts';
import { checkPeer } from '../support/peers.ts';
import { insertWaiting } from '../support/routing-fixtures.ts';

// Routing in real Chromium: an agent goes available from the header, an
// interaction with a hostile subject is offered live on their desk and
// accepted from the keyboard, while the supervisor's live view follows;
// then the supervisor logs the agent out.

const HOSTILE = '<img src=x onerror="window.__pwned=1">Where is my order?';
const AGENT_PASSWORD = 'agent-password-123';

describe.skipIf(!checkPeer('chromium').available)('routing screens in Chromium', () => {
  let s: TestServer;
  let browser: Browser;
  let agent: Page;
  let supervisor: Page;
  const pageErrors: string[] = [];

  async function signedIn(context: BrowserContext, username: string, password: string): Promise<Page> {
    const page = await watchedPage(context, { errors: pageErrors });
    await signIn(page, s.url, username, password);
    return page;
  }

  beforeAll(async () => {
    s = await startTestServer({ serveWeb: true, env: { POSTDESK_ROLES: 'api,worker', POSTDESK_ROUTING_TICK_MS: '100' } });
    const admin = await s.login('admin', ADMIN_PASSWORD);
    const created = await s.call('POST', '/api/users', {
      cookie: admin,
      body: { username: 'dana', displayName: 'Dana Agent', role: 'agent', password: AGENT_PASSWORD },
    });
    expect(created.status).toBe(201);
    const campaignId = await insertCampaignRow(s.db, { key: 'LIVE', name: 'Live support' });
    await s.call('POST', '/api/members', { cookie: admin, body: { campaignIds: [campaignId], userIds: [created.body.id] } });
    await s.call('POST', '/api/pause-reasons', { cookie: admin, body: { name: 'Lunch' }, headers: { origin: s.url } });
    (globalThis as { campaignId?: string }).campaignId = campaignId;

    browser = await launchChromium();
    const agentContext = await newDesktopContext(browser);
    // Count what the desk announces: chimes (Web Audio contexts made) and desktop
    // notifications (shown only while the tab is hidden, which the test decides).
    await agentContext.addInitScript(() => {
      const w = window as unknown as { __chimes: number; __notes: string[]; __hidden: boolean };
      w.__chimes = 0;
      w.__notes = [];
      w.__hidden = false;
      (window as unknown as { AudioContext: unknown }).AudioContext = class {
        constructor() {
          w.__chimes++;
          throw new Error('no audio device in tests');
        }
      };
      (window as unknown as { Notification: unknown }).Notification = class {
        static permission = 'granted';
        static requestPermission = async () => 'granted';
        onclick: (() => void) | null = null;
        constructor(title: string, options?: { body?: string }) {
          w.__notes.push(`${title}: ${options?.body ?? ''}`);
        }
        close() {}
      };
      Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => w.__hidden });
    });
    agent = await signedIn(agentContext, 'dana', AGENT_PASSWORD);
    supervisor = await signedIn(await newDesktopContext(browser), 'admin', ADMIN_PASSWORD);
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('the agent lands on their desk, goes available, and the supervisor sees it live', async () => {
    expect(new URL(agent.url()).pathname).toBe('/work');
    await agent.getByTestId('no-offers').waitFor();
    await expect.poll(() => agent.getByTestId('live-state').getAttribute('data-connected')).toBe('true');
    await supervisor.getByTestId('nav-live').click();
    await supervisor.getByTestId('agent-row-dana').waitFor();
    expect(await supervisor.getByTestId('agent-row-dana').getAttribute('data-state')).toBe('offline');

    await agent.getByTestId('presence-menu').click();
    await agent.getByTestId('presence-available').click();
    await expect.poll(() => agent.getByTestId('presence-menu').getAttribute('data-state')).toBe('available');
    await expect.poll(() => supervisor.getByTestId('agent-row-dana').getAttribute('data-state')).toBe('available');
  }, 300_000);

  it('a mail offered again and again chimes once, notifies the hidden tab once, and the tab title counts it', async () => {
    const created = await s.db.query<{ id: string }>(`SELECT id FROM users WHERE username = 'dana'`);
    const ring = await insertCampaignRow(s.db, { key: 'RING', name: 'Ring all' });
    await s.db.query(`INSERT INTO campaign_members (campaign_id, user_id) VALUES ($1, $2)`, [ring, created.rows[0]!.id]);
    await s.db.query(`UPDATE campaigns SET offer_timeout_sec = 5, strategy = 'ring_all' WHERE id = $1`, [ring]);
    await agent.getByTestId('desktop-alerts').click();
    await agent.evaluate(() => {
      (window as unknown as { __hidden: boolean }).__hidden = true;
    });
    const chimesBefore = await agent.evaluate(() => (window as unknown as { __chimes: number }).__chimes);
    const [id] = await insertWaiting(s.db, ring, 1);
    await agent.getByTestId(`offer-${id}`).waitFor();
    await expect.poll(() => agent.title()).toMatch(/^\(1\) /);
    // nobody answers: the offer lapses after 5 s and the same mail is offered again, twice
    const offersMade = async () => Number((await s.db.query<{ n: string }>(`SELECT count(*) AS n FROM offers WHERE interaction_id = $1`, [id])).rows[0]!.n);
    await expect.poll(offersMade, { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
    await agent.getByTestId(`offer-${id}`).waitFor();
    expect(await agent.evaluate(() => (window as unknown as { __chimes: number }).__chimes)).toBe(chimesBefore + 1);
    const notes = await agent.evaluate(() => (window as unknown as { __notes: string[] }).__notes);
    expect(notes).toEqual(['New interaction in RING: Question 1']);
    await agent.evaluate(() => {
      (window as unknown as { __hidden: boolean }).__hidden = false;
    });
    await agent.keyboard.press('a');
    await agent.waitForURL((url) => url.pathname === `/work/${id}`);
    await expect.poll(() => agent.title()).not.toMatch(/^\(/);
  }, 300_000);

  it('offers a hostile-subject interaction live, as text, and the agent accepts it with the keyboard', async () => {
    const campaignId = (globalThis as { campaignId?: string }).campaignId!;
    const [id] = await s.db.query<{ id: number }>(
      `INSERT INTO interactions (campaign_id, customer_address, customer_name, subject, queued_at)
       VALUES ($1, 'ana@customer.test', 'Ana <b>Bold</b>', $2, now() - interval '40 seconds') RETURNING id`,
      [campaignId, HOSTILE],
    ).then((r) => r.rows.map((x) => x.id));
    await insertWaiting(s.db, campaignId, 2, new Date(Date.now() - 20_000)); // two more wait behind it
    const card = agent.getByTestId(`offer-${id}`);
    await card.waitFor(); // no reload: pushed over the socket
    expect(await card.innerText()).toContain(HOSTILE);
    await expect.poll(() => supervisor.getByTestId('waiting-LIVE').innerText()).toMatch(/^3/);
    await agent.screenshot({ path: 'test-results/work-offers.png' });
    await supervisor.screenshot({ path: 'test-results/live.png' });

    await agent.keyboard.press('a');
    await agent.waitForURL((url) => url.pathname === `/work/${id}`); // accepted and opened
    await agent.getByTestId(`interaction-row-${id}`).waitFor();
    expect(await agent.getByTestId(`interaction-row-${id}`).innerText()).toContain(HOSTILE);
    await expect.poll(() => card.count()).toBe(0);
    expect(await agent.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
    await agent.getByTestId(`thread-${id}`).waitFor(); // the accepted interaction opens beside the list
    await agent.screenshot({ path: 'test-results/work-accepted.png' });
  }, 300_000);

  it('the supervisor logs the agent out: offline everywhere, back to the login page', async () => {
    await supervisor.getByTestId('logout-dana').click();
    await supervisor.getByTestId('confirm-logout').click();
    await expect.poll(() => supervisor.getByTestId('agent-row-dana').getAttribute('data-state')).toBe('offline');
    await agent.waitForURL((url) => url.pathname.startsWith('/login'), { timeout: 60_000 });
    expect(pageErrors).toEqual([]);
  }, 300_000);

  it('the admin sets a member’s position and penalty on the Members screen', async () => {
    await supervisor.getByTestId('nav-members').click();
    await supervisor.getByTestId('members-campaign-LIVE').click();
    const penalty = supervisor.getByTestId('member-penalty-dana');
    await penalty.fill('7');
    await penalty.press('Tab');
    const position = supervisor.getByTestId('member-position-dana');
    await position.fill('3');
    await position.press('Tab');
    const campaignId = (globalThis as { campaignId?: string }).campaignId!;
    await expect
      .poll(async () => (await s.db.query<{ penalty: number; position: number }>(
        `SELECT m.penalty, m.position FROM campaign_members m JOIN users u ON u.id = m.user_id WHERE m.campaign_id = $1 AND u.username = 'dana'`,
        [campaignId],
      )).rows[0])
      .toEqual({ penalty: 7, position: 3 });
    await supervisor.screenshot({ path: 'test-results/members-settings.png' });
  }, 300_000);
});
