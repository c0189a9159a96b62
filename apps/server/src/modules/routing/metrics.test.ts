import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';
import { insertCampaignRow } from '../../../../../test/support/campaign-row.ts';
import { eventually } from '../../../../../test/support/mail-fixtures.ts';
import { insertWaiting, presence } from '../../../../../test/support/routing-fixtures.ts';
import { openSocket } from '../../../../../test/support/ws-client.ts';
import { routeCampaign } from './route-campaign.ts';

// /metrics beyond HTTP (issue 10, item 20): WebSocket connections, the
// outbox per campaign and state, offers made, mailbox sync lag — read over
// HTTP as Prometheus scrapes them.

describe('/metrics', () => {
  let s: TestServer;
  let admin: string;
  const scrape = async (): Promise<string> => {
    const r = await s.call('GET', '/metrics');
    expect(r.status).toBe(200);
    return r.text;
  };
  /** The value of one sample, or undefined when absent. */
  const sample = (text: string, name: string, labels: Record<string, string> = {}): number | undefined => {
    for (const line of text.split('\n')) {
      if (!line.startsWith(name)) continue;
      const rest = line.slice(name.length);
      if (rest[0] !== '{' && rest[0] !== ' ') continue;
      if (Object.entries(labels).every(([k, v]) => rest.includes(`${k}="${v}"`))) return Number(line.split(' ').at(-1));
    }
    return undefined;
  };

  beforeAll(async () => {
    s = await startTestServer();
    admin = await s.login('admin', ADMIN_PASSWORD);
  }, 60_000);
  afterAll(async () => {
    await s?.stop();
  });

  it('counts open WebSockets on this node', async () => {
    expect(sample(await scrape(), 'postdesk_websocket_connections')).toBe(0);
    const socket = await openSocket(s.url, { cookie: admin });
    await socket.next((m) => m.type === 'hello');
    expect(sample(await scrape(), 'postdesk_websocket_connections')).toBe(1);
    socket.close();
    await socket.closed;
    await eventually(async () => sample(await scrape(), 'postdesk_websocket_connections') === 0, 10_000, 'the socket to be counted out');
  });

  it('shows the outbox per campaign and state, and offers made', async () => {
    const c = await insertCampaignRow(s.db, { key: 'MET' });
    const before = sample(await scrape(), 'postdesk_offers_total', { outcome: 'made' }) ?? 0;
    const started = await s.call('POST', `/api/campaigns/${c}/mail`, {
      cookie: admin, headers: { origin: s.url }, body: { subject: 'Hi', to: [{ address: 'c@example.test' }], html: '<p>x</p>' },
    });
    expect(started.status, started.text).toBe(201);
    expect(sample(await scrape(), 'postdesk_outbox_messages', { campaign: c, state: 'queued' })).toBe(1);
    await eventually(async () => sample(await scrape(), 'postdesk_outbox_transitions_total', { campaign: c, state: 'queued' }) === 1, 10_000, 'the queued event');

    const agent = await s.call('POST', '/api/users', { cookie: admin, headers: { origin: s.url }, body: { username: 'met-a', displayName: 'A', role: 'agent', password: 'agent-password-metrics' } });
    expect((await s.call('POST', '/api/members', { cookie: admin, headers: { origin: s.url }, body: { campaignIds: [c], userIds: [agent.body.id] } })).status).toBe(204);
    await presence(s.db, agent.body.id, 'available');
    await insertWaiting(s.db, c, 1);
    expect(await routeCampaign(s.db, c, { now: () => new Date() })).toBe(1);
    await eventually(async () => (sample(await scrape(), 'postdesk_offers_total', { outcome: 'made' }) ?? 0) === before + 1, 10_000, 'the offer counted');
  });

  it('shows how long ago each receiving mailbox caught up', async () => {
    const c = await insertCampaignRow(s.db, { key: 'LAG', receiveEmails: true });
    await s.db.query(`INSERT INTO mailboxes (campaign_id, state, last_sync_at) VALUES ($1, 'connected', now() - interval '90 seconds')`, [c]);
    expect(sample(await scrape(), 'postdesk_mailbox_sync_lag_seconds', { campaign: c })).toBeGreaterThanOrEqual(90);
  });
});
