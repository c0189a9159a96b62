import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignInteraction, markClosed } from '../../apps/server/src/modules/interactions/index.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/app.ts';
import { launchChromium, newDesktopContext, signIn, watchedPage } from '../support/browser.ts';
import { insertCampaignRow } from '../support/campaign-row.ts';
import { checkPeer } from '../support/peers.ts';
import { insertAgent, insertWaiting } from '../support/routing-fixtures.ts';

// The Reports screen in real Chromium, signed in as a supervisor of one
// campaign: the nav entry opens it, today's figures of their campaign and
// agent show, the other campaign never does, and a custom period reads
// another day. A screenshot is left in the temp dir for a person to look at.

const PASSWORD = 'reports-password-12';

describe.skipIf(!checkPeer('chromium').available)('the Reports screen in Chromium', () => {
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  let seededDay = 'Today';

  beforeAll(async () => {
    s = await startTestServer({ serveWeb: true });
    const admin = await s.login('admin', ADMIN_PASSWORD);
    const sue = await s.call('POST', '/api/users', { cookie: admin, body: { username: 'sue', displayName: 'Sue Supervisor', role: 'supervisor', password: PASSWORD } });
    expect(sue.status).toBe(201);
    const campaignId = await insertCampaignRow(s.db, { key: 'REP', name: 'Reported' });
    const otherId = await insertCampaignRow(s.db, { key: 'OTH', name: 'Other campaign' });
    expect((await s.call('PUT', `/api/users/${sue.body.id}/supervised-campaigns`, { cookie: admin, body: { campaignIds: [campaignId] } })).status).toBe(200);
    const dana = await insertAgent(s.db, 'dana');
    await s.db.query(`UPDATE users SET display_name = 'Dana Agent' WHERE id = $1`, [dana]);
    // three answered in the last minutes (two within the 60 s service level), one abandoned; one in the other campaign.
    // The campaign is in UTC: in the first quarter hour of a UTC day the mail is seeded, and looked for, yesterday.
    let now = Date.now();
    if (now % 86_400_000 < 15 * 60_000) {
      now -= 20 * 60_000;
      seededDay = 'Yesterday';
    }
    const ids = await insertWaiting(s.db, campaignId, 4, new Date(now - 10 * 60_000));
    await s.db.tx(async (q) => {
      await assignInteraction(q, ids[0]!, dana, new Date(now - 10 * 60_000 + 20_000));
      await assignInteraction(q, ids[1]!, dana, new Date(now - 10 * 60_000 + 40_000));
      await assignInteraction(q, ids[2]!, dana, new Date(now - 10 * 60_000 + 180_000));
      await markClosed(q, ids[0]!, new Date(now - 5 * 60_000), null);
      await markClosed(q, ids[3]!, new Date(now - 4 * 60_000), null);
    });
    await insertWaiting(s.db, otherId, 1, new Date(now - 60_000));
    // the customers rated two of dana's replies, 5 and 3
    const sha = Buffer.alloc(32, 7);
    await s.db.query(`INSERT INTO blobs (sha256, size) VALUES ($1, 1)`, [sha]);
    for (const [i, score] of [[0, 5], [1, 3]] as const) {
      const m = await s.db.query<{ id: number }>(
        `INSERT INTO messages (campaign_id, interaction_id, direction, kind, raw_sha256, size, sent_by) VALUES ($1, $2, 'outbound', 'agent', $3, 1, $4) RETURNING id`,
        [campaignId, ids[i], sha, dana],
      );
      await s.db.query(`INSERT INTO ratings (message_id, interaction_id, score, created_at) VALUES ($1, $2, $3, $4)`, [m.rows[0]!.id, ids[i], score, new Date(now - 60_000)]);
    }

    browser = await launchChromium();
    page = await watchedPage(await newDesktopContext(browser), { errors: pageErrors });
    await signIn(page, s.url, 'sue', PASSWORD);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it("shows the day's figures of the supervisor's campaign and agent, and nothing of another campaign", async () => {
    await page.getByTestId('nav-reports').click();
    await page.waitForURL((url) => url.pathname === '/reports');
    if (seededDay !== 'Today') await page.getByTestId('reports-preset').getByText(seededDay).click();
    const row = page.getByTestId('report-campaign-REP');
    await row.waitFor();
    const cells = await row.locator('td').allInnerTexts();
    // campaign, period, SL (2 within / (3 answered + 1 abandoned) = 50 %), answered, within SL, abandoned, avg wait 1:20, handled 1
    expect(cells[2]).toContain('50.0 %');
    expect(cells.slice(3, 8)).toEqual(['3', '2', '1', '1:20', '1']);
    expect(cells[9]).toContain('4.00 (2)');
    expect(await page.getByTestId('reports-campaigns').innerText()).not.toContain('Other campaign');
    const agent = page.getByTestId('report-agent');
    await expect.poll(() => agent.count()).toBe(1);
    expect(await agent.innerText()).toContain('Dana Agent');
    await page.screenshot({ path: `${process.env.TMPDIR ?? '/tmp'}/postdesk-reports.png`, fullPage: true });
  }, 120_000);

  it('reads a custom period: a day long ago holds nothing', async () => {
    await page.goto(`${s.url}/reports`);
    await page.getByTestId('reports-preset').getByText('Custom').click();
    await page.getByTestId('reports-from').fill('2020-01-01');
    await page.getByTestId('reports-to').fill('2020-01-02');
    const row = page.getByTestId('report-campaign-REP');
    await expect.poll(async () => (await row.locator('td').allInnerTexts())[1]).toContain('2020-01-01 – 2020-01-02');
    expect((await row.locator('td').allInnerTexts()).slice(3, 6)).toEqual(['0', '0', '0']);
    expect(await page.getByTestId('reports-agents').innerText()).toContain('No agent answered');
    await page.screenshot({ path: `${process.env.TMPDIR ?? '/tmp'}/postdesk-reports-custom.png`, fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
