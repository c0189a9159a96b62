// `npm run bench -- outbox`: agents' replies queued in the outbox and sent by
// the real outbox worker (the `worker` role, in this process) into Postfix's
// smtp-sink on loopback. Measures, in one run:
// - the limit: the same stored bytes sent straight with mailkit's sendRaw
//   (one connection a message, as the worker sends), 10 at once — the
//   worker's claim batch — and, as the SMTP ceiling, Postfix's smtp-source
//   sending as many messages of the same size over 10 sessions;
// - throughput: BENCH_OUTBOX_COUNT messages (5,000) queued behind an SMTP
//   hold, released in one transaction, drained until every one is `sent`;
// - claim: how long the claim statement takes (p50 / p99) during the drain,
//   and, over 200 single messages, the time from the commit of the enqueue
//   to the worker's claim of it (NOTIFY → wake-up → claim);
// - CPU: this process (server and worker) and the PostgreSQL cluster, per message.
// Bounded: every wait ends with an error after 60 s without progress.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sendRaw } from '@postdesk/mailkit/smtp';
import { loadConfig } from '../apps/server/src/config.ts';
import { enqueueOutbound } from '../apps/server/src/modules/outbound/enqueue-outbound.ts';
import { resumeSending } from '../apps/server/src/modules/outbound/resume-sending.ts';
import { startEmbeddedPostgres } from '../apps/server/src/platform/db/embedded.ts';
import { startServer } from '../apps/server/src/server.ts';
import { startSmtpSink } from '../test/peers/smtp-sink.ts';
import { insertCampaignRow } from '../test/support/campaign-row.ts';

const COUNT = Number(process.env.BENCH_OUTBOX_COUNT ?? 5_000);
const PROBES = Number(process.env.BENCH_OUTBOX_PROBES ?? 200);
const LIMIT_CONCURRENCY = 10;
const STALL_MS = 60_000;

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : NaN;
};
const log = (m: string): void => void process.stderr.write(`[outbox] ${m}\n`);
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Waits until progress() reaches target; fails after STALL_MS without any progress. */
async function until(what: string, target: number, progress: () => Promise<number> | number, everyMs = 20): Promise<void> {
  let last = -1;
  let lastAt = Date.now();
  for (;;) {
    const now = await progress();
    if (now >= target) return;
    if (now !== last) {
      last = now;
      lastAt = Date.now();
    } else if (Date.now() - lastAt > STALL_MS) throw new Error(`no progress for ${STALL_MS / 1000} s: ${what} (${now} of ${target})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** CPU time (ms) of the PostgreSQL cluster: the postmaster, its live children and the children it reaped. */
async function postgresCpuMs(pgDir: string): Promise<number> {
  const tick = 1000 / 100; // USER_HZ
  const master = Number((await readFile(path.join(pgDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  const fields = async (pid: number | string): Promise<string[] | null> => {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    return stat ? stat.slice(stat.lastIndexOf(')') + 2).split(' ') : null;
  };
  let total = 0;
  const m = await fields(master);
  // fields after the name: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14)
  if (m) total += Number(m[11]) + Number(m[12]) + Number(m[13]) + Number(m[14]);
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === master) continue;
    const f = await fields(pid);
    if (f && Number(f[1]) === master) total += Number(f[11]) + Number(f[12]);
  }
  return total * tick;
}

export async function run(): Promise<Record<string, number>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'postdesk-bench-outbox-'));
  const embedded = await startEmbeddedPostgres(path.join(dir, 'pg'));
  const pgDir = path.join(dir, 'pg', 'pg');
  const sink = await startSmtpSink({ discard: true, backlog: 256 });
  const claimed = new Map<number, number>();
  const claimMs: number[] = [];
  let recordClaims = false;
  const server = await startServer(
    loadConfig({ DATABASE_URL: embedded.url, POSTDESK_DATA_DIR: dir, POSTDESK_PORT: '0', POSTDESK_ROLES: 'worker', LOG_LEVEL: 'warn', POSTDESK_ADMIN_PASSWORD: 'bench-admin-password' }),
    {
      serveWeb: false,
      onOutboxClaim: (ids, ms) => {
        const at = performance.now();
        for (const id of ids) claimed.set(id, at);
        if (recordClaims) claimMs.push(ms);
      },
    },
  );
  try {
    const db = server.db;
    const deps = server.deps;
    const campaignId = await insertCampaignRow(db, { key: 'OUT', fromAddress: 'desk@example.test' });
    await db.query(`UPDATE campaigns SET smtp_host = '127.0.0.1', smtp_port = $2, smtp_security = 'none', smtp_auth = false WHERE id = $1`, [campaignId, sink.port]);
    // the account is held while the backlog is queued, so the drain starts from a full queue at a known time
    await db.query(`INSERT INTO smtp_holds (campaign_id, code, response, retry_at) VALUES ($1, 'bench', 'held for the benchmark', NULL)`, [campaignId]);
    const { rows: interactions } = await db.query<{ id: number }>(
      `INSERT INTO interactions (campaign_id, customer_address, subject)
       SELECT $1, 'customer' || g || '@example.test', 'Question ' || g FROM generate_series(1, $2) g RETURNING id`,
      [campaignId, COUNT + PROBES],
    );
    const body = 'Thank you for writing to us. '.repeat(60); // ~1.7 KB of text: a short agent reply
    const enqueue = (i: number) =>
      db.tx((q) =>
        enqueueOutbound(q, deps, {
          campaignId,
          interactionId: interactions[i]!.id,
          kind: 'agent',
          compose: {
            from: { address: 'desk@example.test', name: 'Help desk' },
            to: [{ address: `customer${i + 1}@example.test`, name: `Customer ${i + 1}` }],
            subject: `Re: Question ${i + 1} [OUT-${interactions[i]!.id}]`,
            text: `Hello,\n\n${body}\n\nRegards,\nAgent`,
          },
        }),
      );

    log(`queueing ${COUNT} replies behind a hold`);
    let next = 0;
    const enqStarted = performance.now();
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < COUNT) await enqueue(next++);
    }));
    const enqueuePerS = COUNT / ((performance.now() - enqStarted) / 1000);

    const sample = (await db.query<{ raw_sha256: Buffer; envelope_from: string; envelope_to: string[] }>(
      `SELECT m.raw_sha256, o.envelope_from, o.envelope_to FROM outbox o JOIN messages m ON m.id = o.message_id ORDER BY o.id LIMIT 1`,
    )).rows[0]!;
    const raw = await deps.blobs.get(sample.raw_sha256.toString('hex'));

    log(`limit: the same ${raw.length} bytes sent straight with sendRaw, ${LIMIT_CONCURRENCY} at once`);
    const account = { host: '127.0.0.1', port: sink.port, security: 'none' as const, connectionTimeoutMs: 10_000 };
    let sent = 0;
    let failed = 0;
    const limitCpu0 = cpuMs();
    const limitStarted = performance.now();
    await Promise.all(Array.from({ length: LIMIT_CONCURRENCY }, async () => {
      while (sent + failed < COUNT) {
        sent++;
        const r = await sendRaw(account, { from: sample.envelope_from, to: sample.envelope_to }, raw);
        if (!r.ok) {
          sent--;
          failed++;
        }
      }
    }));
    if (failed) throw new Error(`the limit run had ${failed} failed sends`);
    const limitPerS = COUNT / ((performance.now() - limitStarted) / 1000);
    const limitCpuPerMsg = (cpuMs() - limitCpu0) / COUNT;

    log(`ceiling: smtp-source, ${COUNT} messages of ${raw.length} bytes over ${LIMIT_CONCURRENCY} sessions`);
    const sourceStarted = performance.now();
    await new Promise<void>((resolve, reject) => {
      const child = spawn('/usr/sbin/smtp-source', ['-s', String(LIMIT_CONCURRENCY), '-m', String(COUNT), '-l', String(raw.length), '-f', 'desk@example.test', '-t', 'customer@example.test', `127.0.0.1:${sink.port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`smtp-source exited ${code}: ${err}`))));
    });
    const sourcePerS = COUNT / ((performance.now() - sourceStarted) / 1000);

    log('outbox: the hold is lifted; the worker drains the backlog');
    const sentCount = async () => (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE state = 'sent'`)).rows[0]!.n;
    recordClaims = true;
    const cpu0 = cpuMs();
    const pg0 = await postgresCpuMs(pgDir);
    const drainStarted = performance.now();
    await db.tx((q) => resumeSending(q, campaignId));
    await until('backlog sent', COUNT, sentCount, 50);
    const drainSec = (performance.now() - drainStarted) / 1000;
    const outboxPerS = COUNT / drainSec;
    const nodeCpuPerMsg = (cpuMs() - cpu0) / COUNT;
    const pgCpuPerMsg = ((await postgresCpuMs(pgDir)) - pg0) / COUNT;
    recordClaims = false;
    const notSent = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE state <> 'sent'`)).rows[0]!.n;
    if (notSent) throw new Error(`${notSent} messages not sent`);

    log(`claim latency: ${PROBES} single replies, commit → claim`);
    const wake: number[] = [];
    for (let i = 0; i < PROBES; i++) {
      const { messageId } = await enqueue(COUNT + i);
      const committed = performance.now();
      await until(`claim of probe ${i}`, 1, () => (claimed.has(messageId) ? 1 : 0), 1);
      wake.push(claimed.get(messageId)! - committed);
      await until(`probe ${i} sent`, COUNT + i + 1, sentCount, 5);
    }

    const r = {
      limit_sendraw_msgs_per_s: limitPerS,
      limit_smtp_source_msgs_per_s: sourcePerS,
      outbox_msgs_per_s: outboxPerS,
      ratio: outboxPerS / limitPerS,
      claim_statement_p50_ms: pct(claimMs, 0.5),
      claim_statement_p99_ms: pct(claimMs, 0.99),
      commit_to_claim_p50_ms: pct(wake, 0.5),
      commit_to_claim_p99_ms: pct(wake, 0.99),
      node_cpu_ms_per_msg: nodeCpuPerMsg,
      postgres_cpu_ms_per_msg: pgCpuPerMsg,
      limit_node_cpu_ms_per_msg: limitCpuPerMsg,
      enqueue_msgs_per_s: enqueuePerS,
      message_bytes: raw.length,
      count: COUNT,
    };
    console.log(`limit: sendRaw straight, ${LIMIT_CONCURRENCY} at once      ${limitPerS.toFixed(0)} msgs/s  (${limitCpuPerMsg.toFixed(2)} ms CPU/msg)`);
    console.log(`ceiling: smtp-source, ${LIMIT_CONCURRENCY} sessions        ${sourcePerS.toFixed(0)} msgs/s`);
    console.log(`outbox worker, ${COUNT} queued                ${outboxPerS.toFixed(0)} msgs/s  ratio ${r.ratio.toFixed(2)} of sendRaw (${drainSec.toFixed(1)} s)`);
    console.log(`  CPU per message: node ${nodeCpuPerMsg.toFixed(2)} ms, PostgreSQL ${pgCpuPerMsg.toFixed(2)} ms`);
    console.log(`claim statement during the drain        p50 ${r.claim_statement_p50_ms.toFixed(2)} ms  p99 ${r.claim_statement_p99_ms.toFixed(2)} ms`);
    console.log(`commit → claim, single messages         p50 ${r.commit_to_claim_p50_ms.toFixed(1)} ms  p99 ${r.commit_to_claim_p99_ms.toFixed(1)} ms`);
    console.log(`enqueue (message + outbox, one tx each) ${enqueuePerS.toFixed(0)} msgs/s`);
    return r;
  } finally {
    await server.stop();
    await sink.stop();
    await embedded.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
