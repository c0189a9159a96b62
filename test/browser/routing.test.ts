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
    agent = await signedIn(await newDesktopContext(browser), 'dana', AGENT_PASSWORD);
    supervisor = await signedIn(await newDesktopContext(browser), 'admin', ADMIN_PASSWORD);
  }, 120_000);

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
  }, 60_000);

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
  }, 60_000);

  it('the supervisor logs the agent out: offline everywhere, back to the login page', async () => {
    await supervisor.getByTestId('logout-dana').click();
    await supervisor.getByTestId('confirm-logout').click();
    await expect.poll(() => supervisor.getByTestId('agent-row-dana').getAttribute('data-state')).toBe('offline');
    await agent.waitForURL((url) => url.pathname.startsWith('/login'), { timeout: 15_000 });
    expect(pageErrors).toEqual([]);
  }, 60_000);

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
  }, 60_000);
});
