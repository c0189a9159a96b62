import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';
import { insertCampaignRow } from '../../../../../test/support/campaign-row.ts';
import { openSocket, type TestSocket } from '../../../../../test/support/ws-client.ts';
import { loadConfig } from '../../config.ts';
import { startServer, type RunningServer } from '../../server.ts';

// A socket lives no longer than the session or token it was opened with,
// and carries no more rights than its user has now — also when the socket
// is on another api node than the request that ended or changed the session
// (the change reaches every node through PostgreSQL NOTIFY).
let a: TestServer;
let b: RunningServer;
let bUrl: string;
let admin: string;
const sockets: TestSocket[] = [];
const PASSWORD = 'lifetime-password-1';
const o = () => ({ origin: a.url });

async function user(username: string, role: 'admin' | 'supervisor' | 'agent'): Promise<string> {
  const res = await a.call('POST', '/api/users', { cookie: admin, body: { username, displayName: username, role, password: PASSWORD } });
  expect(res.status).toBe(201);
  return res.body.id;
}

/** A socket on node B, opened with a session or token made on node A. */
async function socketOnB(auth: { cookie?: string; token?: string }): Promise<TestSocket> {
  const ws = await openSocket(bUrl, auth);
  sockets.push(ws);
  await ws.next((m) => m.type === 'hello');
  return ws;
}

const isOpen = (ws: TestSocket) => ws.socket.readyState === ws.socket.OPEN;

beforeAll(async () => {
  a = await startTestServer();
  admin = await a.login('admin', ADMIN_PASSWORD);
  const quiet = new Writable({ write: (_c, _e, cb) => cb() });
  b = await startServer(
    loadConfig({
      DATABASE_URL: a.deps.config.databaseUrl,
      POSTDESK_DATA_DIR: a.dataDir,
      POSTDESK_PORT: '0',
      POSTDESK_ROLES: 'api',
      POSTDESK_PARSER_THREADS: '1',
      LOG_LEVEL: 'warn',
    }),
    { serveWeb: false, logDestination: quiet },
  );
  bUrl = b.url!;
});
afterAll(async () => {
  for (const ws of sockets) ws.close();
  await b?.stop();
  await a?.stop();
});

describe('sockets end with their session', () => {
  it('closes the socket of a session logged out on another node; the same user\'s other session keeps its socket and its pushes', async () => {
    await user('lou', 'agent');
    const first = await a.login('lou', PASSWORD);
    const second = await a.login('lou', PASSWORD);
    const ws1 = await socketOnB({ cookie: first });
    const ws2 = await socketOnB({ cookie: second });
    expect((await a.call('POST', '/api/auth/logout', { cookie: first })).status).toBe(204);
    expect((await ws1.closed).code).toBe(4401);
    expect(isOpen(ws2)).toBe(true);
    const seen = ws2.messages.length;
    expect((await a.call('PUT', '/api/me/presence', { cookie: second, body: { state: 'available' }, headers: o() })).status).toBe(200);
    await ws2.next((m) => m.type === 'presence.changed' && m.state === 'available' && ws2.messages.indexOf(m) >= seen);
    expect(isOpen(ws2)).toBe(true);
  });

  it('closes a disabled user\'s sockets', async () => {
    const id = await user('dan', 'agent');
    const ws = await socketOnB({ cookie: await a.login('dan', PASSWORD) });
    expect((await a.call('PATCH', `/api/users/${id}`, { cookie: admin, body: { enabled: false } })).status).toBe(200);
    expect((await ws.closed).code).toBe(4401);
  });

  it('closes a supervisor demoted to agent, who then hears no staff events', async () => {
    const supId = await user('sid', 'supervisor');
    const amyId = await user('amy', 'agent');
    // sid supervises amy's campaign: a supervisor hears only their campaigns' agents
    const campaignId = await insertCampaignRow(a.db);
    expect((await a.call('POST', '/api/members', { cookie: admin, body: { campaignIds: [campaignId], userIds: [amyId] } })).status).toBe(204);
    expect((await a.call('PUT', `/api/users/${supId}/supervised-campaigns`, { cookie: admin, body: { campaignIds: [campaignId] } })).status).toBe(200);
    const amy = await a.login('amy', PASSWORD);
    const ws = await socketOnB({ cookie: await a.login('sid', PASSWORD) });
    await a.call('PUT', '/api/me/presence', { cookie: amy, body: { state: 'available' }, headers: o() });
    await ws.next((m) => m.type === 'agent.changed' && m.state === 'available');

    expect((await a.call('PATCH', `/api/users/${supId}`, { cookie: admin, body: { role: 'agent' } })).status).toBe(200);
    expect((await ws.closed).code).toBe(4401);
    const heard = ws.messages.length;
    await a.call('PUT', '/api/me/presence', { cookie: amy, body: { state: 'offline' }, headers: o() });
    // as an agent again, sid's new socket hears only what names sid
    const again = await socketOnB({ cookie: await a.login('sid', PASSWORD) });
    await a.call('PUT', '/api/me/presence', { cookie: amy, body: { state: 'available' }, headers: o() });
    expect((await a.call('PUT', '/api/me/presence', { cookie: await a.login('sid', PASSWORD), body: { state: 'available' }, headers: o() })).status).toBe(200);
    await again.next((m) => m.type === 'presence.changed' && m.state === 'available');
    expect(again.messages.filter((m) => m.type === 'agent.changed')).toEqual([]);
    expect(ws.messages.length).toBe(heard);
  });

  it('closes a token\'s socket when the token is revoked by its owner\'s demotion, and keeps one the new role still covers', async () => {
    const adaId = await user('ada', 'admin');
    const ada = await a.login('ada', PASSWORD);
    const high = (await a.call('POST', '/api/tokens', { cookie: ada, body: { name: 'ada live view', role: 'supervisor' } })).body.token as string;
    const low = (await a.call('POST', '/api/tokens', { cookie: ada, body: { name: 'ada desk', role: 'agent' } })).body.token as string;
    const wsHigh = await socketOnB({ token: high });
    const wsLow = await socketOnB({ token: low });
    expect((await a.call('PATCH', `/api/users/${adaId}`, { cookie: admin, body: { role: 'agent' } })).status).toBe(200);
    expect((await wsHigh.closed).code).toBe(4401);
    // the agent token's socket stays: nothing it carries changed
    expect((await a.call('PUT', '/api/me/presence', { token: low, body: { state: 'available' } })).status).toBe(200);
    await wsLow.next((m) => m.type === 'presence.changed' && m.state === 'available');
    expect(isOpen(wsLow)).toBe(true);
  });

  it('closes, on the next heartbeat, a socket whose session expired or whose rights shrank behind the API', async () => {
    const bo = await user('bo', 'agent');
    const expiring = await socketOnB({ cookie: await a.login('bo', PASSWORD) });
    await a.db.query(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = $1`, [bo]);
    expect((await expiring.closed).code).toBe(4401);

    const zoeId = await user('zoe', 'admin');
    const zoe = await a.login('zoe', PASSWORD);
    const token = (await a.call('POST', '/api/tokens', { cookie: zoe, body: { name: 'zoe', role: 'admin' } })).body.token as string;
    const capped = await socketOnB({ token });
    await a.db.query(`UPDATE users SET role = 'agent' WHERE id = $1`, [zoeId]);
    expect((await capped.closed).code).toBe(4409);
  });
});
