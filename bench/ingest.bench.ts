import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import pg from 'pg';
import { loadConfig } from '../apps/server/src/config.ts';
import { startServer, type RunningServer } from '../apps/server/src/server.ts';
import { pgBlobStore } from '../apps/server/src/platform/blobs/pg-blob-store.ts';
import { createDb } from '../apps/server/src/platform/db/db.ts';
import { migrate } from '../apps/server/src/platform/db/migrate.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from '../apps/server/src/platform/db/embedded.ts';
import { subscribeEvents, type DomainEvent, type EventSubscription } from '../apps/server/src/platform/events/events.ts';
import { startDovecot, type DovecotPeer } from '../test/peers/dovecot.ts';
import { startSmtpSink, type SmtpSink } from '../test/peers/smtp-sink.ts';
import { campaignBody } from '../test/support/campaign-input.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const USER = 'alice';
const IMAP_PASSWORD = 'imap-Pa55-bench-ingest';
const ADMIN_PASSWORD = 'bench-admin-password';
const SEED = 20250106;
const BIG_ATTACHMENT_BYTES = 25 * 1024 * 1024;
const INGEST_TIMEOUT_MS = 30 * 60_000;
// BENCH_INGEST_TTI_COUNT shortens this phase for a quick run (each takes about half a second)
const TTI_COUNT = Number(process.env.BENCH_INGEST_TTI_COUNT ?? 200);
const TTI_TIMEOUT_MS = 10_000;
/** Pause after each interaction is seen, so every APPEND reaches a mailbox that is back in IDLE (imapflow re-enters IDLE 100 ms after its last command). */
const TTI_PAUSE_MS = 250;
const exec = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const CRLF = '\r\n';

// ---------------------------------------------------------------------------
// The mailbox: a deterministic, realistic mix (seeded PRNG; bulk bytes are an
// AES-CTR keystream keyed by the seed and the message number).

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBytesFor(label: string, n: number): Buffer {
  const key = createHash('sha256').update(`bench-ingest:${SEED}:${label}`).digest().subarray(0, 16);
  return createCipheriv('aes-128-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(n));
}

function base64Lines(buf: Buffer): string {
  const s = buf.toString('base64');
  const out: string[] = [];
  for (let i = 0; i < s.length; i += 76) out.push(s.slice(i, i + 76));
  return out.join(CRLF);
}

const WORDS =
  'order invoice delivery package account refund payment shipping address customer support request problem issue product warranty return exchange replacement tracking number please help thanks regards since yesterday still waiting received damaged missing wrong size colour model subscription renewal cancel upgrade password login error screen website app store receipt attached photo checked again today morning week month contract plan price discount coupon code'.split(
    ' ',
  );
const WORDS_UTF8 = 'pedido factura envío paquete devolución garantía según también información atención cliente ordine spedizione già perché però reçu commande délai numéro'.split(' ');
const FIRST = 'ana luis marta jorge lucia pablo sofia diego elena carlos giulia marco laura pietro claire hugo emma noah olivia liam mia lukas'.split(' ');
const LAST = 'garcia martinez lopez rossi bianchi ferrari dupont martin muller schmidt smith jones brown taylor wilson fernandez romero alonso'.split(' ');
const DOMAINS = ['gmail.example', 'outlook.example', 'yahoo.example', 'acme-corp.example', 'mail.example', 'libero.example', 'orange.example'];

interface Customer {
  name: string;
  address: string;
}
interface Sent {
  messageId: string;
  sender: number;
  subject: string;
  refs: string[];
}
export interface MixStats {
  plain: number;
  html: number;
  alternative: number;
  attachment: number;
  big: number;
  replies: number;
  bytes: number;
}

/** Generates message i of the mix; `history` holds every earlier message's thread facts (replies point back into it). */
export class MailMix {
  private rand: () => number;
  private customers: Customer[];
  readonly history: Sent[] = [];
  readonly stats: MixStats = { plain: 0, html: 0, alternative: 0, attachment: 0, big: 0, replies: 0, bytes: 0 };
  constructor(
    private readonly total: number,
    private readonly bigIndex: number,
  ) {
    this.rand = mulberry32(SEED);
    const n = Math.max(10, Math.floor(total / 3));
    this.customers = Array.from({ length: n }, (_, k) => {
      const f = FIRST[k % FIRST.length]!;
      const l = LAST[Math.floor(k / FIRST.length) % LAST.length]!;
      const name = `${f[0]!.toUpperCase()}${f.slice(1)} ${l[0]!.toUpperCase()}${l.slice(1)}`;
      return { name, address: `${f}.${l}${k}@${DOMAINS[k % DOMAINS.length]}` };
    });
  }

  private int(lo: number, hi: number): number {
    return lo + Math.floor(this.rand() * (hi - lo + 1));
  }
  private pick<T>(a: readonly T[]): T {
    return a[Math.floor(this.rand() * a.length)]!;
  }

  private text(bytes: number, utf8: boolean): string {
    const lines: string[] = [];
    let line = '';
    let size = 0;
    while (size < bytes) {
      const w = utf8 && this.rand() < 0.25 ? this.pick(WORDS_UTF8) : this.pick(WORDS);
      if (line.length + w.length + 1 > 72) {
        lines.push(line + (this.rand() < 0.3 ? '.' : ''));
        size += line.length + 2;
        line = '';
        if (this.rand() < 0.15) lines.push('');
      }
      line = line ? `${line} ${w}` : w;
    }
    if (line) lines.push(line);
    return lines.join(CRLF);
  }

  private html(text: string, cids: string[]): string {
    const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const paras = text
      .split(CRLF + CRLF)
      .map((p) => `<p>${esc(p).replace(/\r\n/g, '<br>\r\n')}</p>`)
      .join(CRLF);
    const imgs = cids.map((c, k) => `<p><img src="cid:${c}" alt="photo ${k + 1}" width="480"></p>`).join(CRLF);
    return `<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body style="font-family: Calibri, sans-serif">${CRLF}${paras}${CRLF}${imgs}${CRLF}</body></html>`;
  }

  private subjectHeader(s: string): string {
    // eslint-disable-next-line no-control-regex
    return /[^\x00-\x7f]/.test(s) ? `=?UTF-8?B?${Buffer.from(s, 'utf8').toString('base64')}?=` : s;
  }

  /** Message i as CRLF bytes. */
  next(i: number): Buffer {
    const r = this.rand;
    const replyTo = i > 0 && r() < 0.2 ? this.history[Math.max(0, i - 1 - Math.floor(r() * Math.min(i, 2000)))]! : null;
    const senderIdx = replyTo ? replyTo.sender : Math.floor(r() * this.customers.length);
    const sender = this.customers[senderIdx]!;
    const utf8 = r() < 0.3;
    const baseSubject = replyTo
      ? replyTo.subject
      : `${this.pick(['Problem with', 'Question about', 'Help with', 'Issue with', 'Consulta sobre', 'Domanda su'])} ${this.pick(WORDS)} ${this.pick(WORDS)}${utf8 ? ' – ' + this.pick(WORDS_UTF8) : ''} #${this.int(1000, 99999)}`;
    const subject = replyTo ? `Re: ${baseSubject}` : baseSubject;
    const domain = sender.address.split('@')[1]!;
    const messageId = `${(1_700_000_000_000 + i * 61_000).toString(36)}.${createHash('sha1').update(`${SEED}:${i}`).digest('hex').slice(0, 16)}@mx.${domain}`;
    const refs = replyTo ? [...replyTo.refs, replyTo.messageId].slice(-10) : [];
    const date = new Date(Date.UTC(2025, 0, 6, 8, 0, 0) + i * 61_000).toUTCString().replace('GMT', '+0000');

    const kindRoll = r();
    const kind = i === this.bigIndex ? 'big' : kindRoll < 0.7 ? 'plain' : kindRoll < 0.9 ? 'html' : kindRoll < 0.98 ? 'attachment' : 'alternative';
    const body =
      this.text(this.int(1024, 5120), utf8) +
      (replyTo ? `${CRLF}${CRLF}On ${date}, ${sender.name} wrote:${CRLF}> ${this.text(this.int(200, 1200), false).split(CRLF).join(`${CRLF}> `)}` : '');
    const bodyHeaders = `Content-Type: text/plain; charset=utf-8${CRLF}Content-Transfer-Encoding: ${utf8 ? '8bit' : '7bit'}`;
    const boundary = (tag: string) => `----=_Part_${i}_${tag}_${createHash('md5').update(`${i}${tag}`).digest('hex').slice(0, 12)}`;

    let contentType: string;
    let content: string;
    if (kind === 'plain') {
      this.stats.plain++;
      contentType = bodyHeaders;
      content = body;
    } else if (kind === 'html' || kind === 'alternative') {
      const n = kind === 'html' ? this.int(1, 3) : 0;
      const cids = Array.from({ length: n }, (_, k) => `img${k}.${i}@mx.${domain}`);
      const alt = boundary('alt');
      const altPart = [
        `Content-Type: multipart/alternative; boundary="${alt}"`,
        '',
        `--${alt}`,
        bodyHeaders,
        '',
        body,
        `--${alt}`,
        'Content-Type: text/html; charset=utf-8',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        quotedPrintable(this.html(body, cids)),
        `--${alt}--`,
        '',
      ].join(CRLF);
      if (kind === 'alternative') {
        this.stats.alternative++;
        [contentType, content] = splitHead(altPart);
      } else {
        this.stats.html++;
        const rel = boundary('rel');
        const parts = cids.map((cid, k) => {
          const png = r() < 0.5;
          // log-skewed between 20 and 200 KB, mean ~56 KB
          const size = Math.floor(20 * 1024 * Math.pow(10, Math.pow(r(), 2)));
          const magic = png ? Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex') : Buffer.from('ffd8ffe000104a46494600010100', 'hex');
          const bytes = Buffer.concat([magic, randomBytesFor(`${i}:img${k}`, size - magic.length)]);
          const name = `IMG_${2000 + ((i * 7 + k) % 8000)}.${png ? 'png' : 'jpg'}`;
          return [
            `--${rel}`,
            `Content-Type: image/${png ? 'png' : 'jpeg'}; name="${name}"`,
            'Content-Transfer-Encoding: base64',
            `Content-ID: <${cid}>`,
            `Content-Disposition: inline; filename="${name}"`,
            '',
            base64Lines(bytes),
          ].join(CRLF);
        });
        contentType = `Content-Type: multipart/related; type="multipart/alternative"; boundary="${rel}"`;
        content = [`--${rel}`, altPart, ...parts, `--${rel}--`, ''].join(CRLF);
      }
    } else {
      // attachment: 100 KB – 5 MB, skewed to small (mean ~580 KB); or the single 25 MB one
      if (kind === 'big') this.stats.big++;
      else this.stats.attachment++;
      const size = kind === 'big' ? BIG_ATTACHMENT_BYTES : Math.floor(100 * 1024 * Math.pow(50, Math.pow(r(), 3)));
      const magic = Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1');
      const bytes = Buffer.concat([magic, randomBytesFor(`${i}:pdf`, size - magic.length)]);
      const name = kind === 'big' ? 'full-scan-of-contract.pdf' : `${this.pick(['invoice', 'receipt', 'photo-report', 'contract', 'statement'])}-${1000 + (i % 9000)}.pdf`;
      const mixed = boundary('mixed');
      contentType = `Content-Type: multipart/mixed; boundary="${mixed}"`;
      content = [
        `--${mixed}`,
        bodyHeaders,
        '',
        body,
        `--${mixed}`,
        `Content-Type: application/pdf; name="${name}"`,
        'Content-Transfer-Encoding: base64',
        `Content-Disposition: attachment; filename="${name}"`,
        '',
        base64Lines(bytes),
        `--${mixed}--`,
        '',
      ].join(CRLF);
    }
    if (replyTo) this.stats.replies++;

    const head = [
      `Return-Path: <${sender.address}>`,
      `Received: from mx.${domain} (mx.${domain} [192.0.2.${1 + (senderIdx % 250)}])${CRLF}\tby mail.example.test (Postfix) with ESMTPS id ${messageId.slice(0, 10).toUpperCase()}${CRLF}\tfor <support@example.test>; ${date}`,
      `From: "${sender.name}" <${sender.address}>`,
      'To: Example Support <support@example.test>',
      `Subject: ${this.subjectHeader(subject)}`,
      `Date: ${date}`,
      `Message-ID: <${messageId}>`,
      ...(replyTo ? [`In-Reply-To: <${replyTo.messageId}>`, `References: ${refs.map((x) => `<${x}>`).join(`${CRLF} `)}`] : []),
      'MIME-Version: 1.0',
      `X-Mailer: ${this.pick(['Microsoft Outlook 16.0', 'Apple Mail (2.3774)', 'Mozilla Thunderbird 128.5', 'Gmail'])}`,
      contentType,
    ].join(CRLF);
    this.history.push({ messageId, sender: senderIdx, subject: baseSubject, refs });
    const raw = Buffer.from(`${head}${CRLF}${CRLF}${content}${content.endsWith(CRLF) ? '' : CRLF}`, 'utf8');
    this.stats.bytes += raw.length;
    return raw;
  }
}

/** Quoted-printable (RFC 2045 6.7) of UTF-8 text with CRLF line ends: lines of at most 76 characters, soft breaks as "=". */
function quotedPrintable(text: string): string {
  return text
    .split(CRLF)
    .map((line) => {
      const out: string[] = [];
      let cur = '';
      const bytes = Buffer.from(line, 'utf8');
      for (let k = 0; k < bytes.length; k++) {
        const b = bytes[k]!;
        const last = k === bytes.length - 1;
        const enc = (b >= 33 && b <= 126 && b !== 61) || (b === 32 && !last) ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
        if (cur.length + enc.length > 75) {
          out.push(cur + '=');
          cur = '';
        }
        cur += enc;
      }
      out.push(cur);
      return out.join(CRLF);
    })
    .join(CRLF);
}

function splitHead(part: string): [string, string] {
  const at = part.indexOf(CRLF + CRLF);
  return [part.slice(0, at), part.slice(at + 4)];
}

/**
 * Fills the user's INBOX by writing the messages straight into Dovecot's
 * Maildir (`<dv.dir>/mail/<user>/Maildir/cur/<time>.M<n>P<pid>.bench,S=<size>,W=<size>:2,`,
 * unseen), owned by the account Dovecot runs as — about 100× faster than
 * APPEND (TEST-PEERS.md). Dovecot assigns UIDs in the order of the time in
 * the file names, which follows the generation order, so every reply gets a
 * higher UID than the message it answers. A warm-up SELECT then indexes them.
 */
async function fillMaildir(dv: DovecotPeer, total: number): Promise<{ stats: MixStats; messageIds: Map<string, number>; ms: number }> {
  const t0 = performance.now();
  const home = path.join(dv.dir, 'mail', USER);
  const maildir = path.join(home, 'Maildir');
  for (const sub of ['cur', 'new', 'tmp']) await mkdir(path.join(maildir, sub), { recursive: true });
  const mix = new MailMix(total, Math.floor(total / 2));
  const base = 1_736_150_400; // 2025-01-06, seconds
  for (let i = 0; i < total; i++) {
    const raw = mix.next(i);
    await writeFile(path.join(maildir, 'cur', `${base + i}.M${i}P4242.bench,S=${raw.length},W=${raw.length}:2,`), raw);
  }
  // the mail directory belongs to the account Dovecot runs as (dovecot.ts chowned it)
  const owner = await stat(path.join(dv.dir, 'mail'));
  if (process.getuid?.() === 0) await exec('chown', ['-R', `${owner.uid}:${owner.gid}`, home]);
  const messageIds = new Map(mix.history.map((h, k) => [h.messageId, k]));
  return { stats: mix.stats, messageIds, ms: performance.now() - t0 };
}

// ---------------------------------------------------------------------------

// A session left idle while a later phase runs times out (ETIMEOUT): without
// a listener that error would end the whole run.
function quiet(client: ImapFlow): ImapFlow {
  client.on('error', (err: unknown) => process.stderr.write(`[ingest] an IMAP session of the benchmark failed: ${String(err)}\n`));
  return client;
}

function imap(dv: DovecotPeer): ImapFlow {
  return quiet(new ImapFlow({ host: dv.host, port: dv.imapPort, secure: false, doSTARTTLS: false, auth: { user: USER, pass: IMAP_PASSWORD }, logger: false }));
}

/** The limit: a bare imapflow FETCH 1:* (UID BODY[]) of the whole INBOX. Also checks the UID order against the generation order. */
async function fetchAll(dv: DovecotPeer, messageIds?: Map<string, number>): Promise<{ count: number; bytes: number; ms: number; outOfOrder: number }> {
  const client = imap(dv);
  await client.connect();
  try {
    await client.mailboxOpen('INBOX');
    let count = 0;
    let bytes = 0;
    let outOfOrder = 0;
    const t0 = performance.now();
    for await (const m of client.fetch('1:*', { uid: true, source: true })) {
      count++;
      bytes += m.source?.length ?? 0;
      if (messageIds && m.source) {
        const id = /\r\nMessage-ID: <([^>]+)>/i.exec(m.source.subarray(0, 8192).toString('latin1'))?.[1];
        if (id === undefined || messageIds.get(id) !== m.seq - 1) outOfOrder++;
      }
    }
    return { count, bytes, ms: performance.now() - t0, outOfOrder };
  } finally {
    await client.logout().catch(() => client.close());
  }
}

function procStatus(pid: number, field: 'VmHWM' | 'VmRSS'): Promise<number> {
  return readFile(`/proc/${pid}/status`, 'utf8').then(
    (s) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN) / 1024,
    () => NaN,
  );
}

/** CPU seconds (user + system) of a process: its main thread and all its other threads (parser workers, libuv pool, V8 helpers). */
async function cpuSeconds(pid: number): Promise<{ main: number; others: number }> {
  const out = { main: 0, others: 0 };
  const tids = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  for (const tid of tids) {
    const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => '');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields 14 and 15 (utime, stime) in clock ticks; f[0] is field 3
    const secs = (Number(f[11]) + Number(f[12])) / 100;
    if (!Number.isFinite(secs)) continue;
    if (Number(tid) === pid) out.main += secs;
    else out.others += secs;
  }
  return out;
}

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * p) - 1))]! : NaN;
}

/** Logs in as the admin and creates the campaign that syncs the bench mailbox; returns its id. */
async function createCampaign(apiUrl: string, dv: DovecotPeer, sink: SmtpSink): Promise<string> {
  const login = await fetch(`${apiUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  if (login.status !== 200) throw new Error(`admin login failed: ${login.status} ${await login.text()}`);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const created = await fetch(`${apiUrl}/api/campaigns`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie },
    body: JSON.stringify(
      campaignBody({
        inbound: { host: dv.host, port: dv.imapPort, password: IMAP_PASSWORD },
        smtp: { port: sink.port, auth: false, username: '', password: undefined },
        confirmation: { enabled: false, templateId: null },
      }),
    ),
  });
  const createdText = await created.text();
  if (created.status !== 201) throw new Error(`creating the campaign failed: ${created.status} ${createdText}`);
  return (JSON.parse(createdText) as { id: string }).id;
}

/** One sync process ingesting the whole mailbox, measured from "connected" to the last message stored. */
interface IngestRun {
  proc: ChildProcess;
  /** Throws when the sync process died. */
  alive(): void;
  /** Its last output lines. */
  childOutput: string[];
  /** From "connected" to every message stored or quarantined. */
  ms: number;
  /** From spawning to "connected". */
  startMs: number;
  peakRss: number;
  maxRss: number;
  rssAtConnect: number;
  cpu: { main: number; others: number };
  /** Stops the process (SIGTERM, then SIGKILL after 15 s). */
  stop(): Promise<void>;
}

/**
 * Spawns one `sync` process as `npm start` runs it, with this environment
 * (database, blob store), and waits until the campaign's mailbox is ingested.
 */
async function ingestRun(
  env: Record<string, string>,
  db: pg.Client,
  campaignId: string,
  total: number,
  cleanups: Array<() => Promise<unknown>>,
  progress: (s: string) => void,
  profDir?: string,
): Promise<IngestRun> {
  // as `npm start` runs it (4 MB semi-spaces: see docs/CONFIGURATION.md)
  const execArgv = ['--max-semi-space-size=4', '--import', 'tsx', ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profDir)}`] : [])];
  const tSpawn = performance.now();
  const proc = spawn(process.execPath, [...execArgv, path.join(ROOT, 'apps/server/src/main.ts')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      ...env,
      POSTDESK_ROLES: 'sync',
      POSTDESK_PARSER_THREADS: '2',
      ...(process.env.BENCH_INGEST_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_INGEST_NODE_OPTIONS } : {}),
      // as `npm start` sets it: blob writes, fsyncs and renames share libuv's pool
      UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '16',
      // as `npm start` sets it: glibc keeps fewer per-thread malloc arenas (less RSS with parser threads)
      MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
      // as `npm start` sets it: a fixed mmap threshold (see docs/CONFIGURATION.md)
      MALLOC_MMAP_THRESHOLD_: process.env.MALLOC_MMAP_THRESHOLD_ ?? '131072',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const childOutput: string[] = [];
  const keep = (d: Buffer) => {
    for (const l of d.toString('utf8').split('\n').filter(Boolean)) {
      childOutput.push(l);
      if (childOutput.length > 200) childOutput.shift();
    }
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(t);
  };
  cleanups.push(stop);
  const alive = () => {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`the sync process exited (${proc.exitCode ?? proc.signalCode}):\n${childOutput.slice(-30).join('\n')}`);
    }
  };
  const deadline = Date.now() + INGEST_TIMEOUT_MS;
  for (;;) {
    alive();
    const st = (await db.query<{ state: string }>('SELECT state FROM mailboxes WHERE campaign_id = $1', [campaignId])).rows[0]?.state;
    if (st === 'connected') break;
    if (st === 'needs_attention' || Date.now() > deadline) throw new Error(`the mailbox did not connect (state ${st ?? 'none'})`);
    await sleep(20);
  }
  const tConnected = performance.now();
  const cpu0 = await cpuSeconds(proc.pid!);
  const rssAtConnect = await procStatus(proc.pid!, 'VmRSS');
  let done = 0;
  let maxRss = 0;
  let lastReport = tConnected;
  for (;;) {
    alive();
    done = Number(
      (await db.query<{ n: string }>(
        `SELECT (SELECT count(*) FROM messages WHERE campaign_id = $1) + (SELECT count(*) FROM quarantine WHERE campaign_id = $1) AS n`,
        [campaignId],
      )).rows[0]!.n,
    );
    maxRss = Math.max(maxRss, (await procStatus(proc.pid!, 'VmRSS')) || 0);
    if (done >= total) break;
    if (Date.now() > deadline) {
      throw new Error(`ingest timed out after ${INGEST_TIMEOUT_MS / 60_000} min with ${done} of ${total} messages stored:\n${childOutput.slice(-30).join('\n')}`);
    }
    if (performance.now() - lastReport > 10_000) {
      lastReport = performance.now();
      progress(`ingest (${env.POSTDESK_BLOB_STORE}): ${done}/${total} (${((done / (lastReport - tConnected)) * 1000).toFixed(0)} msgs/s, RSS ${maxRss.toFixed(0)} MB)`);
    }
    await sleep(100);
  }
  const ms = performance.now() - tConnected;
  const peakRss = await procStatus(proc.pid!, 'VmHWM');
  const cpu1 = await cpuSeconds(proc.pid!);
  return {
    proc,
    alive,
    childOutput,
    ms,
    startMs: tConnected - tSpawn,
    peakRss,
    maxRss,
    rssAtConnect,
    cpu: { main: cpu1.main - cpu0.main, others: cpu1.others - cpu0.others },
    stop,
  };
}

/**
 * The PostgreSQL store's own write floor: the mailbox's raw bytes (read from
 * the Maildir) written into a fresh database through the store itself, ten
 * messages a transaction, each commit synchronous — what ingest would reach
 * if storing the bytes were all it did. Returns messages a second.
 */
async function pgBlobFloor(url: string, maildir: string): Promise<{ msgsPerS: number; mbPerS: number }> {
  const files = (await readdir(maildir)).sort((a, b) => Number(a.split('.')[0]) - Number(b.split('.')[0]));
  const store = createDb(url, { max: 2 });
  try {
    const blobs = pgBlobStore({ db: store });
    let bytes = 0;
    const GROUP = 10;
    const t0 = performance.now();
    for (let i = 0; i < files.length; i += GROUP) {
      const raws = await Promise.all(files.slice(i, i + GROUP).map((f) => readFile(path.join(maildir, f))));
      const client = await store.pool.connect();
      try {
        await client.query('BEGIN');
        for (const raw of raws) {
          await blobs.put(raw, { tx: client });
          bytes += raw.length;
        }
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    }
    const ms = performance.now() - t0;
    return { msgsPerS: (files.length / ms) * 1000, mbPerS: bytes / 1048576 / (ms / 1000) };
  } finally {
    await store.close();
  }
}

const met = (ok: boolean): string => (ok ? 'met' : 'NOT met');

/**
 * Mail ingestion against its limit, in one run: a Dovecot mailbox of N
 * messages (BENCH_INGEST_COUNT, default 20,000) fetched bare by imapflow, the
 * same mailbox ingested end to end by one sync process, then time to
 * interaction for single messages arriving while that process IDLEs.
 * BENCH_INGEST_CPU_PROF=<dir> runs the sync process with --cpu-prof;
 * BENCH_INGEST_NODE_OPTIONS is its NODE_OPTIONS (V8 heap flags, say).
 */
export async function run(): Promise<Record<string, number | string>> {
  const total = Number(process.env.BENCH_INGEST_COUNT ?? 20_000);
  if (!Number.isInteger(total) || total < 10) throw new Error(`BENCH_INGEST_COUNT must be an integer >= 10, got ${process.env.BENCH_INGEST_COUNT}`);
  if (!Number.isInteger(TTI_COUNT) || TTI_COUNT < 1) throw new Error(`BENCH_INGEST_TTI_COUNT must be an integer >= 1, got ${process.env.BENCH_INGEST_TTI_COUNT}`);
  const cleanups: Array<() => Promise<unknown>> = [];
  const progress = (s: string) => process.stderr.write(`[ingest] ${s}\n`);
  const onSignal = () => void cleanupAll().finally(() => process.exit(130));
  // One cleanup, however many ask for it: on a signal the run's own finally
  // (the sync process it stops makes the run throw) must wait for the same
  // cleanup instead of returning at once, or the process exits with peers left running.
  let cleaning: Promise<void> | null = null;
  const cleanupAll = (): Promise<void> =>
    (cleaning ??= (async () => {
      for (const c of cleanups.splice(0).reverse()) await c().catch((err: unknown) => progress(`cleanup failed: ${String(err)}`));
    })());
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    // --- peers, database, api --------------------------------------------
    const dir = await mkdtemp(path.join(os.tmpdir(), 'postdesk-bench-ingest-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const [dv, sink] = await Promise.all([startDovecot({ users: { [USER]: IMAP_PASSWORD } }), startSmtpSink()]);
    cleanups.push(() => dv.stop(), () => sink.stop());
    const embedded: EmbeddedServer = await startEmbeddedPostgres(path.join(dir, 'pg'));
    cleanups.push(() => embedded.stop());
    const env = { DATABASE_URL: embedded.url, POSTDESK_DATA_DIR: dir, LOG_LEVEL: 'warn' as const };
    const api: RunningServer = await startServer(
      loadConfig({ ...env, POSTDESK_PORT: '0', POSTDESK_ADMIN_PASSWORD: ADMIN_PASSWORD, POSTDESK_ROLES: 'api' }),
      { serveWeb: false },
    );
    cleanups.push(() => api.stop());
    const db = new pg.Client(embedded.url);
    await db.connect();
    cleanups.push(() => db.end());

    // --- fill ----------------------------------------------------------------
    progress(`filling the Maildir with ${total} messages…`);
    const fill = await fillMaildir(dv, total);
    const s = fill.stats;
    console.log(
      `fill: ${total} messages, ${(s.bytes / 1048576).toFixed(0)} MB (${s.plain} plain, ${s.html} HTML + inline images, ${s.alternative} text+HTML, ` +
        `${s.attachment} with attachments, ${s.big} × 25 MB; ${s.replies} replies) written straight into Dovecot's Maildir in ${(fill.ms / 1000).toFixed(1)} s, indexed by a warm-up SELECT + FETCH`,
    );

    // --- limit ---------------------------------------------------------------
    // the first pass is the warm-up: Dovecot indexes the new files and the
    // page cache fills; the limit is the second, warm pass (ingest reads warm too)
    progress('warm-up pass (untimed limit, cold)…');
    const cold = await fetchAll(dv, fill.messageIds);
    if (cold.count !== total) throw new Error(`Dovecot shows ${cold.count} messages in INBOX, expected ${total}`);
    if (cold.outOfOrder) progress(`warning: ${cold.outOfOrder} messages have a UID out of generation order (replies may precede their originals)`);
    const limit = await fetchAll(dv);
    const limitRate = (limit.count / limit.ms) * 1000;
    const mbps = (bytes: number, ms: number) => (bytes / 1048576 / (ms / 1000)).toFixed(1);
    console.log(
      `${'limit: imapflow FETCH 1:* (UID BODY[]), warm'.padEnd(52)} ${limitRate.toFixed(0).padStart(7)} msgs/s  ${mbps(limit.bytes, limit.ms)} MB/s  (cold first pass ${((cold.count / cold.ms) * 1000).toFixed(0)} msgs/s)`,
    );

    // --- campaign ------------------------------------------------------------
    const campaignId = await createCampaign(api.url!, dv, sink);

    // --- events ----------------------------------------------------------------
    const counts = { created: 0, received: 0, quarantined: 0 };
    let waiter: ((e: DomainEvent & { type: 'interaction.created' }) => void) | null = null;
    const sub: EventSubscription = subscribeEvents(embedded.url, (e) => {
      if (!('campaignId' in e) || e.campaignId !== campaignId) return;
      if (e.type === 'message.received') counts.received++;
      if (e.type === 'message.quarantined') counts.quarantined++;
      if (e.type === 'interaction.created') {
        counts.created++;
        waiter?.(e);
      }
    });
    cleanups.push(() => sub.close());
    await sub.ready;

    // --- ingest (default store: PostgreSQL) -------------------------------------
    const profDir = process.env.BENCH_INGEST_CPU_PROF;
    const pgRun = await ingestRun({ ...env, POSTDESK_BLOB_STORE: 'pg' }, db, campaignId, total, cleanups, progress, profDir);
    const { alive, childOutput } = pgRun;
    const ingestMs = pgRun.ms;
    const peakRss = pgRun.peakRss;
    const ingestRate = (total / ingestMs) * 1000;
    const ratio = ingestRate / limitRate;
    const stored = (
      await db.query<{ interactions: string; quarantined: string; threaded: string; attachments: string }>(
        `SELECT (SELECT count(*) FROM interactions WHERE campaign_id = $1) AS interactions,
                (SELECT count(*) FROM quarantine WHERE campaign_id = $1) AS quarantined,
                (SELECT count(*) FROM messages WHERE campaign_id = $1 AND classification_reason LIKE 'thread:%') AS threaded,
                (SELECT count(*) FROM attachments a JOIN messages m ON m.id = a.message_id WHERE m.campaign_id = $1) AS attachments`,
        [campaignId],
      )
    ).rows[0]!;
    console.log(
      `${'ingest end-to-end (1 sync process, 2 parser threads)'.padEnd(52)} ${ingestRate.toFixed(0).padStart(7)} msgs/s  ${mbps(s.bytes, ingestMs)} MB/s  ratio ${ratio.toFixed(3)}  (its target is against the store's floor, below)`,
    );
    console.log(
      `  ${total} in ${(ingestMs / 1000).toFixed(1)} s from "connected" (process start to connected ${(pgRun.startMs / 1000).toFixed(1)} s); ` +
        `${stored.interactions} interactions, ${stored.threaded} threaded as replies, ${stored.attachments} attachments, ${stored.quarantined} quarantined; events seen: ${counts.received} message.received`,
    );
    console.log(
      `  sync process CPU during ingest: main thread ${pgRun.cpu.main.toFixed(1)} s, other threads ${pgRun.cpu.others.toFixed(1)} s, over ${(ingestMs / 1000).toFixed(1)} s wall; RSS ${pgRun.rssAtConnect.toFixed(0)} MB when connected, highest sampled ${pgRun.maxRss.toFixed(0)} MB`,
    );
    console.log(`${'peak RSS of the sync process (VmHWM)'.padEnd(52)} ${peakRss.toFixed(0).padStart(7)} MB  (target < 400 with the 25 MB attachment: ${met(peakRss < 400)})`);

    // --- time to interaction ------------------------------------------------------
    await sleep(1_000); // the runner marks the folder synced and enters IDLE
    const appender = imap(dv);
    await appender.connect();
    cleanups.push(() => appender.logout().catch(() => appender.close()));
    // Postdesk's own share: an observer IDLEs on the same folder and is told
    // of the new message (EXISTS) when Postdesk's session is — Dovecot holds
    // both notifications back by the same 500 ms — so the event's time less
    // the observer's EXISTS is the time from EXISTS to interaction.created.
    const observer = quiet(new ImapFlow({ host: dv.host, port: dv.imapPort, secure: false, doSTARTTLS: false, auth: { user: USER, pass: IMAP_PASSWORD }, logger: false, disableAutoIdle: true }));
    await observer.connect();
    cleanups.push(() => observer.logout().catch(() => observer.close()));
    await observer.mailboxOpen('INBOX');
    let existsAt: number | null = null;
    observer.on('exists', () => {
      existsAt ??= performance.now();
    });
    void observer.idle().catch(() => undefined);
    const own: number[] = [];
    const lat: number[] = [];
    let timeouts = 0;
    let consecutive = 0;
    let wrong = 0;
    for (let k = 0; k < TTI_COUNT && consecutive < 5; k++) {
      alive();
      const subject = `Time to interaction ${k}`;
      const raw = Buffer.from(
        [
          `From: "New Customer ${k}" <tti${k}@newcustomer.example>`,
          'To: Example Support <support@example.test>',
          `Subject: ${subject}`,
          `Date: ${new Date().toUTCString()}`,
          `Message-ID: <tti-${k}-${Date.now()}@newcustomer.example>`,
          'MIME-Version: 1.0',
          'Content-Type: text/plain; charset=utf-8',
          '',
          `Hello, my order #${10_000 + k} has not arrived yet. Can you help?`,
          '',
        ].join(CRLF),
      );
      let timer: NodeJS.Timeout | undefined;
      const seen = new Promise<(DomainEvent & { type: 'interaction.created' }) | null>((resolve) => {
        waiter = resolve;
        timer = setTimeout(() => resolve(null), TTI_TIMEOUT_MS);
      });
      existsAt = null;
      const t0 = performance.now();
      await appender.append('INBOX', raw);
      const e = await seen;
      const tEvent = performance.now();
      const dt = tEvent - t0;
      clearTimeout(timer);
      waiter = null;
      if (!e) {
        timeouts++;
        consecutive++;
        lat.push(TTI_TIMEOUT_MS);
        continue;
      }
      consecutive = 0;
      lat.push(dt);
      if (existsAt !== null) own.push(tEvent - existsAt);
      const got = (await db.query<{ subject: string }>('SELECT subject FROM interactions WHERE id = $1', [e.interactionId])).rows[0]?.subject;
      if (got !== subject) wrong++;
      await sleep(TTI_PAUSE_MS);
    }
    const sorted = [...lat].sort((a, b) => a - b);
    const aborted = consecutive >= 5;
    const p50 = aborted ? NaN : pct(sorted, 0.5);
    const p99 = aborted ? NaN : pct(sorted, 0.99);
    let why = '';
    if (timeouts) {
      // was the mail not fetched at all, or only the event not seen?
      const storedTti = Number(
        (await db.query<{ n: string }>(`SELECT count(*) AS n FROM messages WHERE campaign_id = $1 AND subject LIKE 'Time to interaction %'`, [campaignId])).rows[0]!.n,
      );
      why = `  ${timeouts} timed out after ${TTI_TIMEOUT_MS / 1000} s (${storedTti} of ${lat.length} appended messages stored by then)`;
    }
    console.log(
      `${`time to interaction (IDLE, ${lat.length} APPENDs)`.padEnd(52)} p50 ${p50.toFixed(0).padStart(5)} ms  p99 ${p99.toFixed(0).padStart(5)} ms  max ${(sorted.at(-1) ?? NaN).toFixed(0)} ms  ` +
        `(targets 300 / 1000: ${met(p50 < 300 && p99 < 1000)})${why}${wrong ? `  ${wrong} events named another interaction` : ''}${aborted ? '  ABORTED after 5 consecutive timeouts' : ''}`,
    );
    const ownSorted = [...own].sort((a, b) => a - b);
    const ownP50 = aborted ? NaN : pct(ownSorted, 0.5);
    const ownP99 = aborted ? NaN : pct(ownSorted, 0.99);
    console.log(
      `${`  Postdesk's own share (EXISTS → event, ${own.length})`.padEnd(52)} p50 ${ownP50.toFixed(0).padStart(5)} ms  p99 ${ownP99.toFixed(0).padStart(5)} ms  max ${(ownSorted.at(-1) ?? NaN).toFixed(0)} ms  ` +
        `(targets 100 / 300: ${met(ownP50 < 100 && ownP99 < 300)})`,
    );
    // done with IMAP until the next phase: sessions idling through it would time out
    await observer.logout().catch(() => observer.close());
    await appender.logout().catch(() => appender.close());
    const warnings = childOutput.filter((l) => /"level":(40|50|60)/.test(l));
    if (warnings.length) progress(`the sync process logged ${warnings.length} warnings/errors (last kept):\n${warnings.slice(-5).join('\n')}`);
    if (profDir) progress(`CPU profiles of the sync process go to ${path.resolve(profDir)} when it exits`);
    await pgRun.stop();

    // --- the PostgreSQL store's own write floor, same run ---------------------------
    const dbUrlOf = (name: string) => {
      const u = new URL(embedded.url);
      u.pathname = `/${name}`;
      return u.toString();
    };
    await db.query('CREATE DATABASE bench_blob_floor');
    const floorDb = createDb(dbUrlOf('bench_blob_floor'), { max: 1 });
    await migrate(floorDb);
    await floorDb.close();
    progress('the PostgreSQL blob store alone (raw bytes, ten messages a transaction)…');
    const floor = await pgBlobFloor(dbUrlOf('bench_blob_floor'), path.join(dv.dir, 'mail', USER, 'Maildir', 'cur'));
    const ofFloor = ingestRate / floor.msgsPerS;
    console.log(
      `${'PostgreSQL blob store alone (raw bytes, 10 a tx)'.padEnd(52)} ${floor.msgsPerS.toFixed(0).padStart(7)} msgs/s  ${floor.mbPerS.toFixed(1)} MB/s  ingest is ${ofFloor.toFixed(2)} of it  (target ≥ 0.50: ${met(ofFloor >= 0.5)})`,
    );

    // --- the same ingest with the filesystem store, same run ------------------------
    await db.query('CREATE DATABASE bench_ingest_fs');
    const fsEnv = { ...env, DATABASE_URL: dbUrlOf('bench_ingest_fs'), POSTDESK_BLOB_STORE: 'fs' };
    const fsApi: RunningServer = await startServer(
      loadConfig({ ...fsEnv, POSTDESK_PORT: '0', POSTDESK_ADMIN_PASSWORD: ADMIN_PASSWORD, POSTDESK_ROLES: 'api' }),
      { serveWeb: false },
    );
    cleanups.push(() => fsApi.stop());
    const fsDb = new pg.Client(fsEnv.DATABASE_URL);
    await fsDb.connect();
    cleanups.push(() => fsDb.end());
    const fsCampaign = await createCampaign(fsApi.url!, dv, sink);
    progress('the same ingest with POSTDESK_BLOB_STORE=fs…');
    const fsRun = await ingestRun(fsEnv, fsDb, fsCampaign, total, cleanups, progress);
    await fsRun.stop();
    const fsRate = (total / fsRun.ms) * 1000;
    const ratioFs = fsRate / limitRate;
    console.log(
      `${'ingest end-to-end, POSTDESK_BLOB_STORE=fs'.padEnd(52)} ${fsRate.toFixed(0).padStart(7)} msgs/s  ${mbps(s.bytes, fsRun.ms)} MB/s  ratio ${ratioFs.toFixed(3)}  (target ≥ 0.10: ${met(ratioFs >= 0.1)})`,
    );
    console.log(
      `  sync process CPU: main thread ${fsRun.cpu.main.toFixed(1)} s, other threads ${fsRun.cpu.others.toFixed(1)} s, over ${(fsRun.ms / 1000).toFixed(1)} s wall; ` +
        `peak RSS ${fsRun.peakRss.toFixed(0)} MB  (target < 400: ${met(fsRun.peakRss < 400)})`,
    );

    return {
      limit_msgs_per_s: limitRate,
      ingest_msgs_per_s: ingestRate,
      ratio,
      peak_rss_mb: peakRss,
      time_to_interaction_p50_ms: p50,
      time_to_interaction_p99_ms: p99,
      messages: total,
      mailbox_mb: s.bytes / 1048576,
      limit_cold_msgs_per_s: (cold.count / cold.ms) * 1000,
      time_to_interaction_timeouts: timeouts,
      blob_store: 'pg',
      pg_blob_floor_msgs_per_s: floor.msgsPerS,
      pg_blob_floor_mb_per_s: floor.mbPerS,
      ingest_of_pg_blob_floor: ofFloor,
      ratio_fs: ratioFs,
      ingest_fs_msgs_per_s: fsRate,
      peak_rss_fs_mb: fsRun.peakRss,
      own_time_to_interaction_p50_ms: ownP50,
      own_time_to_interaction_p99_ms: ownP99,
    };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanupAll();
  }
}
