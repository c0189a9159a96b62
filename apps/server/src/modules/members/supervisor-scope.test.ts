import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';
import { insertCampaignRow } from '../../../../../test/support/campaign-row.ts';
import { insertWaiting } from '../../../../../test/support/routing-fixtures.ts';
import { openSocket, type TestSocket } from '../../../../../test/support/ws-client.ts';

// Supervisors are scoped: a supervisor of campaign A reads, lists, acts on and
// hears of A only; everything of campaign B is "not found" (404), over HTTP
// and on the WebSocket. Admins still see every campaign.
let s: TestServer;
let admin: string;
let sup: string;
let supId: string;
let campaignA: string;
let campaignB: string;
let agentA: string;
let agentB: string;
let cookieA: string;
let cookieB: string;
let itA: number;
let itB: number;
const sockets: TestSocket[] = [];
const PASSWORD = 'scope-password-12';
const o = () => ({ origin: s.url });

async function user(username: string, role: 'supervisor' | 'agent'): Promise<string> {
  const res = await s.call('POST', '/api/users', { cookie: admin, body: { username, displayName: username, role, password: PASSWORD } });
  expect(res.status).toBe(201);
  return res.body.id;
}
async function socket(cookie: string): Promise<TestSocket> {
  const ws = await openSocket(s.url, { cookie });
  sockets.push(ws);
  await ws.next((m) => m.type === 'hello');
  return ws;
}

beforeAll(async () => {
  s = await startTestServer();
  admin = await s.login('admin', ADMIN_PASSWORD);
  campaignA = await insertCampaignRow(s.deps.db, { name: 'Alpha', key: 'ALP' });
  campaignB = await insertCampaignRow(s.deps.db, { name: 'Bravo', key: 'BRV' });
  supId = await user('sue', 'supervisor');
  agentA = await user('ann', 'agent');
  agentB = await user('bob', 'agent');
  expect((await s.call('POST', '/api/members', { cookie: admin, body: { campaignIds: [campaignA], userIds: [agentA] } })).status).toBe(204);
  expect((await s.call('POST', '/api/members', { cookie: admin, body: { campaignIds: [campaignB], userIds: [agentB] } })).status).toBe(204);
  sup = await s.login('sue', PASSWORD);
  cookieA = await s.login('ann', PASSWORD);
  cookieB = await s.login('bob', PASSWORD);
  itA = (await insertWaiting(s.deps.db, campaignA, 1))[0]!;
  itB = (await insertWaiting(s.deps.db, campaignB, 1))[0]!;
});
afterAll(async () => {
  for (const ws of sockets) ws.close();
  await s?.stop();
});

describe('an admin assigns a supervisor their campaigns', () => {
  it('a new supervisor supervises nothing until an admin says; the list is set whole and read back', async () => {
    expect((await s.call('GET', '/api/supervisor/queues', { cookie: sup })).body.items).toEqual([]);
    expect((await s.call('GET', `/api/users/${supId}/supervised-campaigns`, { cookie: admin })).body).toEqual({ campaignIds: [] });
    const set = await s.call('PUT', `/api/users/${supId}/supervised-campaigns`, { cookie: admin, body: { campaignIds: [campaignA] } });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ campaignIds: [campaignA] });
    expect((await s.call('GET', `/api/users/${supId}/supervised-campaigns`, { cookie: admin })).body).toEqual({ campaignIds: [campaignA] });
  });

  it('refuses a supervisor setting their own scope, an agent as the target, and an unknown campaign (named)', async () => {
    expect((await s.call('PUT', `/api/users/${supId}/supervised-campaigns`, { cookie: sup, body: { campaignIds: [campaignA, campaignB] } })).status).toBe(403);
    expect((await s.call('PUT', `/api/users/${agentA}/supervised-campaigns`, { cookie: admin, body: { campaignIds: [campaignA] } })).status).toBe(404);
    const bad = await s.call('PUT', `/api/users/${supId}/supervised-campaigns`, { cookie: admin, body: { campaignIds: [campaignA, '00000000-0000-4000-8000-000000000000'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([{ path: 'campaignIds.1', message: 'no such campaign' }]);
    // nothing half-applied
    expect((await s.call('GET', `/api/users/${supId}/supervised-campaigns`, { cookie: admin })).body).toEqual({ campaignIds: [campaignA] });
  });
});

describe('a supervisor of A over HTTP', () => {
  it('sees A\'s queue, agents, members, campaign, mailbox list and interactions — and none of B\'s', async () => {
    const queues = await s.call('GET', '/api/supervisor/queues', { cookie: sup });
    expect(queues.body.items.map((q: { campaignId: string }) => q.campaignId)).toEqual([campaignA]);
    expect(queues.body.items[0].waiting).toBe(1);
    const agents = await s.call('GET', '/api/supervisor/agents', { cookie: sup });
    expect(agents.body.items.map((a: { userId: string }) => a.userId)).toEqual([agentA]);
    expect(agents.body.items[0].campaignKeys).toEqual(['ALP']);
    const members = await s.call('GET', '/api/members', { cookie: sup });
    expect(members.body.items.map((m: { userId: string }) => m.userId)).toEqual([agentA]);
    expect((await s.call('GET', '/api/campaigns', { cookie: sup })).body.items.map((c: { id: string }) => c.id)).toEqual([campaignA]);
    expect((await s.call('GET', `/api/interactions/${itA}`, { cookie: sup })).status).toBe(200);
    // an admin still sees both
    expect((await s.call('GET', '/api/supervisor/queues', { cookie: admin })).body.items).toHaveLength(2);
    expect((await s.call('GET', '/api/supervisor/agents', { cookie: admin })).body.items).toHaveLength(2);
  });

  it('gets 404 for everything of B', async () => {
    expect((await s.call('GET', `/api/members?campaignId=${campaignB}`, { cookie: sup })).status).toBe(404);
    expect((await s.call('GET', `/api/campaigns/${campaignB}`, { cookie: sup })).status).toBe(404);
    expect((await s.call('GET', `/api/interactions/${itB}`, { cookie: sup })).status).toBe(404);
    expect((await s.call('GET', `/api/campaigns/${campaignB}/dispositions`, { cookie: sup })).status).toBe(404);
    expect((await s.call('POST', `/api/interactions/${itB}/close`, { cookie: sup, body: {}, headers: o() })).status).toBe(404);
    expect((await s.call('POST', `/api/supervisor/agents/${agentB}/logout`, { cookie: sup, headers: o() })).status).toBe(404);
    const search = await s.call('GET', `/api/search?q=${encodeURIComponent('customer1')}`, { cookie: sup });
    expect(search.status).toBe(200);
    expect(search.body.items.map((i: { id: number }) => i.id)).toEqual([itA]);
  });

  it('acts on A: logs A\'s agent out and closes A\'s interaction', async () => {
    expect((await s.call('POST', `/api/supervisor/agents/${agentA}/logout`, { cookie: sup, headers: o() })).status).toBe(204);
    cookieA = await s.login('ann', PASSWORD);
    expect((await s.call('POST', `/api/interactions/${itA}/close`, { cookie: sup, body: {}, headers: o() })).status).toBe(204);
  });
});

describe('a supervisor of A on the WebSocket', () => {
  it('hears A\'s queue and agents and nothing of B\'s, while an admin hears both', async () => {
    const supWs = await socket(sup);
    const adminWs = await socket(admin);
    // B first: by the time A's change reaches the supervisor, B's would have too
    expect((await s.call('PUT', '/api/me/presence', { cookie: cookieB, body: { state: 'available' }, headers: o() })).status).toBe(200);
    await adminWs.next((m) => m.type === 'agent.changed' && m.userId === agentB);
    await insertWaiting(s.deps.db, campaignB, 1);
    await adminWs.next((m) => m.type === 'queue.changed' && m.campaignIds.includes(campaignB));
    expect((await s.call('PUT', '/api/me/presence', { cookie: cookieA, body: { state: 'available' }, headers: o() })).status).toBe(200);
    await supWs.next((m) => m.type === 'agent.changed' && m.userId === agentA);
    await insertWaiting(s.deps.db, campaignA, 1);
    await supWs.next((m) => m.type === 'queue.changed' && m.campaignIds.includes(campaignA));
    const aboutB = supWs.messages.filter((m) => (m.type === 'agent.changed' && m.userId === agentB) || (m.type === 'queue.changed' && m.campaignIds.includes(campaignB)));
    expect(aboutB).toEqual([]);
  });

  it('a change of the supervisor\'s campaigns closes their socket (4409); the new one hears B too', async () => {
    const supWs = await socket(sup);
    expect((await s.call('PUT', `/api/users/${supId}/supervised-campaigns`, { cookie: admin, body: { campaignIds: [campaignA, campaignB] } })).status).toBe(200);
    expect((await supWs.closed).code).toBe(4409);
    const again = await socket(sup);
    await insertWaiting(s.deps.db, campaignB, 1);
    await again.next((m) => m.type === 'queue.changed' && m.campaignIds.includes(campaignB));
    expect((await s.call('GET', `/api/interactions/${itB}`, { cookie: sup })).status).toBe(200);
  });
});
