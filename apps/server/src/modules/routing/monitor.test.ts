import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';
import { insertCampaignRow } from '../../../../../test/support/campaign-row.ts';
import { insertWaiting } from '../../../../../test/support/routing-fixtures.ts';
import { openSocket, type TestSocket } from '../../../../../test/support/ws-client.ts';
import { assignInteraction, markClosed, moveToCampaign, touchInteraction } from '../interactions/index.ts';

// The supervisor's monitor over HTTP: the waiting table (every mail in the
// queue, longest first, sticky and transferred mail included), an agent's
// info and open interactions (spy), and pause / unpause from the monitor,
// which reaches the agent's socket at once — all within the supervisor's
// campaigns, everything else "not found".
let s: TestServer;
let admin: string;
let sup: string;
let campaignA: string;
let campaignB: string;
let ann: string;
let bob: string;
let annCookie: string;
let reason: string;
const sockets: TestSocket[] = [];
const PASSWORD = 'monitor-password-1';
const o = () => ({ origin: s.url });
const ago = (ms: number) => new Date(Date.now() - ms);

async function user(username: string, role: 'supervisor' | 'agent'): Promise<string> {
  const res = await s.call('POST', '/api/users', { cookie: admin, body: { username, displayName: username.toUpperCase(), role, password: PASSWORD } });
  expect(res.status).toBe(201);
  return res.body.id;
}

beforeAll(async () => {
  s = await startTestServer();
  admin = await s.login('admin', ADMIN_PASSWORD);
  campaignA = await insertCampaignRow(s.deps.db, { name: 'Alpha', key: 'ALP' });
  campaignB = await insertCampaignRow(s.deps.db, { name: 'Bravo', key: 'BRV' });
  const supId = await user('sue', 'supervisor');
  ann = await user('ann', 'agent');
  bob = await user('bob', 'agent');
  await s.call('POST', '/api/members', { cookie: admin, body: { campaignIds: [campaignA], userIds: [ann] } });
  await s.call('POST', '/api/members', { cookie: admin, body: { campaignIds: [campaignB], userIds: [bob] } });
  await s.call('PUT', `/api/users/${supId}/supervised-campaigns`, { cookie: admin, body: { campaignIds: [campaignA] } });
  sup = await s.login('sue', PASSWORD);
  annCookie = await s.login('ann', PASSWORD);
  reason = (await s.call('POST', '/api/pause-reasons', { cookie: admin, body: { name: 'Training' }, headers: o() })).body.id;
});
afterAll(async () => {
  for (const ws of sockets) ws.close();
  await s?.stop();
});

describe('the waiting table', () => {
  it('lists every mail in the queue of the supervisor\'s campaigns, longest on hold first, sticky and transferred mail included', async () => {
    const [fresh] = await insertWaiting(s.deps.db, campaignA, 1, ago(10_000));
    const [reopened] = await insertWaiting(s.deps.db, campaignA, 1, ago(3_600_000));
    await s.deps.db.tx(async (q) => {
      await assignInteraction(q, reopened!, ann, ago(3_000_000));
      await markClosed(q, reopened!, ago(2_000_000), null);
      await touchInteraction(q, reopened!, true);
    });
    const [transferred] = await insertWaiting(s.deps.db, campaignB, 1, ago(7_200_000));
    await s.deps.db.tx(async (q) => {
      await assignInteraction(q, transferred!, bob, ago(3_600_000));
      await moveToCampaign(q, transferred!, { campaignId: campaignA, fromUser: bob, fromCampaign: campaignB, until: new Date(Date.now() + 3_600_000), now: ago(60_000) });
    });
    await insertWaiting(s.deps.db, campaignB, 1, ago(100_000));

    const res = await s.call('GET', '/api/supervisor/waiting', { cookie: sup });
    expect(res.status).toBe(200);
    expect(res.body.items.map((w: { interactionId: number }) => w.interactionId)).toEqual([transferred, fresh, reopened]);
    const byId = new Map(res.body.items.map((w: { interactionId: number }) => [w.interactionId, w]));
    expect(byId.get(reopened)).toMatchObject({ stickyAgent: 'ANN', transferred: false, campaignKey: 'ALP', state: 'waiting' });
    expect(byId.get(transferred)).toMatchObject({ stickyAgent: null, transferred: true });
    expect(byId.get(fresh)).toMatchObject({ customerAddress: 'customer1@example.test', subject: 'Question 1' });
    // the admin sees B's too; the supervisor asking for B is "not found"
    expect((await s.call('GET', '/api/supervisor/waiting', { cookie: admin })).body.items).toHaveLength(4);
    expect((await s.call('GET', `/api/supervisor/waiting?campaignId=${campaignB}`, { cookie: sup })).status).toBe(404);
    expect((await s.call('GET', `/api/supervisor/waiting?campaignId=${campaignA}`, { cookie: sup })).body.items).toHaveLength(3);
  });
});

describe('actions on an agent', () => {
  it('info: profile, the supervisor\'s campaigns and today\'s figures; spy: their open interactions', async () => {
    const [mine] = await insertWaiting(s.deps.db, campaignA, 2, ago(5_000));
    const [, closed] = await insertWaiting(s.deps.db, campaignA, 2, ago(4_000));
    await s.deps.db.tx(async (q) => {
      await assignInteraction(q, mine!, ann, new Date());
      await assignInteraction(q, closed!, ann, new Date());
      await markClosed(q, closed!, new Date(), null);
    });
    const info = await s.call('GET', `/api/supervisor/agents/${ann}`, { cookie: sup });
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({ username: 'ann', displayName: 'ANN', state: 'offline', campaigns: [{ id: campaignA, key: 'ALP', name: 'Alpha' }], today: { completed: 1, active: 1, pending: 0 } });
    const spy = await s.call('GET', `/api/supervisor/agents/${ann}/interactions`, { cookie: sup });
    expect(spy.body.items.map((i: { id: number }) => i.id)).toEqual([mine]);
    const agents = await s.call('GET', '/api/supervisor/agents', { cookie: sup });
    expect(agents.body.items[0]).toMatchObject({ username: 'ann', completedToday: 1, busy: false, active: 1 });
    // the thread itself reads through the workspace's access rule
    expect((await s.call('GET', `/api/interactions/${mine}`, { cookie: sup })).status).toBe(200);
  });

  it('pause with a reason reaches the agent\'s socket at once; unpause too; another campaign\'s agent is "not found"', async () => {
    const ws = await openSocket(s.url, { cookie: annCookie });
    sockets.push(ws);
    await ws.next((m) => m.type === 'hello');
    expect((await s.call('PUT', '/api/me/presence', { cookie: annCookie, body: { state: 'available' }, headers: o() })).status).toBe(200);
    await ws.next((m) => m.type === 'presence.changed' && m.state === 'available');

    const paused = await s.call('PUT', `/api/supervisor/agents/${ann}/presence`, { cookie: sup, body: { state: 'paused', pauseReasonId: reason }, headers: o() });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ state: 'paused', pauseReason: 'Training' });
    await ws.next((m) => m.type === 'presence.changed' && m.state === 'paused');
    expect((await s.call('GET', '/api/me/presence', { cookie: annCookie })).body).toMatchObject({ state: 'paused', pauseReason: 'Training' });

    const noReason = await s.call('PUT', `/api/supervisor/agents/${ann}/presence`, { cookie: sup, body: { state: 'paused' }, headers: o() });
    expect(noReason.status).toBe(400);
    expect(noReason.body.details[0].path).toBe('pauseReasonId');

    const seen = ws.messages.length;
    expect((await s.call('PUT', `/api/supervisor/agents/${ann}/presence`, { cookie: sup, body: { state: 'available' }, headers: o() })).status).toBe(200);
    await ws.next((m) => m.type === 'presence.changed' && m.state === 'available' && ws.messages.indexOf(m) >= seen);

    expect((await s.call('PUT', `/api/supervisor/agents/${bob}/presence`, { cookie: sup, body: { state: 'paused', pauseReasonId: reason }, headers: o() })).status).toBe(404);
    expect((await s.call('GET', `/api/supervisor/agents/${bob}`, { cookie: sup })).status).toBe(404);
    expect((await s.call('GET', `/api/supervisor/agents/${bob}/interactions`, { cookie: sup })).status).toBe(404);
    // an agent cannot pause a colleague
    expect((await s.call('PUT', `/api/supervisor/agents/${ann}/presence`, { cookie: annCookie, body: { state: 'available' }, headers: o() })).status).toBe(403);
  });
});
