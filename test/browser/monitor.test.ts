import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/app.ts';
import { launchChromium, newDesktopContext, signIn, watchedPage } from '../support/browser.ts';
import { insertCampaignRow } from '../support/campaign-row.ts';
import { checkPeer } from '../support/peers.ts';
import { insertWaiting } from '../support/routing-fixtures.ts';

// The supervisor's monitor in real Chromium, signed in as a supervisor of one
// campaign: a new mail appears in the waiting table without a reload and
// moves to the agent when they accept it; pausing the agent from the monitor
// reaches the agent's screen at once; the other campaign's mail never shows.

const PASSWORD = 'monitor-password-12';

describe.skipIf(!checkPeer('chromium').available)('the live monitor in Chromium', () => {
  let s: TestServer;
  let browser: Browser;
  let agent: Page;
  let supervisor: Page;
  let campaignId: string;
  let otherId: string;
  const pageErrors: string[] = [];

  async function signedIn(context: BrowserContext, username: string): Promise<Page> {
    const page = await watchedPage(context, { errors: pageErrors });
    await signIn(page, s.url, username, PASSWORD);
    return page;
  }

  beforeAll(async () => {
    s = await startTestServer({ serveWeb: true, env: { POSTDESK_ROLES: 'api,worker', POSTDESK_ROUTING_TICK_MS: '100' } });
    const admin = await s.login('admin', ADMIN_PASSWORD);
    const user = async (username: string, displayName: string, role: 'agent' | 'supervisor') => {
      const res = await s.call('POST', '/api/users', { cookie: admin, body: { username, displayName, role, password: PASSWORD } });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    const dana = await user('dana', 'Dana Agent', 'agent');
    const sue = await user('sue', 'Sue Supervisor', 'supervisor');
    campaignId = await insertCampaignRow(s.db, { key: 'MON', name: 'Monitored' });
    otherId = await insertCampaignRow(s.db, { key: 'OTH', name: 'Other' });
    await s.call('POST', '/api/members', { cookie: admin, body: { campaignIds: [campaignId], userIds: [dana] } });
    expect((await s.call('PUT', `/api/users/${sue}/supervised-campaigns`, { cookie: admin, body: { campaignIds: [campaignId] } })).status).toBe(200);
    await s.call('POST', '/api/pause-reasons', { cookie: admin, body: { name: 'Lunch' }, headers: { origin: s.url } });

    browser = await launchChromium();
    agent = await signedIn(await newDesktopContext(browser), 'dana');
    supervisor = await signedIn(await newDesktopContext(browser), 'sue');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('shows a new mail in the waiting table without a reload and moves it to the agent on accept', async () => {
    await agent.getByTestId('no-offers').waitFor();
    await expect.poll(() => agent.getByTestId('live-state').getAttribute('data-connected')).toBe('true');
    await supervisor.goto(`${s.url}/live`);
    await supervisor.getByTestId('agent-row-dana').waitFor();
    await supervisor.getByTestId('waiting-table').waitFor();
    await expect.poll(() => supervisor.getByTestId('live-state').getAttribute('data-connected')).toBe('true');

    // the other campaign's mail never reaches this supervisor; the monitored one's does, pushed
    await insertWaiting(s.db, otherId, 1);
    const [id] = await insertWaiting(s.db, campaignId, 1);
    const row = supervisor.getByTestId(`waiting-row-${id}`);
    await row.waitFor();
    expect(await row.innerText()).toContain('Question 1');
    expect(await row.innerText()).toContain('MON');
    expect(await supervisor.getByTestId('waiting-table').innerText()).not.toContain('OTH');

    await agent.getByTestId('presence-menu').click();
    await agent.getByTestId('presence-available').click();
    await agent.getByTestId(`offer-${id}`).waitFor();
    await agent.keyboard.press('a');
    await agent.waitForURL((url) => url.pathname === `/work/${id}`);
    // taken: out of the waiting table, in the agent's hands
    await expect.poll(() => row.count()).toBe(0);
    await expect.poll(() => supervisor.getByTestId('agent-row-dana').innerText()).toMatch(/\b1\b/);
    await supervisor.getByTestId('actions-dana').click();
    await supervisor.getByTestId('spy-dana').click();
    await supervisor.getByTestId(`spy-item-${id}`).waitFor();
    await supervisor.keyboard.press('Escape');
    await supervisor.getByTestId('spy-drawer').waitFor({ state: 'detached' });
  }, 90_000);

  it('pausing the agent from the monitor reaches their screen at once; unpausing too', async () => {
    await expect.poll(() => agent.getByTestId('presence-menu').getAttribute('data-state')).toBe('available');
    await supervisor.getByTestId('actions-dana').click();
    await supervisor.getByTestId('pause-dana-Lunch').click();
    await expect.poll(() => agent.getByTestId('presence-menu').getAttribute('data-state')).toBe('paused');
    expect(await agent.getByTestId('presence-menu').innerText()).toContain('Lunch');
    await expect.poll(() => supervisor.getByTestId('agent-state-dana').innerText()).toContain('Lunch');
    await supervisor.screenshot({ path: 'test-results/monitor.png' });

    await supervisor.getByTestId('actions-dana').click();
    await supervisor.getByTestId('unpause-dana').click();
    await expect.poll(() => agent.getByTestId('presence-menu').getAttribute('data-state')).toBe('available');
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
