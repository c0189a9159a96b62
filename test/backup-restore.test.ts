import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotPeer } from './peers/dovecot.ts';
import { startSmtpSink, type SmtpSink } from './peers/smtp-sink.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from './support/app.ts';
import { campaignBody } from './support/campaign-input.ts';
import { appendMessages, customerMail, eventually, sha256 } from './support/mail-fixtures.ts';
import { checkPeer } from './support/peers.ts';
import { startSystemPostgres, systemPostgresBin } from './support/system-postgres.ts';

// Backup and restore as docs/OPERATIONS.md describes it: one pg_dump of the
// one database (blobs included, POSTDESK_BLOB_STORE=pg) and the master key
// kept elsewhere. A populated installation — corpus mail with attachments
// ingested through Dovecot, an answer, a customer's rating — is dumped while
// it runs, restored into a fresh database, and a Postdesk with an empty data
// directory started on it serves every message, attachment and rating byte
// for byte; its mailbox password still opens, its rating links still verify,
// and its sync carries on where the dump left off without fetching twice.
// The system PostgreSQL is used because the embedded one ships no pg_dump.

const run = promisify(execFile);
const corpus = path.resolve(process.cwd(), '../shared/corpus');
const PASSWORD = 'imap-Pa55-backup-1';
const ready =
  checkPeer('postgresql').available && checkPeer('dovecot').available && checkPeer('smtp-sink').available && existsSync(corpus);

// Corpus messages that carry attachments (and a sender, so they become interactions).
const CORPUS = [
  'mimekit-messages/simple-multipart.eml',
  'mimekit-messages/body.6.txt',
  'mimekit-messages/body.7.txt',
  'mimekit-messages/body.9.txt',
  'mimekit-messages/japanese.txt',
];
// Corpus messages with attachments but no sender: quarantined, their raw bytes kept all the same.
const QUARANTINED = [
  'mime4j/mimetools-testmsgs/attachment-filename-encoding-UTF8.msg',
  'mime4j/mimetools-testmsgs/attachment-filename-encoding-Latin1.msg',
];

/** A customer message with a binary attachment of `size` random bytes: many chunk rows in the blob store. */
function mailWithFile(size: number): { raw: Buffer; file: Buffer } {
  const file = randomBytes(size);
  const b64 = file.toString('base64').replace(/.{76}/g, '$&\r\n');
  const raw = Buffer.from(
    [
      'From: Bea Ruiz <bea@customer.test>',
      'To: Example Support <support@example.test>',
      'Subject: The scan you asked for',
      `Date: ${new Date().toUTCString()}`,
      `Message-ID: <${randomBytes(8).toString('hex')}@customer.test>`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b-backup"',
      '',
      '--b-backup',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Here is the scan.',
      '--b-backup',
      'Content-Type: application/octet-stream; name="scan.bin"',
      'Content-Disposition: attachment; filename="scan.bin"',
      'Content-Transfer-Encoding: base64',
      '',
      b64,
      '--b-backup--',
      '',
    ].join('\r\n'),
  );
  return { raw, file };
}

/** A corpus file with CRLF line ends, as a mail server stores and serves it. */
const corpusMail = (f: string): Buffer =>
  Buffer.from(readFileSync(path.join(corpus, f), 'latin1').replace(/\r?\n/g, '\r\n'), 'latin1');

interface Snapshot {
  /** message id → hex SHA-256 of the raw bytes as the server's blob store returns them. */
  raw: Map<number, string>;
  /** "message/part" → hex SHA-256 of the attachment as downloaded. */
  files: Map<string, string>;
  bodies: Map<number, string>;
  threads: Map<number, unknown>;
  quarantined: Map<number, string>;
  ratings: unknown[];
}

/** Everything a user can read of the installation, through the running Postdesk. */
async function snapshot(s: TestServer, cookie: string): Promise<Snapshot> {
  const q = async <T extends Record<string, unknown>>(sql: string): Promise<T[]> => (await s.db.query<T>(sql)).rows;
  const snap: Snapshot = { raw: new Map(), files: new Map(), bodies: new Map(), threads: new Map(), quarantined: new Map(), ratings: [] };
  for (const m of await q<{ id: number; raw_sha256: Buffer }>('SELECT id, raw_sha256 FROM messages ORDER BY id')) {
    const bytes = await s.deps.blobs.get(m.raw_sha256.toString('hex'));
    expect(sha256(bytes), `message ${m.id}`).toBe(m.raw_sha256.toString('hex'));
    snap.raw.set(m.id, sha256(bytes));
    const body = await s.call('GET', `/api/messages/${m.id}/body`, { cookie });
    expect(body.status, `body of message ${m.id}`).toBe(200);
    snap.bodies.set(m.id, body.text);
  }
  for (const a of await q<{ message_id: number; part_path: string; sha256: Buffer; size: string }>(
    'SELECT message_id, part_path, sha256, size FROM attachments ORDER BY message_id, part_path',
  )) {
    const res = await fetch(`${s.url}/api/messages/${a.message_id}/attachments/${encodeURIComponent(a.part_path)}`, { headers: { cookie } });
    expect(res.status, `attachment ${a.message_id}/${a.part_path}`).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.length).toBe(Number(a.size));
    expect(sha256(bytes), `attachment ${a.message_id}/${a.part_path}`).toBe(a.sha256.toString('hex'));
    snap.files.set(`${a.message_id}/${a.part_path}`, sha256(bytes));
  }
  for (const i of await q<{ id: number }>('SELECT id FROM interactions ORDER BY id')) {
    const t = await s.call('GET', `/api/interactions/${i.id}`, { cookie });
    expect(t.status, `thread ${i.id}`).toBe(200);
    snap.threads.set(i.id, t.body);
  }
  for (const x of await q<{ id: number }>('SELECT id FROM quarantine ORDER BY id')) {
    const res = await fetch(`${s.url}/api/quarantine/${x.id}/raw`, { headers: { cookie } });
    expect(res.status, `quarantined ${x.id}`).toBe(200);
    snap.quarantined.set(x.id, sha256(Buffer.from(await res.arrayBuffer())));
  }
  snap.ratings = await q('SELECT message_id, interaction_id, score, created_at, updated_at FROM ratings ORDER BY message_id');
  return snap;
}

/** Messages fetched so far: stored or quarantined. */
const inboundCount = async (s: TestServer): Promise<number> =>
  (await s.db.query<{ n: number }>(
    `SELECT ((SELECT count(*) FROM messages WHERE direction = 'inbound') + (SELECT count(*) FROM quarantine))::int AS n`,
  )).rows[0]!.n;

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

describe.skipIf(!ready)('backup and restore', () => {
  it('a pg_dump of a running installation, restored into a fresh database, serves every message, attachment and rating byte-identical', async () => {
    const bin = systemPostgresBin()!;
    const server = await startSystemPostgres();
    cleanups.push(() => server.stop());
    const admin = new pg.Client(server.url);
    await admin.connect();
    await admin.query('CREATE DATABASE postdesk_live');
    await admin.query('CREATE DATABASE postdesk_restored');
    await admin.end();
    const dbUrl = (name: string) => server.url.replace(/\/postgres$/, `/${name}`);
    const work = await mkdtemp(path.join(os.tmpdir(), 'postdesk-backup-'));
    cleanups.push(() => rm(work, { recursive: true, force: true }));

    const [dv, sink]: [DovecotPeer, SmtpSink] = await Promise.all([startDovecot({ users: { alice: PASSWORD } }), startSmtpSink()]);
    cleanups.push(() => dv.stop(), () => sink.stop());
    // the master key is passed in, as from a secrets manager: the data directories hold nothing worth backing up
    const env = {
      POSTDESK_MASTER_KEY: randomBytes(32).toString('hex'),
      POSTDESK_PUBLIC_URL: 'https://desk.example.test',
      POSTDESK_LEASE_SEC: '3',
      POSTDESK_RESYNC_SEC: '600',
    };

    // --- a populated installation
    const live = await startTestServer({ env: { ...env, DATABASE_URL: dbUrl('postdesk_live'), POSTDESK_ROLES: 'api,sync,worker' } });
    cleanups.push(() => live.stop());
    expect(live.deps.blobs.kind).toBe('pg');
    const cookie = await live.login('admin', ADMIN_PASSWORD);
    const created = await live.call('POST', '/api/campaigns', {
      cookie,
      body: campaignBody({ inbound: { port: dv.imapPort, password: PASSWORD }, smtp: { port: sink.port, auth: false, username: '', password: undefined } }),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const campaignId = created.body.id as string;

    const big = mailWithFile(3 * 1024 * 1024 + 17);
    const customers = [...CORPUS.map(corpusMail), big.raw];
    const raws = [...customers, ...QUARANTINED.map(corpusMail)];
    await appendMessages(dv, 'alice', PASSWORD, 'INBOX', raws);
    await eventually(async () => (await inboundCount(live)) === raws.length, 60_000, `${raws.length} messages ingested`);
    const stored = new Set((await live.db.query<{ raw_sha256: Buffer }>(`SELECT raw_sha256 FROM messages WHERE direction = 'inbound'`)).rows.map((r) => r.raw_sha256.toString('hex')));
    for (const raw of customers) expect(stored.has(sha256(raw))).toBe(true);
    expect((await live.db.query<{ n: number }>('SELECT count(*)::int AS n FROM quarantine')).rows[0]!.n).toBe(QUARANTINED.length);
    const files = (await live.db.query<{ sha256: Buffer }>('SELECT sha256 FROM attachments')).rows.map((r) => r.sha256.toString('hex'));
    expect(files).toContain(sha256(big.file));
    expect(files.length).toBeGreaterThanOrEqual(CORPUS.length + 2);

    // an answer carrying a rating link, and the customer's click on it
    const [bea] = (await live.db.query<{ interaction_id: number }>(`SELECT interaction_id FROM messages WHERE subject = 'The scan you asked for'`)).rows;
    const answer = await live.call('POST', `/api/interactions/${bea!.interaction_id}/messages`, {
      cookie,
      body: { mode: 'reply', to: [{ address: 'bea@customer.test' }], cc: [], html: '<p>Thank you, received.</p>', attachments: [] },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    const html = (await live.db.query<{ html_body: string }>('SELECT html_body FROM messages WHERE id = $1', [answer.body.messageId])).rows[0]!.html_body;
    const link = /https:\/\/desk\.example\.test\/rating\/([A-Za-z0-9_-]+)\//.exec(html);
    expect(link, html).not.toBeNull();
    expect((await fetch(`${live.url}/rating/${link![1]}/4`)).status).toBe(200);
    await sink.waitForMessages(1, 30_000);
    await eventually(async () => (await live.db.query(`SELECT 1 FROM outbox WHERE state <> 'sent'`)).rowCount === 0, 30_000, 'outbox sent');

    const before = await snapshot(live, cookie);
    expect(before.ratings).toHaveLength(1);
    expect(before.files.size).toBe(files.length);
    expect(before.quarantined.size).toBe(QUARANTINED.length);

    // --- the backup, taken while it runs, and the restore into a fresh database
    const dump = path.join(work, 'postdesk.dump');
    await run(path.join(bin, 'pg_dump'), ['--format=custom', `--file=${dump}`, `--dbname=${dbUrl('postdesk_live')}`]);
    await live.stop();
    cleanups.pop();
    await run(path.join(bin, 'pg_restore'), ['--exit-on-error', '--no-owner', `--dbname=${dbUrl('postdesk_restored')}`, dump]);

    // --- Postdesk on the restored database, with a data directory of its own (empty)
    const restored = await startTestServer({ env: { ...env, DATABASE_URL: dbUrl('postdesk_restored'), POSTDESK_ROLES: 'api,sync,worker' } });
    cleanups.push(() => restored.stop());
    const cookie2 = await restored.login('admin', ADMIN_PASSWORD);
    const after = await snapshot(restored, cookie2);
    expect(after.raw).toEqual(before.raw);
    expect(after.files).toEqual(before.files);
    expect(after.bodies).toEqual(before.bodies);
    expect(after.quarantined).toEqual(before.quarantined);
    expect(after.ratings).toEqual(before.ratings);
    expect(after.threads).toEqual(before.threads);
    // the big attachment, byte for byte
    const [bigRow] = (await restored.db.query<{ message_id: number; part_path: string }>('SELECT message_id, part_path FROM attachments WHERE sha256 = $1', [Buffer.from(sha256(big.file), 'hex')])).rows;
    const download = await fetch(`${restored.url}/api/messages/${bigRow!.message_id}/attachments/${encodeURIComponent(bigRow!.part_path)}`, { headers: { cookie: cookie2 } });
    expect(Buffer.from(await download.arrayBuffer()).equals(big.file)).toBe(true);

    // the same master key opens the restored mail password (the mailbox connects) and verifies old rating links
    await eventually(async () => (await restored.db.query<{ state: string }>('SELECT state FROM mailboxes WHERE campaign_id = $1', [campaignId])).rows[0]?.state === 'connected', 30_000, 'restored mailbox connected');
    expect((await fetch(`${restored.url}/rating/${link![1]}/2`)).status).toBe(200);
    expect((await restored.db.query<{ score: number }>('SELECT score FROM ratings')).rows.map((r) => r.score)).toEqual([2]);
    // sync carries on from the restored cursor: new mail arrives once, nothing is fetched twice
    const later = customerMail({ from: 'carla@customer.test', subject: 'After the restore' });
    await appendMessages(dv, 'alice', PASSWORD, 'INBOX', [later.raw]);
    await eventually(async () => (await restored.db.query('SELECT 1 FROM messages WHERE raw_sha256 = $1', [Buffer.from(sha256(later.raw), 'hex')])).rowCount === 1, 30_000, 'mail after the restore');
    expect(await inboundCount(restored)).toBe(raws.length + 1);
  }, 600_000); // a bound for a loaded machine (the drill took 200 s beside four other files), not a speed check
});
