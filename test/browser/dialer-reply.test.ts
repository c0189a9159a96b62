import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotPeer } from '../peers/dovecot.ts';
import { startSmtpSink, type SmtpSink } from '../peers/smtp-sink.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/app.ts';
import { launchChromium, newDesktopContext, signIn, watchedPage } from '../support/browser.ts';
import { campaignBody } from '../support/campaign-input.ts';
import { appendMessages, customerMail, eventually } from '../support/mail-fixtures.ts';
import { checkPeer } from '../support/peers.ts';
import { setQueue } from '../support/routing-fixtures.ts';
import { untilReached } from '../support/wait.ts';

// A recipient answers dialer mail: the dialer sends into smtp-sink, the
// reply arrives in the campaign's mailbox (Dovecot), is offered to an agent
// as an ordinary interaction, and the thread header says which dialer
// message it answers.

const PASSWORD = 'imap-Pa55-dialer-reply';
const AGENT_PASSWORD = 'agent-password-456';
const peersReady = checkPeer('chromium').available && checkPeer('dovecot').available && checkPeer('smtp-sink').available;

describe.skipIf(!peersReady)('a reply to dialer mail in the workspace, in Chromium', () => {
  let dv: DovecotPeer;
  let sink: SmtpSink;
  let s: TestServer;
  let browser: Browser;
  let agent: Page;
  let admin: string;
  let dialerId: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    [dv, sink] = await Promise.all([startDovecot({ users: { alice: PASSWORD } }), startSmtpSink()]);
    s = await startTestServer({ serveWeb: true, env: { POSTDESK_ROLES: 'api,sync,worker', POSTDESK_ROUTING_TICK_MS: '100', POSTDESK_PUBLIC_URL: 'https://desk.example.test' } });
    admin = await s.login('admin', ADMIN_PASSWORD);
    const call = (method: string, url: string, body: unknown) => s.call(method, url, { cookie: admin, body, headers: { origin: s.url } });
    const campaign = await call(
      'POST',
      '/api/campaigns',
      campaignBody({
        name: 'Spring',
        key: 'SPR',
        fromAddress: 'news@example.test',
        schedule: [],
        inbound: { port: dv.imapPort, password: PASSWORD, mailbox: 'INBOX' },
        smtp: { port: sink.port, auth: false, username: '', password: undefined },
      }),
    );
    expect(campaign.status, JSON.stringify(campaign.body)).toBe(201);
    await setQueue(s.db, campaign.body.id, { auto_assign: true, max_interactions_per_agent: 10 });
    const user = await call('POST', '/api/users', { username: 'dora', displayName: 'Dora Agent', role: 'agent', password: AGENT_PASSWORD });
    expect(user.status).toBe(201);
    expect((await call('POST', '/api/members', { campaignIds: [campaign.body.id], userIds: [user.body.id] })).status).toBe(204);
    const t = await call('POST', '/api/templates', { name: 'Spring offer', campaignId: campaign.body.id, html: '<p>Hello ${name}</p>' });
    expect(t.status, t.text).toBe(201);
    const d = await call('POST', '/api/dialers', { name: 'Spring offer 2026', campaignId: campaign.body.id, templateId: t.body.id, subject: 'An offer for ${name}' });
    expect(d.status, d.text).toBe(201);
    dialerId = d.body.id;
    await eventually(async () => (await s.db.query<{ state: string }>('SELECT state FROM mailboxes WHERE campaign_id = $1', [campaign.body.id])).rows[0]?.state === 'connected', 20_000, 'mailbox connected');

    browser = await launchChromium();
    agent = await watchedPage(await newDesktopContext(browser), { errors: pageErrors });
    await signIn(agent, s.url, 'dora', AGENT_PASSWORD);
    await agent.waitForURL((url) => url.pathname.startsWith('/work'));
    await agent.getByTestId('presence-menu').click();
    await agent.getByTestId('presence-available').click();
    await agent.locator('[data-testid="presence-menu"][data-state="available"]').waitFor();
  }, 300_000);

  afterAll(async () => {
    if (pageErrors.length) console.error('page errors:', pageErrors);
    await browser?.close();
    await s?.stop();
    await Promise.all([dv?.stop(), sink?.stop()]);
  });

  it('shows which dialer message the interaction answers', async () => {
    const res = await fetch(`${s.url}/api/dialers/${dialerId}/lists?name=spring.csv`, {
      method: 'POST',
      headers: { cookie: admin, 'content-type': 'text/csv', origin: s.url },
      body: 'Spring;other@customer.test;;;name=Other;\nSpring;ana@customer.test;;;name=Ana;',
    });
    expect(res.status).toBe(201);
    expect((await s.call('POST', `/api/dialers/${dialerId}/start`, { cookie: admin, headers: { origin: s.url } })).status).toBe(200);
    await untilReached(async () => (await sink.messages()).filter((m) => m.rcptTo[0] === '<ana@customer.test>').length, 1, 'dialer mail at the sink');
    const sent = (await sink.messages()).find((m) => m.rcptTo[0] === '<ana@customer.test>')!;
    const original = /^Message-ID:\s*<([^>]+)>/im.exec(sent.content)![1]!;

    const reply = customerMail({ from: 'Ana López <ana@customer.test>', to: 'news@example.test', subject: 'Re: An offer for Ana', inReplyTo: original, references: [original], body: 'Yes, please call me.' });
    await appendMessages(dv, 'alice', PASSWORD, 'INBOX', [reply.raw]);
    const id = await eventually(async () => (await s.db.query<{ interaction_id: number }>('SELECT interaction_id FROM messages WHERE message_id = $1', [reply.messageId])).rows[0]?.interaction_id, 30_000, 'reply ingested');
    const row = agent.getByTestId(`interaction-row-${id}`);
    await row.waitFor();
    await row.click();
    await agent.getByTestId(`thread-${id}`).waitFor();
    const badge = agent.getByTestId('thread-dialer');
    expect(await badge.innerText()).toMatch(/Spring offer 2026/);
    await badge.hover();
    await agent.getByText('Answers the dialer message sent to ana@customer.test (list spring.csv, line 2)').waitFor();
    await agent.screenshot({ path: 'test-results/dialer-reply-thread.png' });
    expect(pageErrors).toEqual([]);
  }, 300_000);
});
