import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../../../../../test/peers/smtp-sink.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';
import { sealContext } from '../campaigns/index.ts';
import { insertCampaignRow } from '../../../../../test/support/campaign-row.ts';
import { eventually } from '../../../../../test/support/mail-fixtures.ts';
import { checkPeer } from '../../../../../test/support/peers.ts';
import { enqueueOutbound } from './enqueue-outbound.ts';
import { findJobs } from '../../platform/jobs/jobs.repo.ts';
import { nextAttempt } from './outbox-worker.ts';
import { SENT_COPY_JOB } from './sent-copy.ts';

// The outbox against Postfix's smtp-sink: delivered bytes are the stored
// bytes; a 4xx is retried later, a 5xx fails with the server's reply.

describe('nextAttempt', () => {
  const now = new Date('2026-11-23T12:00:00Z');
  const temp = { ok: false as const, permanent: false, scope: 'message' as const, code: 'rejected' as const, response: '451 try later' };
  it.each([
    ['first temporary failure waits about 30 s', temp, 1, 15_000, 30_000],
    ['later ones back off, capped at an hour', temp, 20, 1_800_000, 3_600_000],
  ])('%s', (_n, failure, attempts, min, max) => {
    const at = nextAttempt(failure, attempts, now)!;
    expect(at.getTime() - now.getTime()).toBeGreaterThanOrEqual(min);
    expect(at.getTime() - now.getTime()).toBeLessThanOrEqual(max);
  });
  it('gives up after the last attempt and on permanent failures', () => {
    expect(nextAttempt(temp, 30, now)).toBeNull();
    expect(nextAttempt({ ...temp, permanent: true, response: '550 no such user' }, 1, now)).toBeNull();
  });
});

const sinkReady = checkPeer('smtp-sink').available;

describe.skipIf(!sinkReady)('outbox worker against smtp-sink', () => {
  let s: TestServer;
  let ok: SmtpSink;
  let soft: SmtpSink;
  let hard: SmtpSink;
  let authRefused: SmtpSink;
  let hangsUp: SmtpSink;
  let admin: string;

  beforeAll(async () => {
    [ok, soft, hard, authRefused, hangsUp] = await Promise.all([
      startSmtpSink(),
      startSmtpSink({ softReject: ['RCPT'], softReply: '451 4.7.1 Greylisted, try again later' }),
      startSmtpSink({ hardReject: ['RCPT'], hardReply: '550 5.1.1 No such user here' }),
      startSmtpSink({ hardReject: ['AUTH'], hardReply: '535 5.7.8 Authentication credentials invalid' }),
      startSmtpSink({ disconnect: ['MAIL'] }),
    ]);
    s = await startTestServer({ env: { POSTDESK_ROLES: 'api,worker' } });
    admin = await s.login('admin', ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await s?.stop();
    await Promise.all([ok?.stop(), soft?.stop(), hard?.stop(), authRefused?.stop(), hangsUp?.stop()]);
  });

  async function queue(port: number, key: string, existing?: string): Promise<{ messageId: number; raw: Buffer; campaignId: string }> {
    const campaignId = existing ?? (await insertCampaignRow(s.db, { key, fromAddress: `${key.toLowerCase()}@example.test` }));
    if (!existing) await s.db.query(`UPDATE campaigns SET smtp_host = '127.0.0.1', smtp_port = $2, smtp_security = 'none', smtp_auth = false WHERE id = $1`, [campaignId, port]);
    const { rows } = await s.db.query<{ id: number }>(
      `INSERT INTO interactions (campaign_id, customer_address, subject) VALUES ($1, 'ana@customer.test', 'Hello') RETURNING id`,
      [campaignId],
    );
    const enq = await s.db.tx((q) =>
      enqueueOutbound(q, s.deps, {
        campaignId,
        interactionId: rows[0]!.id,
        kind: 'agent',
        compose: { from: { address: `${key.toLowerCase()}@example.test`, name: 'Desk' }, to: [{ address: 'ana@customer.test' }], subject: 'Re: Hello', text: 'Answer.\n.dot line' },
      }),
    );
    const sha = (await s.db.query<{ raw_sha256: Buffer }>('SELECT raw_sha256 FROM messages WHERE id = $1', [enq.messageId])).rows[0]!.raw_sha256;
    return { messageId: enq.messageId, raw: await s.deps.blobs.get(sha.toString('hex')), campaignId };
  }
  const outbox = async (messageId: number) =>
    (await s.db.query<{ state: string; attempts: number; last_error: string | null; smtp_response: string | null; next_attempt_at: Date; updated_at: Date }>(
      'SELECT state, attempts, last_error, smtp_response, next_attempt_at, updated_at FROM outbox WHERE message_id = $1', [messageId])).rows[0]!;
  const hold = async (campaignId: string) =>
    (await s.db.query<{ code: string; response: string; attempts: number; retry_at: Date | null }>('SELECT code, response, attempts, retry_at FROM smtp_holds WHERE campaign_id = $1', [campaignId])).rows[0];
  const smtpConnection = async (campaignId: string) =>
    (await s.call('GET', `/api/campaigns/${campaignId}`, { cookie: admin })).body.connections.find((c: { protocol: string }) => c.protocol === 'smtp');

  it('sends exactly the stored bytes, with our Message-ID', async () => {
    const { messageId, raw } = await queue(ok.port, 'OKA');
    const [delivered] = await ok.waitForMessages(1, 20_000);
    // smtp-sink stores LF line ends and undoes dot-stuffing
    expect(delivered!.content).toBe(raw.toString('utf8').replace(/\r\n/g, '\n'));
    expect(delivered!.rcptTo).toEqual(['<ana@customer.test>']);
    await eventually(async () => (await outbox(messageId)).state === 'sent', 10_000, 'sent');
    expect((await outbox(messageId)).smtp_response).toMatch(/^250/);
  });

  it('records the send and adds the Sent-folder copy job in one transaction, only where the campaign keeps a Sent folder', async () => {
    const plain = await queue(ok.port, 'NSF');
    // an IMAP campaign with a Sent folder (its IMAP server is not reachable here: the copy job fails and waits to retry)
    const withSent = await insertCampaignRow(s.db, { key: 'SFD', fromAddress: 'sfd@example.test', receiveEmails: true });
    await s.db.query(`UPDATE campaigns SET smtp_host = '127.0.0.1', smtp_port = $2, smtp_security = 'none', smtp_auth = false, sent_folder = 'Sent',
                        inbound_host = '127.0.0.1', inbound_port = 1, inbound_security = 'none' WHERE id = $1`, [withSent, ok.port]);
    const copied = await queue(ok.port, 'SFD', withSent);
    await eventually(async () => (await outbox(plain.messageId)).state === 'sent' && (await outbox(copied.messageId)).state === 'sent', 20_000, 'both sent');
    const jobs = await findJobs(s.db, SENT_COPY_JOB.kind);
    expect(jobs.filter((j) => j.job_key === String(plain.messageId))).toEqual([]);
    expect(jobs.filter((j) => j.job_key === String(copied.messageId)).map((j) => j.payload)).toEqual([{ messageId: copied.messageId }]);
  });

  it('retries a temporary refusal later, keeping the reply', async () => {
    const { messageId } = await queue(soft.port, 'SOF');
    const row = await eventually(async () => ((await outbox(messageId)).state === 'retrying' ? outbox(messageId) : null), 20_000, 'retrying');
    expect(row.attempts).toBe(1);
    expect(row.last_error).toContain('451 4.7.1 Greylisted');
    expect(row.next_attempt_at.getTime()).toBeGreaterThan(Date.now() + 5_000);
  });

  it('fails a permanent refusal at once with the server reply', async () => {
    const { messageId } = await queue(hard.port, 'HRD');
    const row = await eventually(async () => ((await outbox(messageId)).state === 'failed' ? outbox(messageId) : null), 20_000, 'failed');
    expect(row.attempts).toBe(1);
    expect(row.smtp_response).toContain('550 5.1.1 No such user here');
  });

  it('holds the account when its login is refused: the messages wait, the admin sees why, and they go once it logs in again', async () => {
    const campaignId = await insertCampaignRow(s.db, { key: 'AUT', fromAddress: 'aut@example.test' });
    await s.db.query(`UPDATE campaigns SET smtp_host = '127.0.0.1', smtp_port = $2, smtp_security = 'none', smtp_auth = true, smtp_username = 'desk',
                        smtp_password_sealed = $3, inbound_host = '127.0.0.1', inbound_port = 1, inbound_security = 'none' WHERE id = $1`,
      [campaignId, authRefused.port, s.deps.secrets.seal('the-old-password', sealContext(campaignId, 'smtp'))]);
    const first = await queue(authRefused.port, 'AUT', campaignId);
    const second = await queue(authRefused.port, 'AUT', campaignId);
    await eventually(async () => (await hold(first.campaignId))?.code === 'auth_failed', 20_000, 'account held');
    // nothing failed: a message tried waits, its attempt not counted, with the server's reply; one claimed
    // after the hold is not even tried (one already in flight when the login was refused ends the same way)
    const tried = await eventually(async () => {
      const rows = await Promise.all([first, second].map((m) => outbox(m.messageId)));
      return rows.every((r) => r.state !== 'sending') ? (rows.find((r) => r.last_error) ?? null) : null;
    }, 20_000, 'reason recorded');
    expect(tried).toMatchObject({ state: 'retrying', attempts: 0 });
    expect(tried.last_error).toContain('535 5.7.8 Authentication credentials invalid');
    for (const m of [first, second]) {
      const row = await outbox(m.messageId);
      expect(row.attempts).toBe(0);
      expect(row.state === 'queued' ? row.last_error : row.state).toBe(row.state === 'queued' ? null : 'retrying');
      // the agent sees each as waiting for the mail server, with its reply
      const { rows: [msg] } = await s.db.query<{ interaction_id: number }>('SELECT interaction_id FROM messages WHERE id = $1', [m.messageId]);
      const thread = (await s.call('GET', `/api/interactions/${msg!.interaction_id}`, { cookie: admin })).body;
      expect(thread.messages[0].outbox).toMatchObject({ state: 'held', error: expect.stringContaining('535 5.7.8') });
    }
    expect((await hold(first.campaignId))!.retry_at).toBeNull();
    expect(await smtpConnection(first.campaignId)).toMatchObject({ ok: false, code: 'auth_failed', hold: { waiting: 2, retryAt: null } });
    expect((await smtpConnection(first.campaignId)).message).toContain('535 5.7.8');
    // and nothing spins against the server meanwhile: the worker polls every 2 s
    const before = (await outbox(first.messageId)).updated_at.getTime();
    await new Promise((r) => setTimeout(r, 4_500));
    expect((await outbox(first.messageId)).updated_at.getTime()).toBe(before);
    expect(await hold(first.campaignId)).toBeDefined();

    // the admin points the campaign at a server that takes it and verifies: both go at once
    await s.db.query(`UPDATE campaigns SET smtp_port = $2, smtp_auth = false WHERE id = $1`, [first.campaignId, ok.port]);
    const verified = await s.call('POST', `/api/campaigns/${first.campaignId}/verify`, { cookie: admin, headers: { origin: s.url } });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    for (const m of [first, second]) await eventually(async () => (await outbox(m.messageId)).state === 'sent', 20_000, 'sent after the fix');
    expect(await hold(first.campaignId)).toBeUndefined();
    expect(await smtpConnection(first.campaignId)).toMatchObject({ ok: true, hold: null });
  });

  it('holds the account after a 421 and tries it again by itself, backing off', async () => {
    const m = await queue(hangsUp.port, 'HUP');
    const held = await eventually(async () => hold(m.campaignId), 20_000, 'account held');
    expect(held).toMatchObject({ code: 'rejected', attempts: 1 });
    expect(held.response).toMatch(/^421/);
    expect(held.retry_at!.getTime()).toBeGreaterThan(Date.now() + 5_000);
    // a server that hung up counts as the message's attempt (one that always breaks the session cannot loop for ever)
    expect(await outbox(m.messageId)).toMatchObject({ state: 'retrying', attempts: 1 });

    // its time comes while the server still hangs up: held again, for longer
    await s.db.query(`UPDATE smtp_holds SET retry_at = now() WHERE campaign_id = $1`, [m.campaignId]);
    const again = await eventually(async () => ((await hold(m.campaignId))?.attempts === 2 ? hold(m.campaignId) : null), 20_000, 'held again');
    expect(again.retry_at!.getTime()).toBeGreaterThan(Date.now() + 5_000);

    // the server is back at its next time: sent, and the hold is gone
    await s.db.query(`UPDATE campaigns SET smtp_port = $2 WHERE id = $1`, [m.campaignId, ok.port]);
    await s.db.query(`UPDATE smtp_holds SET retry_at = now() WHERE campaign_id = $1`, [m.campaignId]);
    await eventually(async () => (await outbox(m.messageId)).state === 'sent', 20_000, 'sent');
    expect(await hold(m.campaignId)).toBeUndefined();
    expect((await outbox(m.messageId)).attempts).toBe(3);
  });
});
