// `npm run bench -- routing`: 1,000 agents on real WebSockets, 20 campaigns,
// 10,000 waiting interactions. Measures, in one run:
// - decision time: one routing transaction (lock, read the queue head and
//   the members' load, choose, write the offer, commit), p50 / p99;
// - throughput: offers placed per second while the backlog drains;
// - offer delivery: a fresh interaction committed → its offer arriving on
//   the agent's socket, over 200 interactions once the backlog is placed.
// Bounded: every wait has a deadline; the run ends with a non-zero exit on one.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { loadConfig } from '../apps/server/src/config.ts';
import { createSession } from '../apps/server/src/modules/auth/index.ts';
import type { Decision } from '../apps/server/src/modules/routing/route-campaign.ts';
import { startEmbeddedPostgres } from '../apps/server/src/platform/db/embedded.ts';
import { emitEvent } from '../apps/server/src/platform/events/events.ts';
import { startServer } from '../apps/server/src/server.ts';
import { insertCampaignRow } from '../test/support/campaign-row.ts';

const AGENTS = Number(process.env.BENCH_ROUTING_AGENTS ?? 1000);
const CAMPAIGNS = 20;
const WAITING = Number(process.env.BENCH_ROUTING_WAITING ?? 10_000);
const MAX_PER_AGENT = 12; // room for the backlog (10 each) and the delivery probes
const PROBES = 200;
const TARGET_DECISION_P99 = 20;
const TARGET_DELIVERY_P99 = 100;

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : NaN;
};
const log = (m: string): void => void process.stderr.write(`[routing] ${m}\n`);

async function until(what: string, ms: number, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function run(): Promise<Record<string, number>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'postdesk-bench-routing-'));
  const embedded = await startEmbeddedPostgres(path.join(dir, 'pg'));
  const decisions: number[] = [];
  let placed = 0;
  let recording = false;
  const server = await startServer(
    loadConfig({ DATABASE_URL: embedded.url, POSTDESK_DATA_DIR: dir, POSTDESK_PORT: '0', POSTDESK_ROLES: 'api,worker', LOG_LEVEL: 'warn', POSTDESK_ADMIN_PASSWORD: 'bench-admin-password', POSTDESK_ROUTING_CONCURRENCY: process.env.POSTDESK_ROUTING_CONCURRENCY ?? '2' }),
    {
      serveWeb: false,
      onRoutingDecision: (d: Decision, ms: number) => {
        if (d.kind === 'none') return;
        placed++;
        if (recording) decisions.push(ms);
      },
    },
  );
  const sockets: WebSocket[] = [];
  try {
    const db = server.db;
    const url = server.url!;
    log(`seeding ${CAMPAIGNS} campaigns, ${AGENTS} agents, ${WAITING} waiting interactions`);
    const campaigns: string[] = [];
    for (let c = 0; c < CAMPAIGNS; c++) {
      const id = await insertCampaignRow(db, { key: `R${c}` });
      await db.query(`UPDATE campaigns SET max_interactions_per_agent = $2, offer_timeout_sec = 3600 WHERE id = $1`, [id, MAX_PER_AGENT]);
      campaigns.push(id);
    }
    const { rows: users } = await db.query<{ id: string }>(
      `INSERT INTO users (username, display_name, role, password_hash)
       SELECT 'bench' || g, 'Agent ' || g, 'agent', 'x' FROM generate_series(1, $1) g RETURNING id`,
      [AGENTS],
    );
    await db.query(
      `INSERT INTO campaign_members (campaign_id, user_id, position)
       SELECT ($1::uuid[])[1 + (n - 1) % $2], u, (n - 1) / $2 FROM unnest($3::uuid[]) WITH ORDINALITY AS t(u, n)`,
      [campaigns, CAMPAIGNS, users.map((u) => u.id)],
    );
    await db.query(
      `INSERT INTO interactions (campaign_id, customer_address, subject, queued_at)
       SELECT ($1::uuid[])[1 + g % $2], 'c' || g || '@example.test', 'Backlog ' || g, now() - interval '1 hour' + g * interval '1 millisecond'
         FROM generate_series(1, $3) g`,
      [campaigns, CAMPAIGNS, WAITING],
    );

    log('connecting the agents');
    const offerSeen = new Map<number, number>();
    for (const u of users) {
      const token = await createSession(db, u.id, 3_600_000);
      const ws = new WebSocket(url.replace(/^http/, 'ws') + '/api/ws', { headers: { cookie: `pd_session=${token}` }, origin: url });
      ws.on('message', (data) => {
        const m = JSON.parse(String(data)) as { type: string; offer?: { interactionId: number } };
        if (m.type === 'offer.created' && m.offer && !offerSeen.has(m.offer.interactionId)) offerSeen.set(m.offer.interactionId, performance.now());
      });
      await new Promise<void>((resolve, reject) => {
        ws.once('message', () => resolve());
        ws.once('error', reject);
      });
      sockets.push(ws);
    }

    log('agents available: the backlog drains');
    recording = true;
    const started = performance.now();
    await db.query(
      `INSERT INTO agent_presence (user_id, state, since) SELECT u, 'available', now() FROM unnest($1::uuid[]) u
       ON CONFLICT (user_id) DO UPDATE SET state = 'available', since = now()`,
      [users.map((u) => u.id)],
    );
    for (const c of campaigns) await emitEvent(db, { type: 'campaign.changed', campaignId: c });
    await until('backlog placed', 600_000, () => placed >= WAITING);
    const drainSec = (performance.now() - started) / 1000;
    const throughput = WAITING / drainSec;
    log(`backlog placed in ${drainSec.toFixed(1)} s`);

    log(`offer delivery: ${PROBES} fresh interactions`);
    const delivery: number[] = [];
    for (let i = 0; i < PROBES; i++) {
      const campaignId = campaigns[i % CAMPAIGNS]!;
      const id = await db.tx(async (q) => {
        const { rows } = await q.query<{ id: number }>(
          `INSERT INTO interactions (campaign_id, customer_address, subject) VALUES ($1, $2, 'Probe') RETURNING id`,
          [campaignId, `probe${i}@example.test`],
        );
        await emitEvent(q, { type: 'interaction.created', campaignId, interactionId: rows[0]!.id, linkedTo: null });
        return rows[0]!.id;
      });
      const committed = performance.now();
      await until(`offer for probe ${i}`, 10_000, () => offerSeen.has(id));
      delivery.push(offerSeen.get(id)! - committed);
      await new Promise((r) => setTimeout(r, 10));
    }
    recording = false;

    const r = {
      decision_p50_ms: pct(decisions, 0.5),
      decision_p99_ms: pct(decisions, 0.99),
      offer_delivery_p50_ms: pct(delivery, 0.5),
      offer_delivery_p99_ms: pct(delivery, 0.99),
      assignments_per_s: throughput,
      agents: AGENTS,
      campaigns: CAMPAIGNS,
      waiting: WAITING,
      decisions: decisions.length,
    };
    const verdict = (ok: boolean): string => (ok ? 'met' : 'NOT met');
    console.log(`routing decision (one transaction)      p50 ${r.decision_p50_ms.toFixed(2)} ms  p99 ${r.decision_p99_ms.toFixed(2)} ms  target p99 < ${TARGET_DECISION_P99} ms: ${verdict(r.decision_p99_ms < TARGET_DECISION_P99)}`);
    console.log(`offer delivery (commit → agent socket)  p50 ${r.offer_delivery_p50_ms.toFixed(1)} ms  p99 ${r.offer_delivery_p99_ms.toFixed(1)} ms  target p99 < ${TARGET_DELIVERY_P99} ms: ${verdict(r.offer_delivery_p99_ms < TARGET_DELIVERY_P99)}`);
    console.log(`backlog of ${WAITING} offered to ${AGENTS} agents   ${throughput.toFixed(0)} offers/s (${drainSec.toFixed(1)} s)`);
    return r;
  } finally {
    for (const ws of sockets) ws.terminate();
    await server.stop();
    await embedded.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
