import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../../../../../test/peers/smtp-sink.ts';
import { startTestServer, type TestServer } from '../../../../../test/support/app.ts';
import { insertCampaignRow } from '../../../../../test/support/campaign-row.ts';
import { eventually } from '../../../../../test/support/mail-fixtures.ts';
import { checkPeer } from '../../../../../test/support/peers.ts';
import { enqueueOutbound } from './enqueue-outbound.ts';
import { nextAttempt } from './outbox-worker.ts';

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

  beforeAll(async () => {
    [ok, soft, hard] = await Promise.all([
      startSmtpSink(),
      startSmtpSink({ softReject: ['RCPT'], softReply: '451 4.7.1 Greylisted, try again later' }),
      startSmtpSink({ hardReject: ['RCPT'], hardReply: '550 5.1.1 No such user here' }),
    ]);
    s = await startTestServer({ env: { POSTDESK_ROLES: 'api,worker' } });
  });
  afterAll(async () => {
    await s?.stop();
    await Promise.all([ok?.stop(), soft?.stop(), hard?.stop()]);
  });

  async function queue(port: number, key: string): Promise<{ messageId: number; raw: Buffer }> {
    const campaignId = await insertCampaignRow(s.db, { key, fromAddress: `${key.toLowerCase()}@example.test` });
    await s.db.query(`UPDATE campaigns SET smtp_host = '127.0.0.1', smtp_port = $2, smtp_security = 'none', smtp_auth = false WHERE id = $1`, [campaignId, port]);
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
    return { messageId: enq.messageId, raw: await s.deps.blobs.get(sha.toString('hex')) };
  }
  const outbox = async (messageId: number) =>
    (await s.db.query<{ state: string; attempts: number; last_error: string | null; smtp_response: string | null; next_attempt_at: Date }>(
      'SELECT state, attempts, last_error, smtp_response, next_attempt_at FROM outbox WHERE message_id = $1', [messageId])).rows[0]!;

  it('sends exactly the stored bytes, with our Message-ID', async () => {
    const { messageId, raw } = await queue(ok.port, 'OKA');
    const [delivered] = await ok.waitForMessages(1, 20_000);
    // smtp-sink stores LF line ends and undoes dot-stuffing
    expect(delivered!.content).toBe(raw.toString('utf8').replace(/\r\n/g, '\n'));
    expect(delivered!.rcptTo).toEqual(['<ana@customer.test>']);
    await eventually(async () => (await outbox(messageId)).state === 'sent', 10_000, 'sent');
    expect((await outbox(messageId)).smtp_response).toMatch(/^250/);
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
});
