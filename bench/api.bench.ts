import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import pg from 'pg';
import { loadConfig } from '../apps/server/src/config.ts';
import { startServer } from '../apps/server/src/server.ts';
import { startEmbeddedPostgres } from '../apps/server/src/platform/db/embedded.ts';
import { insertCampaignRow } from '../test/support/campaign-row.ts';

const CONCURRENCY = 16;
const DURATION_MS = 5_000;
const MAX_REQUESTS = 200_000;

/** Fires GETs from CONCURRENCY loops for a bounded time and count; returns rps and latency percentiles. */
async function load(url: string, headers: Record<string, string>): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  const lat: number[] = [];
  let errors = 0;
  const end = Date.now() + DURATION_MS;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < end && lat.length < MAX_REQUESTS) {
        const s = performance.now();
        const res = await fetch(url, { headers });
        await res.arrayBuffer();
        if (res.status !== 200) errors++;
        lat.push(performance.now() - s);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))]!;
  return { rps: lat.length / secs, p50: pct(0.5), p99: pct(0.99), errors };
}

/**
 * The API's read path against its limit: the same HTTP stack answering a
 * constant, and one SELECT round trip per request on the same PostgreSQL.
 */
export async function run(): Promise<Record<string, number>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'postdesk-bench-api-'));
  const embedded = await startEmbeddedPostgres(path.join(dir, 'pg'));
  const server = await startServer(
    loadConfig({ DATABASE_URL: embedded.url, POSTDESK_DATA_DIR: dir, POSTDESK_PORT: '0', POSTDESK_ADMIN_PASSWORD: 'bench-admin-password', POSTDESK_ROLES: 'api', LOG_LEVEL: 'warn' }),
    { serveWeb: false },
  );
  // Forty campaigns, as a mid-size contact center has.
  const c = new pg.Client(embedded.url);
  await c.connect();
  for (let i = 0; i < 40; i++) await insertCampaignRow(c, { name: `Campaign ${i}`, key: `C${i}`, receiveEmails: true });
  await c.end();
  const base = server.url!;
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'bench-admin-password' }),
  });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;

  const bare = Fastify();
  const pool = new pg.Pool({ connectionString: embedded.url, max: 10 });
  bare.get('/const', async () => ({ ok: true }));
  bare.get('/select', async () => (await pool.query('SELECT 1 AS ok')).rows[0]);
  await bare.listen({ host: '127.0.0.1', port: 0 });
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}`;

  const limitConst = await load(`${bareUrl}/const`, {});
  const limitSelect = await load(`${bareUrl}/select`, {});
  const me = await load(`${base}/api/auth/me`, { cookie });
  const list = await load(`${base}/api/campaigns`, { cookie });

  const line = (label: string, r: { rps: number; p50: number; p99: number; errors: number }, limit: { rps: number }) =>
    `${label.padEnd(44)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50.toFixed(2).padStart(6)} ms  p99 ${r.p99.toFixed(2).padStart(6)} ms  ratio ${(r.rps / limit.rps).toFixed(2)}  errors ${r.errors}`;
  console.log(line('limit: bare Fastify, constant JSON', limitConst, limitConst));
  console.log(line('limit: bare Fastify, one SELECT', limitSelect, limitConst));
  console.log(line('GET /api/auth/me (session lookup)', me, limitSelect));
  console.log(line('GET /api/campaigns (40 campaigns, admin)', list, limitSelect));
  console.log(`target: p99 under 50 ms for both API reads (concurrency ${CONCURRENCY}, ${DURATION_MS / 1000} s each) — ${me.p99 < 50 && list.p99 < 50 ? 'met' : 'NOT met'}`);

  await bare.close();
  await pool.end();
  await server.stop();
  await embedded.stop();
  await rm(dir, { recursive: true, force: true });
  return {
    limit_const_rps: limitConst.rps,
    limit_select_rps: limitSelect.rps,
    me_rps: me.rps,
    me_p50_ms: me.p50,
    me_p99_ms: me.p99,
    campaigns_rps: list.rps,
    campaigns_p50_ms: list.p50,
    campaigns_p99_ms: list.p99,
    campaigns_ratio_to_select: list.rps / limitSelect.rps,
  };
}
