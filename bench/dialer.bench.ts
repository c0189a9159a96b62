// `npm run bench -- dialer`: the email dialer against Postfix's smtp-sink on
// loopback, compared in the same run with Postfix's smtp-source sending as
// many messages of the same size into the same sink (the limit). Also the
// import of a 1,000,000-row list (validation included).
//
// BENCH_DIALER_COUNT scales the sends down for a quick run, BENCH_DIALER_LIST
// the imported list (0 skips it); BENCH_DIALER_THREADS / _CONNECTIONS / _BATCH
// shape the sender; BENCH_DIALER_CPU_PROF=<dir> profiles the sender's threads.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileBulkMessage, recipientKeys, textAlternative, type BulkMessageSpec } from '@postdesk/mailkit/bulk';
import { importList } from '../apps/server/src/modules/dialer/import-list.ts';
import type { SendThreadInit } from '../apps/server/src/modules/dialer/send-protocol.ts';
import { createDb, type Db } from '../apps/server/src/platform/db/db.ts';
import { startEmbeddedPostgres } from '../apps/server/src/platform/db/embedded.ts';
import { migrate } from '../apps/server/src/platform/db/migrate.ts';
import { freeLoopbackPorts, waitForPort } from '../test/peers/silent-server.ts';
import { insertCampaignRow } from '../test/support/campaign-row.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const COUNT = Number(process.env.BENCH_DIALER_COUNT ?? 100_000);
const LIST_ROWS = Number(process.env.BENCH_DIALER_LIST ?? 1_000_000);
const THREADS = Number(process.env.BENCH_DIALER_THREADS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_DIALER_CONNECTIONS ?? 4);
const BATCH = Number(process.env.BENCH_DIALER_BATCH ?? 256);
const CPU_PROF = process.env.BENCH_DIALER_CPU_PROF;
const SOURCE_SESSIONS = 20;
const progress = (s: string): void => void process.stderr.write(`[dialer] ${s}\n`);

const HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>\${company} — your December update</title></head>
<body style="margin:0;padding:0;background:#f4f4f7">
<table width="100%" cellpadding="0" cellspacing="0" style="background:#f4f4f7"><tr><td align="center">
<table width="600" cellpadding="24" cellspacing="0" style="background:#ffffff;font-family:Arial,sans-serif;color:#333333">
<tr><td><h1 style="font-size:22px;margin:0 0 12px">Hello \${name},</h1>
<p style="font-size:15px;line-height:22px">Thank you for being a customer of <b>Acme</b> since \${since}. Your order
<b>\${order}</b> for \${city} is confirmed and will ship within two working days.</p>
<p style="font-size:15px;line-height:22px">As a member of our \${tier} plan you can book a free session with your account
manager, \${manager}. Reply to this message or pick a time on our calendar.</p>
<p style="text-align:center;margin:28px 0"><a href="https://www.acme.example/account?ref=\${order}" style="background:#2b6cb0;color:#ffffff;padding:12px 24px;text-decoration:none;border-radius:4px">See my order</a></p>
<p style="font-size:13px;line-height:20px;color:#666666">You receive this message because you are a customer of Acme.
<a href="\${unsubscribeUrl}" style="color:#666666">Unsubscribe</a> at any time.</p>
</td></tr></table></td></tr></table>
</body></html>`;
const FIRST = ['Ana', 'Luis', 'Marta', 'Jorge', 'Lucía', 'Pablo', 'Sofía', 'Diego', 'Elena', 'Carlos', 'Giulia', 'Marco', 'Claire', 'Hugo'];
const CITIES = ['Montevideo', 'Madrid', 'Milano', 'Lyon', 'Buenos Aires', 'València', 'Torino', 'São Paulo'];

function csvRow(campaign: string, i: number): string {
  const name = `${FIRST[i % FIRST.length]} ${String.fromCharCode(65 + (i % 26))}.`;
  return `${campaign};user${i}@${['gmail.example', 'outlook.example', 'yahoo.example', 'acme-corp.example'][i % 4]};;;name=${name}:company=Acme ${i % 97}:since=20${10 + (i % 15)}:order=A-${100000 + i}:city=${CITIES[i % CITIES.length]}:tier=${i % 3 === 0 ? 'Gold' : 'Silver'}:manager=Bruno;${i % 10}\n`;
}

async function writeList(file: string, campaign: string, rows: number): Promise<number> {
  const out = createWriteStream(file);
  let bytes = 0;
  let chunk = 'campaign;destination;message;attachments;variables;priority\n';
  for (let i = 0; i < rows; i++) {
    chunk += csvRow(campaign, i);
    if (chunk.length > 1 << 16) {
      bytes += chunk.length;
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk = '';
    }
  }
  bytes += chunk.length;
  out.end(chunk);
  await new Promise<void>((r) => out.once('finish', () => r()));
  return bytes;
}

interface Sink {
  port: number;
  pid: number;
  count(): number;
  stop(): Promise<void>;
}

// CPU time of a process (user + system) in ms, from /proc; with children, also what its waited-for children used
async function procCpuMs(pid: number, withChildren = false): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields after the name: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14)
  const ticks = Number(f[11] ?? 0) + Number(f[12] ?? 0) + (withChildren ? Number(f[13] ?? 0) + Number(f[14] ?? 0) : 0);
  return ticks * 10;
}

// the embedded PostgreSQL's CPU: the postmaster, every live backend, and the backends that have exited
async function postgresCpuMs(postmaster: number): Promise<number> {
  let total = await procCpuMs(postmaster, true);
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(f[1]) === postmaster) total += (Number(f[11]) + Number(f[12])) * 10;
  }
  return total;
}

async function findPostmaster(dir: string): Promise<number> {
  for (const sub of ['pg', 'pg/pg', 'pg/data']) {
    const text = await readFile(path.join(dir, sub, 'postmaster.pid'), 'utf8').catch(() => '');
    if (text) return Number(text.split('\n')[0]);
  }
  throw new Error('postmaster.pid not found');
}

// smtp-sink with -c: it prints running counters, which tell how many messages it took
async function startCountingSink(): Promise<Sink> {
  const [port] = await freeLoopbackPorts(1);
  const args = [...(process.getuid?.() === 0 ? ['-u', 'nobody'] : []), '-c', `127.0.0.1:${port!}`, '1024'];
  const child = spawn('/usr/sbin/smtp-sink', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let last = 0;
  child.stdout.on('data', (d: Buffer) => {
    const all = [...d.toString('latin1').matchAll(/mesg=(\d+)/g)];
    if (all.length > 0) last = Number(all.at(-1)![1]);
  });
  await waitForPort(port!, 5_000);
  return {
    port: port!,
    pid: child.pid!,
    count: () => last,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

async function waitForCount(sink: Sink, target: number): Promise<void> {
  let seen = sink.count();
  let since = Date.now();
  while (sink.count() < target) {
    if (sink.count() !== seen) {
      seen = sink.count();
      since = Date.now();
    } else if (Date.now() - since > 10_000) throw new Error(`smtp-sink counted ${sink.count()} of ${target} messages`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function smtpSource(port: number, count: number, size: number, timeFile: string): Promise<{ ms: number; cpuMs: number }> {
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const c = spawn('/usr/bin/time', ['-f', '%U %S', '-o', timeFile, '/usr/sbin/smtp-source', '-s', String(SOURCE_SESSIONS), '-m', String(count), '-l', String(size), '-f', 'bounce@acme.test', '-t', 'user@gmail.example', `127.0.0.1:${port}`], {
      stdio: 'inherit',
    });
    c.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`smtp-source exited ${code}`))));
  });
  const ms = performance.now() - t0;
  const [user, system] = (await readFile(timeFile, 'utf8')).trim().split(/\s+/).map(Number);
  return { ms, cpuMs: ((user ?? 0) + (system ?? 0)) * 1000 };
}

async function insertDialer(db: Db, campaignId: string, name: string, invite: boolean): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO dialers (id, name, campaign_id, subject, invite, state) VALUES ($1, $2, $3, $4, $5, 'running')`,
    [id, name, campaignId, 'Your order ${order}, ${name}', invite ? JSON.stringify({ summary: 'Account review with ${manager}' }) : null],
  );
  return id;
}

function spec(invite: boolean): BulkMessageSpec {
  return {
    from: { address: 'news@acme.test', name: 'Acme' },
    subject: 'Your order ${order}, ${name}',
    html: HTML,
    text: textAlternative(HTML),
    unsubscribeUrlPrefix: 'https://desk.example.com/api/public/dialer/u/',
    pixelUrlPrefix: 'https://desk.example.com/api/public/dialer/o/',
    ...(invite ? { invite: { summary: 'Account review with ${manager}', organizer: { email: 'sales@acme.test', name: 'Acme Sales' } } } : {}),
  };
}

async function runSender(dir: string, databaseUrl: string, dialerId: string, init: Omit<SendThreadInit, 'type'>): Promise<Record<string, number>> {
  const initFile = path.join(dir, `init-${dialerId}.json`);
  await writeFile(initFile, JSON.stringify(init, (k, v: unknown) => (k === 'secret' ? Buffer.from(v as Uint8Array).toString('base64') : v)));
  const args = JSON.stringify({ databaseUrl, dialerId, initFile, threads: THREADS, connectionsPerThread: CONNECTIONS, batchSize: BATCH });
  const out = await new Promise<string>((resolve, reject) => {
    const prof = CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(CPU_PROF)}`] : [];
    const c = spawn(process.execPath, [...prof, '--max-semi-space-size=4', '--import', 'tsx', path.join(ROOT, 'bench/dialer-send.child.ts'), args], {
      cwd: ROOT,
      env: { ...process.env, MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    c.stdout.on('data', (d: Buffer) => (text += d.toString()));
    c.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`the sender exited ${code}`))));
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, number>;
}

async function ledgerStates(db: Db, dialerId: string): Promise<Record<string, number>> {
  const { rows } = await db.query<{ state: string; n: number }>('SELECT state, count(*)::int AS n FROM dialer_rows WHERE dialer_id = $1 GROUP BY state', [dialerId]);
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

/** Runs the benchmark and returns the figures for bench/results/dialer.json. */
export async function run(): Promise<Record<string, number>> {
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'postdesk-bench-dialer-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const embedded = await startEmbeddedPostgres(path.join(dir, 'pg'));
    cleanups.push(() => embedded.stop());
    const db = createDb(embedded.url, { max: 4 });
    cleanups.push(() => db.close());
    await migrate(db);
    const sink = await startCountingSink();
    cleanups.push(() => sink.stop());
    const campaignId = await insertCampaignRow(db, { name: 'Newsletter', fromAddress: 'news@acme.test' });
    const secret = randomBytes(32);
    const rules = (requiredFields: readonly string[]) => ({ campaign: 'Newsletter', requiredFields, isKnownAttachment: () => false });

    // --- the size of a message, for smtp-source ------------------------------
    const sample = compileBulkMessage(spec(false));
    const values = { name: 'Lucía B.', company: 'Acme 7', since: '2019', order: 'A-100042', city: 'València', tier: 'Gold', manager: 'Bruno' };
    const size = Buffer.byteLength(sample.compose({ to: 'user42@gmail.example', values, keys: recipientKeys(secret, 100042, 'acme.test'), date: new Date() }));
    const sizeIcs = Buffer.byteLength(
      compileBulkMessage(spec(true)).compose({
        to: 'user42@gmail.example',
        values,
        keys: recipientKeys(secret, 100042, 'acme.test'),
        date: new Date(),
        invite: { start: new Date('2026-12-10T15:00:00Z'), end: new Date('2026-12-10T15:30:00Z'), uid: 'pdd-100042@acme.test' },
      }),
    );
    console.log(`message: ${size} bytes (HTML + text + pixel), ${sizeIcs} bytes with the invitation; ${COUNT} messages per run`);

    // --- the limit: smtp-source, same count and size, same sink ----------------
    const postmaster = await findPostmaster(dir);
    const perMsg = (ms: number): string => `${((ms * 1000) / COUNT).toFixed(0)} µs/msg`;
    progress('limit: smtp-source…');
    let before = sink.count();
    let sinkCpu0 = await procCpuMs(sink.pid);
    const limit = await smtpSource(sink.port, COUNT, size, path.join(dir, 'time.txt'));
    await waitForCount(sink, before + COUNT);
    const limitSinkCpu = (await procCpuMs(sink.pid)) - sinkCpu0;
    const limitRate = (COUNT / limit.ms) * 1000;
    console.log(`${'limit: smtp-source, 20 sessions'.padEnd(48)} ${limitRate.toFixed(0).padStart(7)} msgs/s  CPU: smtp-source ${perMsg(limit.cpuMs)}, smtp-sink ${perMsg(limitSinkCpu)}`);

    // --- the dialer: HTML, then HTML + invitation ------------------------------
    const results: Record<string, Record<string, number>> = {};
    for (const invite of [false, true]) {
      const label = invite ? 'dialer: HTML + pixel + .ics invitation' : 'dialer: HTML + pixel';
      const dialerId = await insertDialer(db, campaignId, invite ? 'bench ics' : 'bench html', invite);
      const file = path.join(dir, `list-${dialerId}.csv`);
      await writeList(file, 'Newsletter', COUNT);
      const imported = await importList({ db }, { dialerId, name: 'bench', source: readStream(file), rules: rules(compileBulkMessage(spec(invite)).fields) });
      if (!imported.report.ok) throw new Error(`the bench list was refused: ${JSON.stringify(imported.report.problems.slice(0, 3))}`);
      await db.query('VACUUM ANALYZE dialer_rows');
      progress(`${label}: sending ${COUNT}…`);
      before = sink.count();
      sinkCpu0 = await procCpuMs(sink.pid);
      const pgCpu0 = await postgresCpuMs(postmaster);
      const init: Omit<SendThreadInit, 'type'> = {
        spec: spec(invite),
        account: { host: '127.0.0.1', port: sink.port, security: 'none', connectionTimeoutMs: 5_000, clientName: 'bench.acme.test' },
        connections: CONNECTIONS,
        envelopeFrom: 'bounce@acme.test',
        messageIdDomain: 'acme.test',
        secret,
        invite: invite ? { start: '2026-12-10T15:00:00Z', end: '2026-12-10T15:30:00Z' } : null,
        attachments: {},
      };
      const r = await runSender(dir, embedded.url, dialerId, init);
      await waitForCount(sink, before + COUNT);
      const sinkCpu = (await procCpuMs(sink.pid)) - sinkCpu0;
      const pgCpu = (await postgresCpuMs(postmaster)) - pgCpu0;
      const states = await ledgerStates(db, dialerId);
      if (states.sent !== COUNT) throw new Error(`the ledger says ${JSON.stringify(states)}, expected ${COUNT} sent`);
      const rate = (COUNT / r.ms!) * 1000;
      // what two idle cores could sustain if the dialer, the sink and PostgreSQL had them to themselves
      const capacity = (2 * 1e6) / (((r.cpuMs! + sinkCpu + pgCpu) * 1000) / COUNT);
      results[invite ? 'ics' : 'html'] = { ...r, rate, sinkCpu, pgCpu, capacity };
      console.log(
        `${label.padEnd(48)} ${rate.toFixed(0).padStart(7)} msgs/s  ${(rate / limitRate).toFixed(2)} of the limit  peak RSS ${r.peakRssMb!.toFixed(0)} MB  sink counted ${sink.count() - before}\n` +
          `${''.padEnd(48)} CPU: dialer ${perMsg(r.cpuMs!)} (${((r.cpuMs! / r.ms!) * 100).toFixed(0)} % of one core; startup ${(r.startupCpuMs! / 1000).toFixed(1)} s, then ${perMsg(r.cpuMs! - r.startupCpuMs!)}), smtp-sink ${perMsg(sinkCpu)}, PostgreSQL ${perMsg(pgCpu)}: two idle cores would carry ${capacity.toFixed(0)} msgs/s`,
      );
    }

    // --- list import ---------------------------------------------------------
    if (LIST_ROWS === 0) return { limit_msgs_per_s: Math.round(limitRate), dialer_msgs_per_s: Math.round(results.html!.rate!), dialer_ics_msgs_per_s: Math.round(results.ics!.rate!), two_core_capacity_msgs_per_s: Math.round(results.html!.capacity!) };
    progress(`writing a ${LIST_ROWS}-row list…`);
    const importDialer = await insertDialer(db, campaignId, 'bench import', false);
    const listFile = path.join(dir, 'list-1m.csv');
    const bytes = await writeList(listFile, 'Newsletter', LIST_ROWS);
    progress('importing…');
    const importCpu0 = process.cpuUsage();
    const importPg0 = await postgresCpuMs(postmaster);
    const t0 = performance.now();
    const imported = await importList({ db }, { dialerId: importDialer, name: 'big', source: readStream(listFile), rules: rules(compileBulkMessage(spec(false)).fields) });
    const importMs = performance.now() - t0;
    const importCpu = process.cpuUsage(importCpu0);
    const importCpuMs = (importCpu.user + importCpu.system) / 1000;
    const importPgMs = (await postgresCpuMs(postmaster)) - importPg0;
    if (!imported.report.ok || imported.report.rows !== LIST_ROWS) throw new Error(`import: ${JSON.stringify(imported.report).slice(0, 300)}`);
    const importRate = (LIST_ROWS / importMs) * 1000;
    console.log(
      `${`list import: ${LIST_ROWS} rows, ${(bytes / 1048576).toFixed(0)} MB`.padEnd(48)} ${importRate.toFixed(0).padStart(7)} rows/s  ${(importMs / 1000).toFixed(1)} s (target < 30 s)  CPU: validation and COPY ${(importCpuMs / 1000).toFixed(1)} s, PostgreSQL ${(importPgMs / 1000).toFixed(1)} s`,
    );

    const html = results.html!;
    const ics = results.ics!;
    return {
      limit_msgs_per_s: Math.round(limitRate),
      dialer_msgs_per_s: Math.round(html.rate!),
      ratio: Number((html.rate! / limitRate).toFixed(3)),
      dialer_ics_msgs_per_s: Math.round(ics.rate!),
      peak_rss_mb: Math.round(Math.max(html.peakRssMb!, ics.peakRssMb!)),
      dialer_cpu_us_per_msg: Math.round((html.cpuMs! * 1000) / COUNT),
      sink_cpu_us_per_msg: Math.round((html.sinkCpu! * 1000) / COUNT),
      postgres_cpu_us_per_msg: Math.round((html.pgCpu! * 1000) / COUNT),
      two_core_capacity_msgs_per_s: Math.round(html.capacity!),
      limit_source_cpu_us_per_msg: Math.round((limit.cpuMs * 1000) / COUNT),
      limit_sink_cpu_us_per_msg: Math.round((limitSinkCpu * 1000) / COUNT),
      dialer_ics_cpu_us_per_msg: Math.round((ics.cpuMs! * 1000) / COUNT),
      message_bytes: size,
      list_import_rows_per_s: Math.round(importRate),
      list_import_s: Number((importMs / 1000).toFixed(1)),
      list_import_cpu_s: Number((importCpuMs / 1000).toFixed(1)),
      list_import_postgres_cpu_s: Number((importPgMs / 1000).toFixed(1)),
      messages: COUNT,
      load_average_1m: Number(os.loadavg()[0]!.toFixed(2)),
    };
  } finally {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }
}

// read in 256 KiB chunks, as an upload arrives
function readStream(file: string): AsyncIterable<Buffer> {
  return createReadStream(file, { highWaterMark: 256 * 1024 });
}
