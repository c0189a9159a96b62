import { randomBytes, randomUUID } from 'node:crypto';
import { textAlternative, verifyRecipientMessageId } from '@postdesk/mailkit/bulk';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpCapture, type SmtpCapture } from '../../../../../test/peers/smtp-capture.ts';
import { startSmtpSink, type SmtpSink } from '../../../../../test/peers/smtp-sink.ts';
import { insertCampaignRow } from '../../../../../test/support/campaign-row.ts';
import { createTestDatabase } from '../../../../../test/support/database.ts';
import { checkPeer } from '../../../../../test/support/peers.ts';
import { untilReached } from '../../../../../test/support/wait.ts';
import type { Db } from '../../platform/db/db.ts';
import { importList } from './import-list.ts';
import { MAX_CLAIM_AHEAD, sendDialer } from './send-dialer.ts';
import type { SendThreadInit } from './send-protocol.ts';

const HTML = '<p>Dear ${name},</p><p>your code is <b>${code}</b>.</p>';
const secret = randomBytes(32);
const rules = { campaign: 'Newsletter', requiredFields: ['name', 'code'], isKnownAttachment: () => false };
const source = (text: string): AsyncIterable<Buffer> =>
  (async function* () {
    yield Buffer.from(text);
  })();

function init(port: number): Omit<SendThreadInit, 'type'> {
  return {
    spec: { from: { address: 'news@acme.test', name: 'Acme' }, subject: 'Code for ${name}', html: HTML, text: textAlternative(HTML), unsubscribeUrlPrefix: 'https://desk.example.test/u/', pixelUrlPrefix: 'https://desk.example.test/o/' },
    account: { host: '127.0.0.1', port, security: 'none', connectionTimeoutMs: 2_000, clientName: 'dialer.test' },
    connections: 2,
    envelopeFrom: 'bounce@acme.test',
    messageIdDomain: 'acme.test',
    secret,
    invite: null,
    attachments: {},
  };
}

describe('the dialer sends a list through the ledger', () => {
  let t: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db;
  let campaignId: string;
  const peers: Array<{ stop(): Promise<void> }> = [];
  beforeAll(async () => {
    t = await createTestDatabase();
    db = t.db;
    campaignId = await insertCampaignRow(db, { name: 'Newsletter' });
  });
  afterAll(async () => {
    await Promise.all(peers.map((p) => p.stop()));
    await t.drop();
  });

  const newDialer = async (): Promise<string> => {
    const id = randomUUID();
    await db.query(`INSERT INTO dialers (id, name, campaign_id, subject, state) VALUES ($1, $2, $3, 'Code for \${name}', 'running')`, [id, `d-${id}`, campaignId]);
    return id;
  };
  const states = async (dialerId: string): Promise<Record<string, string>> => {
    const { rows } = await db.query<{ destination: string; state: string }>('SELECT destination, state FROM dialer_rows WHERE dialer_id = $1', [dialerId]);
    return Object.fromEntries(rows.map((r) => [r.destination, r.state]));
  };

  it('imports nothing from a list with one bad row, and reports it', async () => {
    const dialerId = await newDialer();
    const r = await importList({ db }, { dialerId, name: 'bad', source: source('Newsletter;a@example.test;;;name=A:code=1;1\nNewsletter;oops;;;name=B:code=2;1\n'), rules });
    expect(r.listId).toBeNull();
    expect(r.report.problems.map((p) => `${p.line}:${p.column} ${p.code}`)).toEqual(['2:2 destination']);
    expect((await db.query('SELECT count(*)::int AS n FROM dialer_rows WHERE dialer_id = $1', [dialerId])).rows[0]!.n).toBe(0);
    expect((await db.query('SELECT count(*)::int AS n FROM dialer_lists WHERE dialer_id = $1', [dialerId])).rows[0]!.n).toBe(0);
  });

  it.skipIf(!checkPeer('smtp-sink').available)('sends every row once by priority, each with its own Message-ID, and records it sent', async () => {
    const sink: SmtpSink = await startSmtpSink();
    peers.push(sink);
    const dialerId = await newDialer();
    // the last ten rows of the list come first: priority 1 against 5
    const lines = Array.from({ length: 60 }, (_, i) => `Newsletter;r${i}@example.test;;;name=R${i}:code=${i};${i >= 50 ? 1 : 5}`);
    const imported = await importList({ db }, { dialerId, name: 'list', source: source(lines.join('\n')), rules });
    expect(imported.report.ok).toBe(true);
    const report = await sendDialer({ db, now: () => new Date() }, dialerId, init(sink.port), { maxPerSecond: 0, intervalMs: 0 }, new AbortController().signal, {
      threads: 2,
      batchSize: 8,
      untilEmpty: true,
    });
    expect(report).toMatchObject({ sent: 60, failed: 0, retried: 0, recoveredInFlight: 0 });
    const got = await sink.waitForMessages(60);
    const ids = got.map((m) => /^Message-ID: <([^>]+)>$/m.exec(m.content)?.[1] ?? '');
    const rows = ids.map((id) => verifyRecipientMessageId(id, secret));
    expect(new Set(rows).size).toBe(60);
    expect(rows.every((r) => r !== null)).toBe(true);
    const r7 = await simpleParser(got.find((m) => m.rcptTo[0] === '<r7@example.test>')!.content);
    expect(r7.html).toContain('your code is <b>7</b>.');
    expect(Object.values(await states(dialerId)).every((s) => s === 'sent')).toBe(true);
    const list = (await db.query('SELECT sent, failed FROM dialer_lists WHERE id = $1', [imported.listId])).rows[0];
    expect(list).toEqual({ sent: 60, failed: 0 });
  });

  it.skipIf(!checkPeer('smtp-sink').available)('never holds more than MAX_CLAIM_AHEAD rows claimed ahead, however large the batches asked for', async () => {
    const sink: SmtpSink = await startSmtpSink();
    peers.push(sink);
    const dialerId = await newDialer();
    const n = 5_000;
    // every tenth address blacklisted: skipped rows wait to be written like sent ones, and count as claimed ahead too
    await db.query(`INSERT INTO dialer_blacklist (address, reason) SELECT 'cap' || i || '@example.test', 'manual' FROM generate_series(0, $1::int - 1, 10) i`, [n]);
    const lines = Array.from({ length: n }, (_, i) => `Newsletter;cap${i}@example.test;;;name=C${i}:code=${i};`);
    expect((await importList({ db }, { dialerId, name: 'cap', source: source(lines.join('\n')), rules })).report.ok).toBe(true);
    let sampledMax = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM dialer_rows WHERE dialer_id = $1 AND state = 'sending'`, [dialerId]);
        sampledMax = Math.max(sampledMax, rows[0]!.n);
      }
    })();
    const report = await sendDialer({ db, now: () => new Date() }, dialerId, init(sink.port), { maxPerSecond: 0, intervalMs: 0 }, new AbortController().signal, {
      threads: 2,
      batchSize: 8_192,
      maxInFlight: 100_000,
      untilEmpty: true,
    });
    sampling = false;
    await sampler;
    expect(report).toMatchObject({ sent: n - n / 10, failed: 0, retried: 0 });
    expect(report.peakClaimedAhead).toBeGreaterThan(0);
    expect(report.peakClaimedAhead).toBeLessThanOrEqual(MAX_CLAIM_AHEAD);
    expect(sampledMax).toBeGreaterThan(0);
    expect(sampledMax).toBeLessThanOrEqual(MAX_CLAIM_AHEAD);
    expect((await db.query('SELECT sent, skipped FROM dialer_lists WHERE dialer_id = $1', [dialerId])).rows[0]).toEqual({ sent: n - n / 10, skipped: n / 10 });
  }, 300_000);

  it('sends by priority, then list order', async () => {
    const capture: SmtpCapture = await startSmtpCapture();
    peers.push(capture);
    const dialerId = await newDialer();
    const lines = Array.from({ length: 30 }, (_, i) => `Newsletter;r${i}@example.test;;;name=R${i}:code=${i};${i >= 20 ? 1 : i % 2 === 0 ? 5 : 7}`);
    await importList({ db }, { dialerId, name: 'order', source: source(lines.join('\n')), rules });
    // one thread, one connection: messages arrive in the order they were claimed
    await sendDialer({ db, now: () => new Date() }, dialerId, { ...init(capture.port), connections: 1 }, { maxPerSecond: 0, intervalMs: 0 }, new AbortController().signal, {
      threads: 1,
      batchSize: 4,
      untilEmpty: true,
    });
    const order = capture.messages.map((m) => Number(/^r(\d+)@/.exec(m.to[0]!)![1]));
    const expected = [...Array.from({ length: 10 }, (_, i) => 20 + i), ...Array.from({ length: 10 }, (_, i) => 2 * i), ...Array.from({ length: 10 }, (_, i) => 2 * i + 1)];
    expect(order).toEqual(expected);
  });

  it('a 5xx fails the row with the reply, a 4xx is retried later, the rest are sent', async () => {
    const capture: SmtpCapture = await startSmtpCapture({
      refuse: { 'gone@example.test': { code: 550, message: 'no such user' }, 'busy@example.test': { code: 451, message: 'try later' } },
    });
    peers.push(capture);
    const dialerId = await newDialer();
    await importList({ db }, { dialerId, name: 'mixed', source: source('Newsletter;a@example.test;;;name=A:code=1\nNewsletter;gone@example.test;;;name=G:code=2\nNewsletter;busy@example.test;;;name=B:code=3\nNewsletter;c@example.test;;;name=C:code=4\n'), rules });
    const stop = new AbortController();
    const run = sendDialer({ db, now: () => new Date() }, dialerId, init(capture.port), { maxPerSecond: 0, intervalMs: 0 }, stop.signal, { threads: 1, idlePollMs: 50 });
    await untilReached(async () => ((await states(dialerId))['busy@example.test'] === 'retrying' ? 1 : 0), 1, 'the 4xx row retrying');
    stop.abort();
    const report = await run;
    expect(report).toMatchObject({ sent: 2, failed: 1, retried: 1 });
    expect(await states(dialerId)).toEqual({ 'a@example.test': 'sent', 'gone@example.test': 'failed', 'busy@example.test': 'retrying', 'c@example.test': 'sent' });
    const gone = (await db.query(`SELECT smtp_code, reply FROM dialer_rows WHERE dialer_id = $1 AND destination = 'gone@example.test'`, [dialerId])).rows[0]!;
    expect(gone.smtp_code).toBe(550);
    expect(gone.reply).toContain('no such user');
    const busy = (await db.query(`SELECT due_at > now() AS later, attempts FROM dialer_rows WHERE dialer_id = $1 AND destination = 'busy@example.test'`, [dialerId])).rows[0];
    expect(busy).toEqual({ later: true, attempts: 1 });
    expect(capture.messages.map((m) => m.to[0]).sort()).toEqual(['a@example.test', 'c@example.test']);
  });

  it('holds a destination domain to its per-minute limit: its other rows wait, untried, while other domains go on', async () => {
    const capture: SmtpCapture = await startSmtpCapture();
    peers.push(capture);
    const dialerId = await newDialer();
    const lines = [...Array.from({ length: 5 }, (_, i) => `Newsletter;s${i}@slow.test;;;name=S:code=${i};1`), ...Array.from({ length: 3 }, (_, i) => `Newsletter;f${i}@fast.test;;;name=F:code=${i};5`)];
    await importList({ db }, { dialerId, name: 'domains', source: source(lines.join('\n')), rules });
    const stop = new AbortController();
    const run = sendDialer({ db, now: () => new Date() }, dialerId, init(capture.port), { maxPerSecond: 0, intervalMs: 0, domainLimits: [{ domain: 'slow.test', perMinute: 3 }] }, stop.signal, {
      threads: 1,
      batchSize: 2,
      idlePollMs: 50,
    });
    // the slow.test rows come first (priority 1), yet only three of them go this minute
    await untilReached(async () => Object.values(await states(dialerId)).filter((st) => st === 'sent').length, 6, 'rows recorded sent');
    stop.abort();
    await run;
    const st = await states(dialerId);
    expect(Object.entries(st).filter(([to, v]) => to.endsWith('@slow.test') && v === 'sent').length).toBe(3);
    expect(Object.entries(st).filter(([to, v]) => to.endsWith('@fast.test') && v === 'sent').length).toBe(3);
    // back in the queue untried (a row claimed over the limit is deferred to when the domain frees up; later ones are not claimed at all)
    const waiting = (await db.query(`SELECT state, attempts FROM dialer_rows WHERE dialer_id = $1 AND domain = 'slow.test' AND state <> 'sent'`, [dialerId])).rows;
    expect(waiting).toEqual([
      { state: 'queued', attempts: 0 },
      { state: 'queued', attempts: 0 },
    ]);
    expect(capture.messages.filter((m) => m.to[0]!.endsWith('@slow.test')).length).toBe(3);
  });

  it('rows left "sending" by a crashed run are sent again and counted uncertain', async () => {
    const sink: SmtpSink = await startSmtpSink();
    peers.push(sink);
    const dialerId = await newDialer();
    await importList({ db }, { dialerId, name: 'crash', source: source('Newsletter;a@example.test;;;name=A:code=1\nNewsletter;b@example.test;;;name=B:code=2\n'), rules });
    // what a killed sender leaves: a claimed row never recorded
    await db.query(`UPDATE dialer_rows SET state = 'sending', attempts = 1 WHERE dialer_id = $1 AND destination = 'a@example.test'`, [dialerId]);
    const report = await sendDialer({ db, now: () => new Date() }, dialerId, init(sink.port), { maxPerSecond: 0, intervalMs: 0 }, new AbortController().signal, { threads: 1, untilEmpty: true });
    expect(report).toMatchObject({ sent: 2, recoveredInFlight: 1 });
    const rows = (await db.query('SELECT destination, state, uncertain FROM dialer_rows WHERE dialer_id = $1 ORDER BY destination', [dialerId])).rows;
    expect(rows).toEqual([
      { destination: 'a@example.test', state: 'sent', uncertain: 1 },
      { destination: 'b@example.test', state: 'sent', uncertain: 0 },
    ]);
  });
});
