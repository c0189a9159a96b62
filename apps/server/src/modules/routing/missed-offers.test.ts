import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';
import { insertCampaignRow } from '../../../../../test/support/campaign-row.ts';
import { eventually } from '../../../../../test/support/mail-fixtures.ts';
import { insertWaiting, setQueue } from '../../../../../test/support/routing-fixtures.ts';
import { openSocket } from '../../../../../test/support/ws-client.ts';
import { routeCampaign } from './route-campaign.ts';

// What a missed offer does (issue 10, item 14), with the real router and its
// timers: ring all offers an interaction nobody accepts for the campaign's
// rounds and then stops, until an agent comes back; an agent who lets the
// campaign's number of offers lapse in a row is paused with "Missed offer".

const PASSWORD = 'agent-password-missed';

describe('missed offers', () => {
  let s: TestServer;
  let admin: string;
  const as = (cookie: string) => ({
    get: (url: string) => s.call('GET', url, { cookie }),
    post: (url: string, body?: unknown) => s.call('POST', url, { cookie, body, headers: { origin: s.url } }),
    put: (url: string, body?: unknown) => s.call('PUT', url, { cookie, body, headers: { origin: s.url } }),
  });

  async function agentIn(name: string, campaignId: string): Promise<{ cookie: string; id: string }> {
    const u = await as(admin).post('/api/users', { username: name, displayName: name, role: 'agent', password: PASSWORD });
    expect(u.status, JSON.stringify(u.body)).toBe(201);
    expect((await as(admin).post('/api/members', { campaignIds: [campaignId], userIds: [u.body.id] })).status).toBe(204);
    const cookie = await s.login(name, PASSWORD);
    expect((await as(cookie).put('/api/me/presence', { state: 'available' })).status).toBe(200);
    return { cookie, id: u.body.id as string };
  }

  const offers = async (interactionId: number) =>
    (await s.db.query<{ user_id: string; state: string }>(`SELECT user_id, state FROM offers WHERE interaction_id = $1 ORDER BY id`, [interactionId])).rows;

  beforeAll(async () => {
    s = await startTestServer({ env: { POSTDESK_ROLES: 'api,worker', POSTDESK_ROUTING_TICK_MS: '50' } });
    admin = await s.login('admin', ADMIN_PASSWORD);
  }, 60_000);
  afterAll(async () => {
    await s?.stop();
  });

  it('saves and shows the campaign fields, with defaults', async () => {
    const c = await insertCampaignRow(s.db, { key: 'MOF' });
    const shown = (await as(admin).get(`/api/campaigns/${c}`)).body;
    expect(shown.queue).toMatchObject({ missedOffersPause: 0, offerRounds: 3 });
  });

  it('ring all offers an interaction nobody takes for the campaign rounds, then again only to an agent who comes back', async () => {
    const c = await insertCampaignRow(s.db, { key: 'RING' });
    await setQueue(s.db, c, { strategy: 'ring_all', offer_timeout_sec: 1, offer_rounds: 2 });
    const a = await agentIn('ring-a', c);
    const b = await agentIn('ring-b', c);
    const [id] = await insertWaiting(s.db, c, 1);
    // two rounds of two offers, all lapsed, and nothing pending
    const lapsed = await eventually(async () => {
      const o = await offers(id!);
      return o.length >= 4 && o.every((x) => x.state === 'expired') ? o : null;
    }, 30_000, 'two rounds of offers to lapse');
    expect(lapsed).toHaveLength(4);
    // the queue is routed again: nothing more is offered
    expect(await routeCampaign(s.db, c, { now: () => new Date() })).toBe(0);
    expect(await offers(id!)).toHaveLength(4);
    // b steps away and comes back: offered to b alone
    expect((await as(b.cookie).put('/api/me/presence', { state: 'offline' })).status).toBe(200);
    expect((await as(b.cookie).put('/api/me/presence', { state: 'available' })).status).toBe(200);
    const again = await eventually(async () => {
      const o = await offers(id!);
      return o.length > 4 ? o.slice(4) : null;
    }, 30_000, 'an offer to the agent who came back');
    expect(again.map((x) => x.user_id)).toEqual([b.id]);
    expect(again.map((x) => x.user_id)).not.toContain(a.id);
  });

  it('pauses an agent with "Missed offer" after the campaign number of offers lapsed in a row', async () => {
    const c = await insertCampaignRow(s.db, { key: 'MISS' });
    await setQueue(s.db, c, { strategy: 'round_robin', offer_timeout_sec: 1, missed_offers_pause: 2, offer_rounds: 5 });
    const a = await agentIn('miss-a', c);
    const socket = await openSocket(s.url, { cookie: a.cookie });
    try {
      const [id] = await insertWaiting(s.db, c, 1);
      const paused = await socket.next((m) => m.type === 'presence.changed' && m.state === 'paused', 30_000);
      expect(paused.state).toBe('paused');
      expect((await as(a.cookie).get('/api/me/presence')).body).toMatchObject({ state: 'paused', pauseReason: 'Missed offer' });
      // exactly the two offers it missed; none pending, the interaction waits again
      expect((await offers(id!)).map((o) => o.state)).toEqual(['expired', 'expired']);
      const state = (await s.db.query<{ queue_state: string }>(`SELECT queue_state FROM interactions WHERE id = $1`, [id])).rows[0]!;
      expect(state.queue_state).toBe('waiting');
    } finally {
      socket.close();
    }
  });

  it('accepting an offer starts the count again', async () => {
    const c = await insertCampaignRow(s.db, { key: 'MISR' });
    await setQueue(s.db, c, { strategy: 'round_robin', offer_timeout_sec: 3, missed_offers_pause: 2, offer_rounds: 5, max_interactions_per_agent: 5 });
    const a = await agentIn('misr-a', c);
    const [first] = await insertWaiting(s.db, c, 1);
    // one missed, then accepted on its second offer
    const second = await eventually(async () => {
      const o = (await as(a.cookie).get('/api/me/offers')).body.items as Array<{ id: number; interactionId: number }>;
      const lapsedOnce = (await offers(first!)).some((x) => x.state === 'expired');
      return lapsedOnce ? o.find((x) => x.interactionId === first) : null;
    }, 30_000, 'a second offer after one lapsed');
    expect((await as(a.cookie).post(`/api/offers/${second.id}/accept`)).status).toBe(200);
    const missed = (await s.db.query<{ missed_offers: number }>(`SELECT missed_offers FROM agent_presence WHERE user_id = $1`, [a.id])).rows[0]!;
    expect(missed.missed_offers).toBe(0);
  });
});
