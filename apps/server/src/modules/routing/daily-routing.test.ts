import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';
import { insertCampaignRow } from '../../../../../test/support/campaign-row.ts';
import { insertWaiting, setQueue } from '../../../../../test/support/routing-fixtures.ts';
import { openSocket } from '../../../../../test/support/ws-client.ts';
import { routeCampaign } from './route-campaign.ts';

// Daily-use defects of routing and transfers (issue 10, item 16), over HTTP
// and the WebSocket: one subject token per thread after a transfer, the
// transferring agent still opens what they transferred, the transfer menu
// shows full agents as full, pause reasons reach open consoles, and a mail
// an agent starts holds none of their places.

const PASSWORD = 'agent-password-daily';

describe('routing in daily use', () => {
  let s: TestServer;
  let admin: string;
  const as = (cookie: string) => ({
    get: (url: string) => s.call('GET', url, { cookie }),
    post: (url: string, body?: unknown) => s.call('POST', url, { cookie, body, headers: { origin: s.url } }),
    put: (url: string, body?: unknown) => s.call('PUT', url, { cookie, body, headers: { origin: s.url } }),
  });
  const route = (campaignId: string) => routeCampaign(s.db, campaignId, { now: () => new Date() });

  /** An agent who can log in, member of these campaigns, available; their session cookie and id. */
  async function agentIn(name: string, campaignIds: string[]): Promise<{ cookie: string; id: string }> {
    const u = await as(admin).post('/api/users', { username: name, displayName: name, role: 'agent', password: PASSWORD });
    expect(u.status, JSON.stringify(u.body)).toBe(201);
    expect((await as(admin).post('/api/members', { campaignIds, userIds: [u.body.id] })).status).toBe(204);
    const cookie = await s.login(name, PASSWORD);
    expect((await as(cookie).put('/api/me/presence', { state: 'available' })).status).toBe(200);
    return { cookie, id: u.body.id as string };
  }

  /** The agent's pending offer for an interaction, accepted over HTTP. */
  async function accept(cookie: string, interactionId: number): Promise<void> {
    const offers = (await as(cookie).get('/api/me/offers')).body.items as Array<{ id: number; interactionId: number }>;
    const offer = offers.find((o) => o.interactionId === interactionId);
    expect(offer, JSON.stringify(offers)).toBeDefined();
    expect((await as(cookie).post(`/api/offers/${offer!.id}/accept`)).status).toBe(200);
  }

  const newMail = async (cookie: string, campaignId: string, subject: string) => {
    const r = await as(cookie).post(`/api/campaigns/${campaignId}/mail`, { subject, to: [{ address: 'customer@example.test' }], html: '<p>Hello</p>' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body as { interactionId: number; messageId: number };
  };

  beforeAll(async () => {
    s = await startTestServer();
    admin = await s.login('admin', ADMIN_PASSWORD);
  }, 60_000);
  afterAll(async () => {
    await s?.stop();
  });

  it('keeps one subject token after a transfer, and the transferring agent still opens the interaction', async () => {
    const sup = await insertCampaignRow(s.db, { key: 'SUPT' });
    const bil = await insertCampaignRow(s.db, { key: 'BILT' });
    await setQueue(s.db, sup, { transfer_to_queue: true });
    const a = await agentIn('tok-a', [sup]);
    const b = await agentIn('tok-b', [bil]);
    const started = await newMail(a.cookie, sup, 'Order 55');
    const id = started.interactionId;
    expect((await as(a.cookie).post(`/api/interactions/${id}/transfer`, { campaignId: bil })).status).toBe(204);
    expect(await route(bil)).toBe(1);
    await accept(b.cookie, id);

    const reply = await as(b.cookie).post(`/api/interactions/${id}/messages`, {
      mode: 'reply', parentId: started.messageId, to: [{ address: 'customer@example.test' }], html: '<p>Billing here</p>',
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    const thread = (await as(b.cookie).get(`/api/interactions/${id}`)).body;
    const subject = (thread.messages as Array<{ id: number; subject: string }>).find((m) => m.id === reply.body.messageId)!.subject;
    expect(subject).toBe(`Re: Order 55 [#BILT-${id}]`);

    // the agent who transferred it opens it again (read only: it is not in their hands)
    const again = await as(a.cookie).get(`/api/interactions/${id}`);
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect((await as(a.cookie).post(`/api/interactions/${id}/close`, {})).status).toBe(404);
  });

  it('lists an available agent at the maximum as full in the transfer menu', async () => {
    const c = await insertCampaignRow(s.db, { key: 'FULL' });
    await setQueue(s.db, c, { transfer_to_agent: true, max_interactions_per_agent: 1, auto_assign: true });
    const agents = [await agentIn('full-x', [c]), await agentIn('full-y', [c]), await agentIn('full-z', [c])];
    // two interactions assigned directly: two of the three agents are full, one is free
    await insertWaiting(s.db, c, 2);
    expect(await route(c)).toBe(2);
    const inHand = await Promise.all(agents.map(async (x) => (await as(x.cookie).get('/api/me/interactions')).body.items as Array<{ id: number }>));
    const [holder, busy] = agents.filter((_, i) => inHand[i]!.length === 1);
    const free = agents.find((_, i) => inHand[i]!.length === 0)!;
    const held = inHand[agents.indexOf(holder!)]!;
    const targets = (await as(holder!.cookie).get(`/api/interactions/${held[0]!.id}/transfer-targets`)).body;
    const states = Object.fromEntries((targets.agents as Array<{ userId: string; state: string }>).map((x) => [x.userId, x.state]));
    expect(states).toEqual({ [busy!.id]: 'full', [free.id]: 'available' });
    const refused = await as(holder!.cookie).post(`/api/interactions/${held[0]!.id}/transfer`, { userId: busy!.id });
    expect(refused.status).toBe(400);
  });

  it('tells open consoles when pause reasons are added or removed', async () => {
    const c = await insertCampaignRow(s.db, { key: 'PAU' });
    const a = await agentIn('pause-a', [c]);
    const socket = await openSocket(s.url, { cookie: a.cookie });
    try {
      await socket.next((m) => m.type === 'hello');
      const r = await as(admin).post('/api/pause-reasons', { name: 'Team meeting daily' });
      expect(r.status).toBe(201);
      await socket.next((m) => m.type === 'pause_reasons.changed');
      const before = socket.messages.filter((m) => m.type === 'pause_reasons.changed').length;
      expect((await s.call('DELETE', `/api/pause-reasons/${r.body.id}`, { cookie: admin, headers: { origin: s.url } })).status).toBe(204);
      await socket.next(() => socket.messages.filter((m) => m.type === 'pause_reasons.changed').length > before);
    } finally {
      socket.close();
    }
  });

  it('a mail the agent starts holds none of their places until the customer answers', async () => {
    const c = await insertCampaignRow(s.db, { key: 'OUT' });
    await setQueue(s.db, c, { max_interactions_per_agent: 1 });
    const a = await agentIn('out-a', [c]);
    await newMail(a.cookie, c, 'We have news');
    const [waiting] = await insertWaiting(s.db, c, 1);
    expect(await route(c)).toBe(1);
    await accept(a.cookie, waiting!);
  });

  it("tells the agent whether each campaign is open by its schedule, and when a closed one opens next (item 15)", async () => {
    const closed = await insertCampaignRow(s.db, { key: 'SCHC', name: 'Closed now' });
    const always = await insertCampaignRow(s.db, { key: 'SCHO', name: 'Always open' });
    // open only tomorrow 09:00–09:59 UTC
    const tomorrow = new Date(Date.now() + 86_400_000);
    await setQueue(s.db, closed, { schedule: JSON.stringify([{ day: tomorrow.getUTCDay(), start: '09:00', end: '09:59' }]), timezone: 'UTC' });
    await setQueue(s.db, always, { schedule: '[]' });
    const a = await agentIn('sched-a', [closed, always]);
    const items = (await as(a.cookie).get('/api/me/campaigns')).body.items as Array<{ id: string; open: boolean; nextOpening: string | null }>;
    const byId = Object.fromEntries(items.map((c) => [c.id, c]));
    const opens = new Date(Date.UTC(tomorrow.getUTCFullYear(), tomorrow.getUTCMonth(), tomorrow.getUTCDate(), 9, 0)).toISOString();
    expect(byId[closed]).toMatchObject({ open: false, nextOpening: opens });
    expect(byId[always]).toMatchObject({ open: true });
  });
});
