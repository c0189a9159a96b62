import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealContext } from '../../apps/server/src/modules/campaigns/connection-settings.ts';
import { enqueueOutbound } from '../../apps/server/src/modules/outbound/enqueue-outbound.ts';
import { startDovecot, type DovecotPeer } from '../peers/dovecot.ts';
import { startSmtpAuthServer, type SmtpAuthServer } from '../peers/smtp-auth.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/app.ts';
import { launchChromium, newDesktopContext, signIn, watchedPage } from '../support/browser.ts';
import { campaignBody } from '../support/campaign-input.ts';
import { eventually } from '../support/mail-fixtures.ts';
import { checkPeer } from '../support/peers.ts';
import { openSocket, type TestSocket } from '../support/ws-client.ts';

// A campaign's SMTP password stops working (changed at the provider): the
// outbox holds the account instead of failing every reply, the admin sees it
// live on the campaigns screen, and re-entering the password sends what waited.

const IMAP_PASSWORD = 'imap-Pa55-browser-hold';
const SMTP_PASSWORD = 'smtp-Pa55-browser-hold';
const peersReady = checkPeer('chromium').available && checkPeer('dovecot').available;

describe.skipIf(!peersReady)('a held SMTP account in Chromium', () => {
  let dv: DovecotPeer;
  let smtp: SmtpAuthServer;
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  let campaignId: string;
  let member: TestSocket;
  let outsider: TestSocket;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [dv, smtp] = await Promise.all([startDovecot({ users: { alice: IMAP_PASSWORD } }), startSmtpAuthServer({ users: { alice: SMTP_PASSWORD } })]);
    s = await startTestServer({ serveWeb: true, env: { POSTDESK_ROLES: 'api,worker' } });
    const admin = await s.login('admin', ADMIN_PASSWORD);
    const res = await s.call('POST', '/api/campaigns', {
      cookie: admin,
      body: campaignBody({ receiveEmails: false, inbound: { port: dv.imapPort, password: IMAP_PASSWORD }, smtp: { port: smtp.port, password: SMTP_PASSWORD } }),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    campaignId = res.body.id;
    // an agent of the campaign and one of no campaign, on the workspace socket
    for (const username of ['hold-member', 'hold-outsider']) {
      const u = await s.call('POST', '/api/users', { cookie: admin, headers: { origin: s.url }, body: { username, displayName: username, role: 'agent', password: 'agent-password-hold' } });
      expect(u.status).toBe(201);
      if (username === 'hold-member') expect((await s.call('POST', '/api/members', { cookie: admin, headers: { origin: s.url }, body: { campaignIds: [campaignId], userIds: [u.body.id] } })).status).toBe(204);
    }
    member = await openSocket(s.url, { cookie: await s.login('hold-member', 'agent-password-hold') });
    outsider = await openSocket(s.url, { cookie: await s.login('hold-outsider', 'agent-password-hold') });
    browser = await launchChromium();
    page = await watchedPage(await newDesktopContext(browser), { errors: pageErrors });
    await signIn(page, s.url, 'admin', ADMIN_PASSWORD);
  }, 300_000);

  afterAll(async () => {
    member?.close();
    outsider?.close();
    await browser?.close();
    await s?.stop();
    await Promise.all([dv?.stop(), smtp?.stop()]);
  });

  it('shows the held account live, with what waits, and sends it once the password is entered again', async () => {
    await page.getByTestId('nav-campaigns').click();
    const row = page.getByTestId('campaign-row-SUP');
    await expect.poll(() => row.getByTestId('connection-badge-smtp').getAttribute('data-state')).toBe('ok');

    // the password changes at the provider; an agent's answer is queued
    await s.db.query('UPDATE campaigns SET smtp_password_sealed = $2 WHERE id = $1', [campaignId, s.deps.secrets.seal('the-old-password', sealContext(campaignId, 'smtp'))]);
    const { rows: [it_] } = await s.db.query<{ id: number }>(`INSERT INTO interactions (campaign_id, customer_address, subject) VALUES ($1, 'ana@customer.test', 'Order') RETURNING id`, [campaignId]);
    const { messageId } = await s.db.tx((q) =>
      enqueueOutbound(q, s.deps, {
        campaignId,
        interactionId: it_!.id,
        kind: 'agent',
        compose: { from: { address: 'support@example.test', name: 'Support' }, to: [{ address: 'ana@customer.test' }], subject: 'Re: Order', text: 'On its way.' },
      }),
    );

    // pushed to the admin's screen: no reload
    const badge = row.getByTestId('connection-badge-smtp');
    await expect.poll(() => badge.getAttribute('data-held'), { timeout: 60_000 }).toBe('true');
    expect(await badge.getAttribute('data-state')).toBe('failed');
    expect(await badge.innerText()).toContain('1 waiting');
    await badge.hover();
    await page.getByTestId('connection-hold').waitFor();
    expect(await page.getByTestId('connection-hold').innerText()).toContain('Sending resumes when the settings are saved or verified.');
    await page.screenshot({ path: 'test-results/smtp-hold.png' });
    const outbox = async () => (await s.db.query<{ state: string; attempts: number }>('SELECT state, attempts FROM outbox WHERE message_id = $1', [messageId])).rows[0]!;
    expect(await outbox()).toEqual({ state: 'retrying', attempts: 0 });
    // the campaign's agents are told (their messages now wait for the mail server); others are not
    await member.next((m) => m.type === 'campaign.changed' && m.campaignId === campaignId);
    expect(outsider.messages.filter((m) => m.type === 'campaign.changed')).toEqual([]);

    // the supervisor's Live view says so too
    await page.getByTestId('nav-live').click();
    await page.getByTestId('sending-held-SUP').waitFor();
    expect(await page.getByTestId('sending-held-SUP').innerText()).toBe('Sending held · 1 waiting');
    await page.screenshot({ path: 'test-results/smtp-hold-live.png' });
    await page.getByTestId('nav-campaigns').click();

    // the admin enters the password again and saves: the login is checked, and what waited goes
    await row.getByTestId('campaign-edit').click();
    await expect.poll(() => page.getByTestId('campaign-field-name').inputValue()).toBe('Support'); // loaded
    await page.getByTestId('campaign-tab-mail').click();
    await page.getByTestId('campaign-field-smtp.password').fill(SMTP_PASSWORD);
    await page.getByTestId('campaign-save').click();
    await eventually(async () => (await outbox()).state === 'sent', 20_000, 'sent after the fix');
    await page.getByTestId('nav-campaigns').click();
    await expect.poll(() => page.getByTestId('campaign-row-SUP').getByTestId('connection-badge-smtp').getAttribute('data-held')).toBeNull();
    expect(await page.getByTestId('campaign-row-SUP').getByTestId('connection-badge-smtp').getAttribute('data-state')).toBe('ok');
    await page.getByTestId('nav-live').click();
    await page.getByTestId('queue-row-SUP').waitFor();
    // (the view may first show what it had cached, then what it refetched)
    await expect.poll(() => page.getByTestId('sending-held-SUP').count()).toBe(0);
    expect(pageErrors).toEqual([]);
  }, 300_000);
});
