import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD } from '../../../../../test/support/app.ts';
import { insertCampaignRow } from '../../../../../test/support/campaign-row.ts';
import { createTestDatabase } from '../../../../../test/support/database.ts';
import { eventually } from '../../../../../test/support/mail-fixtures.ts';
import { addMembers, insertWaiting, setQueue } from '../../../../../test/support/routing-fixtures.ts';
import { openSocket, type TestSocket } from '../../../../../test/support/ws-client.ts';
import { loadConfig } from '../../config.ts';
import { startServer, type RunningServer } from '../../server.ts';

// Presence across a restart (issue 10, item 12): the server stops and starts
// again on the same database; an agent whose console reconnects keeps their
// presence, one whose sockets do not come back within the grace period goes
// offline and their offer returns to the queue.

const PASSWORD = 'agent-password-restart';
const GRACE_SEC = 10;
// How long the console takes to reconnect after the restart (its backoff
// grows to 15 s): well past a sweep (every second here), well within the grace.
const RECONNECT_AFTER_MS = 2_500;

describe('presence across a restart', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dataDir: string;
  let server: RunningServer | null = null;
  let url = '';
  const sockets: TestSocket[] = [];

  const start = async (): Promise<void> => {
    const config = loadConfig({
      DATABASE_URL: database.url,
      POSTDESK_DATA_DIR: dataDir,
      POSTDESK_PORT: '0',
      POSTDESK_ADMIN_PASSWORD: ADMIN_PASSWORD,
      POSTDESK_ROLES: 'api,worker',
      POSTDESK_PARSER_THREADS: '1',
      POSTDESK_ROUTING_TICK_MS: '50',
      POSTDESK_ROUTING_SWEEP_SEC: '1',
      POSTDESK_PRESENCE_GRACE_SEC: String(GRACE_SEC),
    });
    server = await startServer(config, { logDestination: new Writable({ write: (_c, _e, cb) => cb() }), serveWeb: false });
    const addr = server.app!.server.address();
    if (!addr || typeof addr !== 'object') throw new Error('no address');
    url = `http://127.0.0.1:${addr.port}`;
  };
  const call = async (method: string, p: string, cookie: string, body?: unknown) => {
    const res = await fetch(url + p, {
      method,
      headers: { cookie, origin: url, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const login = async (username: string, password: string): Promise<string> => {
    const res = await fetch(url + '/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
    expect(res.status).toBe(200);
    return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  };
  const presenceOf = async (userId: string) =>
    (await database.db.query<{ state: string }>(`SELECT state FROM agent_presence WHERE user_id = $1`, [userId])).rows[0]?.state;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'postdesk-restart-'));
    await start();
  }, 60_000);
  afterAll(async () => {
    for (const s of sockets) s.close();
    await server?.stop();
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps the presence of agents who reconnect; the others go offline after the grace and their offers return', async () => {
    const admin = await login('admin', ADMIN_PASSWORD);
    const campaignId = await insertCampaignRow(database.db, { key: 'RST' });
    await setQueue(database.db, campaignId, { strategy: 'round_robin', offer_timeout_sec: 3600, max_interactions_per_agent: 1 });
    const ids: Record<string, string> = {};
    const cookies: Record<string, string> = {};
    for (const name of ['back', 'gone']) {
      const u = await call('POST', '/api/users', admin, { username: `rst-${name}`, displayName: name, role: 'agent', password: PASSWORD });
      expect(u.status).toBe(201);
      ids[name] = u.body.id;
    }
    await addMembers(database.db, campaignId, [ids.back!, ids.gone!]);
    for (const name of ['back', 'gone']) {
      cookies[name] = await login(`rst-${name}`, PASSWORD);
      expect((await call('PUT', '/api/me/presence', cookies[name]!, { state: 'available' })).status).toBe(200);
      const s = await openSocket(url, { cookie: cookies[name]! });
      sockets.push(s);
      await s.next((m) => m.type === 'hello');
    }
    // each gets one offer
    await insertWaiting(database.db, campaignId, 2);
    await eventually(async () => (await database.db.query(`SELECT 1 FROM offers WHERE state = 'pending'`)).rowCount === 2, 20_000, 'two offers');
    const goneOffer = (await database.db.query<{ interaction_id: number }>(`SELECT interaction_id FROM offers WHERE state = 'pending' AND user_id = $1`, [ids.gone])).rows[0]!;

    // the restart: every socket is cut; it took a long while (their connections and presence are old)
    await server!.stop();
    server = null;
    await database.db.query(`UPDATE agent_connections SET seen_at = seen_at - interval '10 minutes'`);
    await database.db.query(`UPDATE agent_presence SET since = since - interval '10 minutes'`);
    await start();

    // only "back" reconnects (the console does so by itself, after a while)
    await new Promise((r) => setTimeout(r, RECONNECT_AFTER_MS));
    const again = await openSocket(url, { cookie: cookies.back! });
    sockets.push(again);
    await again.next((m) => m.type === 'hello');

    // "gone" goes offline once the grace has passed, its offer withdrawn and the interaction waiting again
    await eventually(async () => (await presenceOf(ids.gone!)) === 'offline', 30_000, 'the agent who did not come back to go offline');
    const offer = (await database.db.query<{ state: string }>(`SELECT state FROM offers WHERE interaction_id = $1 AND user_id = $2`, [goneOffer.interaction_id, ids.gone])).rows[0]!;
    expect(offer.state).toBe('withdrawn');
    // "back" kept their presence through the restart and the sweep that followed
    expect(await presenceOf(ids.back!)).toBe('available');
    expect((await call('GET', '/api/me/presence', cookies.back!)).body.state).toBe('available');
  }, 90_000);
});
