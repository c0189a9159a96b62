import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';
import { insertCampaignRow } from '../../../../../test/support/campaign-row.ts';
import { eventually } from '../../../../../test/support/mail-fixtures.ts';
import { insertWaiting } from '../../../../../test/support/routing-fixtures.ts';
import { openSocket, type TestSocket } from '../../../../../test/support/ws-client.ts';
import { emitEvent } from '../../platform/events/events.ts';

// The workspace's HTTP + WebSocket routing surface on a real server with the
// routing worker: offers pushed to the right agent only, accept, close,
// presence, pause reasons, the supervisor's views and "log out agent".
let server: TestServer;
let admin: string;
const sockets: TestSocket[] = [];
const PASSWORD = 'agent-password-123';

async function agent(name: string): Promise<{ id: string; cookie: string }> {
  const res = await server.call('POST', '/api/users', {
    cookie: admin,
    body: { username: name, displayName: name.toUpperCase(), role: 'agent', password: PASSWORD },
  });
  expect(res.status).toBe(201);
  return { id: res.body.id, cookie: await server.login(name, PASSWORD) };
}

async function socket(auth: Parameters<typeof openSocket>[1]): Promise<TestSocket> {
  const s = await openSocket(server.url, auth);
  sockets.push(s);
  return s;
}

beforeAll(async () => {
  server = await startTestServer({ env: { POSTDESK_ROLES: 'api,worker', POSTDESK_ROUTING_TICK_MS: '100' } });
  admin = await server.login('admin', ADMIN_PASSWORD);
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await server?.stop();
});

describe('realtime routing', () => {
  it('pushes an offer only to its agent, who accepts and sees new messages; the other campaign hears nothing', async () => {
    const campA = await insertCampaignRow(server.db, { key: 'RTA' });
    const campB = await insertCampaignRow(server.db, { key: 'RTB' });
    const alice = await agent('alice');
    const bob = await agent('bob');
    expect((await server.call('POST', '/api/members', { cookie: admin, body: { campaignIds: [campA], userIds: [alice.id] } })).status).toBe(204);
    expect((await server.call('POST', '/api/members', { cookie: admin, body: { campaignIds: [campB], userIds: [bob.id] } })).status).toBe(204);

    const aliceWs = await socket({ cookie: alice.cookie });
    const bobWs = await socket({ cookie: bob.cookie });
    const staffWs = await socket({ cookie: admin });
    await aliceWs.next((m) => m.type === 'hello');
    await bobWs.next((m) => m.type === 'hello');

    for (const a of [alice, bob]) {
      const p = await server.call('PUT', '/api/me/presence', { cookie: a.cookie, body: { state: 'available' }, headers: { origin: server.url } });
      expect(p.status).toBe(200);
      expect(p.body.state).toBe('available');
    }
    await staffWs.next((m) => m.type === 'agent.changed' && m.userId === alice.id && m.state === 'available');

    const [interactionId] = await insertWaiting(server.db, campA, 1);
    const pushed = await aliceWs.next((m) => m.type === 'offer.created');
    expect(pushed.offer).toMatchObject({ interactionId, campaignId: campA, campaignKey: 'RTA', subject: 'Question 1' });
    await staffWs.next((m) => m.type === 'queue.changed' && m.campaignIds.includes(campA));

    const mine = await server.call('GET', '/api/me/offers', { cookie: alice.cookie });
    expect(mine.body.items.map((o: { id: number }) => o.id)).toEqual([pushed.offer.id]);
    expect((await server.call('GET', '/api/me/offers', { cookie: bob.cookie })).body.items).toEqual([]);

    // bob cannot take, refuse or close what is alice's: not found, not forbidden
    const o = { origin: server.url };
    expect((await server.call('POST', `/api/offers/${pushed.offer.id}/accept`, { cookie: bob.cookie, headers: o })).status).toBe(404);
    expect((await server.call('POST', `/api/offers/${pushed.offer.id}/reject`, { cookie: bob.cookie, headers: o })).status).toBe(404);

    const accepted = await server.call('POST', `/api/offers/${pushed.offer.id}/accept`, { cookie: alice.cookie, headers: o });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({ interactionId });
    await aliceWs.next((m) => m.type === 'interaction.assigned' && m.interactionId === interactionId);
    expect((await server.call('POST', `/api/offers/${pushed.offer.id}/accept`, { cookie: alice.cookie, headers: o })).status).toBe(409);
    expect((await server.call('POST', `/api/interactions/${interactionId}/close`, { cookie: bob.cookie, headers: o })).status).toBe(404);
    const list = await server.call('GET', '/api/me/interactions', { cookie: alice.cookie });
    expect(list.body.items).toEqual([expect.objectContaining({ id: interactionId, campaignKey: 'RTA' })]);

    await emitEvent(server.db, { type: 'message.received', campaignId: campA, interactionId: interactionId!, messageId: 424242, kind: 'customer' });
    await aliceWs.next((m) => m.type === 'message.received' && m.messageId === 424242);

    expect((await server.call('POST', `/api/interactions/${interactionId}/close`, { cookie: alice.cookie, headers: o })).status).toBe(204);
    await aliceWs.next((m) => m.type === 'interaction.removed' && m.interactionId === interactionId);

    // bob saw his own presence and nothing of campaign A
    const leaked = bobWs.messages.filter((m) => JSON.stringify(m).includes(campA) || m.interactionId === interactionId || m.offer);
    expect(leaked).toEqual([]);
    expect(bobWs.messages.map((m) => m.type).sort()).toEqual(['hello', 'presence.changed']);
  });

  it('refuses a socket without a login, and a cookie socket from another origin', async () => {
    const anon = await socket({});
    expect((await anon.closed).code).toBe(4401);
    const foreign = await socket({ cookie: admin, origin: 'http://evil.example' });
    expect((await foreign.closed).code).toBe(4403);
  });

  it('pause reasons, the supervisor’s agent list, queue figures and log out agent', async () => {
    const camp = await insertCampaignRow(server.db, { key: 'RTC' });
    const carol = await agent('carol');
    await server.call('POST', '/api/members', { cookie: admin, body: { campaignIds: [camp], userIds: [carol.id] } });
    const o = { origin: server.url };
    const reason = await server.call('POST', '/api/pause-reasons', { cookie: admin, body: { name: 'Lunch' }, headers: o });
    expect(reason.status).toBe(201);
    expect((await server.call('POST', '/api/pause-reasons', { cookie: admin, body: { name: 'lunch' }, headers: o })).status).toBe(409);
    expect((await server.call('POST', '/api/pause-reasons', { cookie: carol.cookie, body: { name: 'Nap' }, headers: o })).status).toBe(403);

    const bad = await server.call('PUT', '/api/me/presence', { cookie: carol.cookie, body: { state: 'paused' }, headers: o });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([{ path: 'pauseReasonId', message: 'choose a pause reason' }]);
    const paused = await server.call('PUT', '/api/me/presence', { cookie: carol.cookie, body: { state: 'paused', pauseReasonId: reason.body.id }, headers: o });
    expect(paused.body).toMatchObject({ state: 'paused', pauseReason: 'Lunch' });

    const carolWs = await socket({ cookie: carol.cookie });
    await carolWs.next((m) => m.type === 'hello');
    const agents = await server.call('GET', '/api/supervisor/agents', { cookie: admin });
    expect(agents.body.items.find((a: { userId: string }) => a.userId === carol.id)).toMatchObject({ state: 'paused', pauseReason: 'Lunch', campaignKeys: ['RTC'] });
    expect((await server.call('GET', '/api/supervisor/agents', { cookie: carol.cookie })).status).toBe(403);

    await insertWaiting(server.db, camp, 2, new Date(Date.now() - 30_000));
    const queues = await server.call('GET', '/api/supervisor/queues', { cookie: admin });
    const fig = queues.body.items.find((q: { campaignId: string }) => q.campaignId === camp);
    expect(fig).toMatchObject({ campaignKey: 'RTC', waiting: 2, open: true, agents: { available: 0, paused: 1, offline: 0, busy: 0 } });
    expect(fig.longestWaitSec).toBeGreaterThanOrEqual(29);

    expect((await server.call('POST', `/api/supervisor/agents/${carol.id}/logout`, { cookie: admin, headers: o })).status).toBe(204);
    expect((await carolWs.closed).code).toBe(4001);
    expect((await server.call('GET', '/api/me/presence', { cookie: carol.cookie })).status).toBe(401);
    const after = await server.call('GET', '/api/supervisor/agents', { cookie: admin });
    expect(after.body.items.find((a: { userId: string }) => a.userId === carol.id).state).toBe('offline');
  });

  it('removing a member withdraws their offers from that campaign; the period of the queue figures is validated', async () => {
    const camp = await insertCampaignRow(server.db, { key: 'RTD' });
    const erin = await agent('erin');
    const o = { origin: server.url };
    await server.call('POST', '/api/members', { cookie: admin, body: { campaignIds: [camp], userIds: [erin.id] } });
    await server.call('PUT', '/api/me/presence', { cookie: erin.cookie, body: { state: 'available' }, headers: o });
    const [id] = await insertWaiting(server.db, camp, 1);
    await eventually(async () => (await server.call('GET', '/api/me/offers', { cookie: erin.cookie })).body.items.length === 1, 10_000, 'offer');
    expect((await server.call('DELETE', '/api/members', { cookie: admin, body: { campaignIds: [camp], userIds: [erin.id] }, headers: o })).status).toBe(204);
    expect((await server.call('GET', '/api/me/offers', { cookie: erin.cookie })).body.items).toEqual([]);
    const state = await server.db.query<{ queue_state: string }>('SELECT queue_state FROM interactions WHERE id = $1', [id]);
    expect(state.rows[0]!.queue_state).toBe('waiting');

    const bad = await server.call('GET', '/api/supervisor/queues?from=yesterday', { cookie: admin });
    expect(bad.status).toBe(400);
    const reversed = await server.call('GET', '/api/supervisor/queues?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', { cookie: admin });
    expect(reversed.status).toBe(400);
    expect(reversed.body.details).toEqual([{ path: 'from', message: 'from must be before to' }]);
    const period = await server.call('GET', `/api/supervisor/queues?from=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`, { cookie: admin });
    expect(period.body.items.find((q: { campaignKey: string }) => q.campaignKey === 'RTD')).toMatchObject({ waiting: 1 });
  });
});
