import type { ChildProcess } from 'node:child_process';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotPeer } from '../peers/dovecot.ts';
import { startSmtpSink, type SmtpSink } from '../peers/smtp-sink.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/app.ts';
import { campaignBody } from '../support/campaign-input.ts';
import { customerMail, eventually, sha256 } from '../support/mail-fixtures.ts';
import { killNode, spawnNode } from '../support/node-process.ts';
import { untilReached } from '../support/wait.ts';
import { checkPeer } from '../support/peers.ts';

// Crash anywhere → restart → exactly once. A sync process is killed with
// SIGKILL at random moments while it ingests 2,000 messages, 20 times; a
// fresh process takes the mailbox over each time (the killed one's lease
// expires). At the end every message on the server is stored exactly once,
// with the SHA-256 of the server's copy, and the campaign's action for
// fetched mail (move to a folder) has been applied to every one of them —
// also to those whose process died between the commit and the move.

const PASSWORD = 'imap-Pa55-faults-1';
const TOTAL = 2_000;
const KILLS = 20;
const peersReady = checkPeer('dovecot').available && checkPeer('smtp-sink').available;

describe.skipIf(!peersReady)('sync survives SIGKILL', () => {
  let dv: DovecotPeer;
  let sink: SmtpSink;
  let s: TestServer;
  const children = new Set<ChildProcess>();

  const spawnSync = (): ChildProcess => {
    const child = spawnNode({
      DATABASE_URL: s.deps.config.databaseUrl!,
      POSTDESK_DATA_DIR: s.dataDir,
      POSTDESK_ROLES: 'sync',
      POSTDESK_LEASE_SEC: '2',
      POSTDESK_PARSER_THREADS: '1',
    });
    children.add(child);
    child.once('exit', () => children.delete(child));
    return child;
  };
  const killed = killNode;
  const stored = async (): Promise<number> =>
    (await s.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE direction = 'inbound'`)).rows[0]!.n;

  beforeAll(async () => {
    [dv, sink] = await Promise.all([startDovecot({ users: { alice: PASSWORD } }), startSmtpSink()]);
    s = await startTestServer();
    const admin = await s.login('admin', ADMIN_PASSWORD);
    const body = campaignBody({ inbound: { port: dv.imapPort, password: PASSWORD }, smtp: { port: sink.port, auth: false, username: '', password: undefined } });
    body.queue = { ...(body.queue as object), fetchedMailAction: 'move', moveToFolder: 'Processed' };
    const res = await s.call('POST', '/api/campaigns', { cookie: admin, body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const client = new ImapFlow({ host: dv.host, port: dv.imapPort, secure: false, doSTARTTLS: false, auth: { user: 'alice', pass: PASSWORD }, logger: false });
    await client.connect();
    for (let i = 0; i < TOTAL; i++) {
      const body = i % 10 === 0 ? 'x'.repeat(20_000) : `message ${i}`;
      await client.append('INBOX', customerMail({ from: `c${i % 97}@customer.test`, subject: `Crash test ${i}`, body }).raw);
    }
    await client.logout();
  }, 240_000);

  afterAll(async () => {
    await Promise.all([...children].map(killed));
    await s?.stop();
    await Promise.all([dv?.stop(), sink?.stop()]);
  });

  it(`stores each of ${TOTAL} messages exactly once across ${KILLS} kills`, async () => {
    const progress: number[] = [];
    let diedBeforeMoving = 0;
    for (let k = 0; k < KILLS; k++) {
      const child = spawnSync();
      // a random moment mid-ingest: once this process has committed its first
      // message (start-up and lease takeover take a few seconds), after a
      // random number of further commits; a few kills land in start-up
      const base = await stored();
      const startBy = Date.now() + (k % 5 === 4 ? 1_000 + Math.random() * 2_000 : 60_000);
      while ((await stored()) === base && Date.now() < startBy) await new Promise((r) => setTimeout(r, 10));
      const target = (await stored()) + Math.floor(Math.random() * 60);
      const deadline = Date.now() + 10_000;
      while ((await stored()) < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
      await killed(child);
      progress.push(await stored());
      const { rows: [f] } = await s.db.query<{ behind: boolean }>('SELECT acted_uid < last_uid AS behind FROM mailbox_folders');
      if (f?.behind) diedBeforeMoving++;
    }
    const last = spawnSync();
    await untilReached(stored, TOTAL, `all ${TOTAL} messages`, 60_000);
    // the last moves follow the last commits
    await eventually(async () => {
      const { rows: [f] } = await s.db.query<{ behind: boolean }>('SELECT acted_uid < last_uid AS behind FROM mailbox_folders');
      return f && !f.behind;
    }, 60_000, 'the action caught up');
    last.kill('SIGTERM');
    await new Promise((r) => last.once('exit', r));
    console.info(`[faults] stored after each kill: ${progress.join(', ')}; ${diedBeforeMoving} kills fell between a commit and its move`);
    expect(diedBeforeMoving).toBeGreaterThan(0);
    // the kills really interrupted ingestion: most landed after the process had
    // committed some messages and while others were still waiting
    const midIngest = progress.filter((n, i) => n < TOTAL && n > (i === 0 ? 0 : progress[i - 1]!)).length;
    expect(midIngest).toBeGreaterThanOrEqual(KILLS / 2);

    const { rows } = await s.db.query<{ message_id: string; n: number; sha: string }>(
      `SELECT message_id, count(*)::int AS n, min(encode(raw_sha256, 'hex')) AS sha FROM messages WHERE direction = 'inbound' GROUP BY message_id`,
    );
    expect(rows.filter((r) => r.n !== 1)).toEqual([]);
    expect(rows).toHaveLength(TOTAL);
    const byId = new Map(rows.map((r) => [r.message_id, r.sha]));

    const client = new ImapFlow({ host: dv.host, port: dv.imapPort, secure: false, doSTARTTLS: false, auth: { user: 'alice', pass: PASSWORD }, logger: false });
    await client.connect();
    const mismatched: string[] = [];
    let seen = 0;
    const inbox = await client.status('INBOX', { messages: true });
    const lock = await client.getMailboxLock('Processed');
    try {
      for await (const msg of client.fetch('1:*', { source: true, envelope: true })) {
        seen++;
        const id = msg.envelope?.messageId?.replace(/^<|>$/g, '') ?? '';
        if (byId.get(id) !== sha256(msg.source!)) mismatched.push(id);
      }
    } finally {
      lock.release();
      await client.logout();
    }
    // every message was moved, each exactly once, even where a kill fell between a commit and its move
    expect(inbox && inbox.messages).toBe(0);
    expect(seen).toBe(TOTAL);
    expect(mismatched).toEqual([]);
  }, 1_200_000);
});
