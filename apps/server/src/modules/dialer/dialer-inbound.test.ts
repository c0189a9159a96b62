import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotPeer } from '../../../../../test/peers/dovecot.ts';
import { startSmtpSink, type SmtpSink } from '../../../../../test/peers/smtp-sink.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';
import { campaignBody } from '../../../../../test/support/campaign-input.ts';
import { appendMessages, customerMail } from '../../../../../test/support/mail-fixtures.ts';
import { checkPeer } from '../../../../../test/support/peers.ts';
import { untilReached } from '../../../../../test/support/wait.ts';

// What comes back about dialer mail, end to end: the dialer sends into
// smtp-sink, then a DSN (RFC 3464), an ARF report (RFC 5965) and a reply
// arrive in the campaign's mailbox (Dovecot, IMAP APPEND) and are linked to
// the ledger rows by our HMAC Message-ID.

const PASSWORD = 'imap-Pa55-dialer-1';
const peersReady = checkPeer('dovecot').available && checkPeer('smtp-sink').available;

/** A DSN for `messageId` sent to `recipient`, with one recipient block. */
function dsn(id: string, messageId: string, recipient: string, action: string, status: string): Buffer {
  return Buffer.from(
    [
      'From: Mail Delivery System <MAILER-DAEMON@mx.customer.test>',
      'To: news@example.test',
      'Subject: Undelivered Mail Returned to Sender',
      `Message-ID: <${id}>`,
      'Auto-Submitted: auto-replied',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      'I could not deliver your message.',
      '--b1',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.customer.test',
      '',
      `Final-Recipient: rfc822; ${recipient}`,
      `Action: ${action}`,
      `Status: ${status}`,
      `Diagnostic-Code: smtp; ${status.startsWith('5') ? '550 5.1.1 no such user' : '452 4.2.2 mailbox full'}`,
      '',
      '--b1',
      'Content-Type: text/rfc822-headers',
      '',
      'From: news@example.test',
      `To: ${recipient}`,
      `Message-ID: <${messageId}>`,
      'Subject: Code',
      '',
      '--b1--',
      '',
    ].join('\r\n'),
  );
}

/** An ARF abuse report (RFC 5965) about `messageId`. */
function arf(id: string, messageId: string, recipient: string): Buffer {
  return Buffer.from(
    [
      'From: <fbl@isp.test>',
      'To: news@example.test',
      'Subject: FW: Code',
      `Message-ID: <${id}>`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=feedback-report; boundary="b2"',
      '',
      '--b2',
      'Content-Type: text/plain',
      '',
      'This is an email abuse report.',
      '--b2',
      'Content-Type: message/feedback-report',
      '',
      'Feedback-Type: abuse',
      'User-Agent: SomeGenerator/1.0',
      'Version: 1',
      `Original-Rcpt-To: ${recipient}`,
      '',
      '--b2',
      'Content-Type: message/rfc822',
      '',
      'From: news@example.test',
      `To: ${recipient}`,
      `Message-ID: <${messageId}>`,
      'Subject: Code',
      '',
      'Hello',
      '--b2--',
      '',
    ].join('\r\n'),
  );
}

describe.skipIf(!peersReady)('dialer mail coming back: bounces, complaints and replies against Dovecot and smtp-sink', () => {
  let dv: DovecotPeer;
  let sink: SmtpSink;
  let s: TestServer;
  let cookie: string;
  let campaignId: string;
  let dialerId: string;
  const q = async <T extends Record<string, unknown>>(sql: string, values: unknown[] = []): Promise<T[]> => (await s.db.query<T>(sql, values)).rows;
  const status = async () => (await s.call('GET', `/api/dialers/${dialerId}/status`, { cookie })).body;
  const upload = async (csv: string) => {
    const res = await fetch(`${s.url}/api/dialers/${dialerId}/lists?name=list`, { method: 'POST', headers: { cookie, 'content-type': 'text/csv' }, body: csv });
    return { status: res.status, body: (await res.json()) as any };
  };
  /** The Message-ID the dialer gave the message to `rcpt`, read at the sink. */
  const sentId = async (rcpt: string) => {
    const m = (await sink.messages()).find((x) => x.rcptTo[0] === `<${rcpt}>`)!;
    return /^Message-ID:\s*<([^>]+)>/im.exec(m.content)![1]!;
  };

  beforeAll(async () => {
    [dv, sink] = await Promise.all([startDovecot({ users: { alice: PASSWORD } }), startSmtpSink()]);
    s = await startTestServer({
      env: { POSTDESK_ROLES: 'api,sync,worker', POSTDESK_LEASE_SEC: '3', POSTDESK_RESYNC_SEC: '600', POSTDESK_PUBLIC_URL: 'https://desk.example.test' },
    });
    cookie = await s.login('admin', ADMIN_PASSWORD);
    const res = await s.call('POST', '/api/campaigns', {
      cookie,
      body: campaignBody({
        name: 'News',
        key: 'NEWS',
        fromAddress: 'news@example.test',
        inbound: { port: dv.imapPort, password: PASSWORD, mailbox: 'INBOX' },
        smtp: { port: sink.port, auth: false, username: '', password: undefined },
      }),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    campaignId = res.body.id;
    const t = await s.call('POST', '/api/templates', { cookie, body: { name: 'News mail', campaignId, html: '<p>Hello ${name}</p>' } });
    expect(t.status, t.text).toBe(201);
    const d = await s.call('POST', '/api/dialers', { cookie, body: { name: 'News dialer', campaignId, templateId: t.body.id, subject: 'Code for ${name}' } });
    expect(d.status, d.text).toBe(201);
    dialerId = d.body.id;
  });

  afterAll(async () => {
    await s?.stop();
    await Promise.all([dv?.stop(), sink?.stop()]);
  });

  it('a hard bounce and an ARF complaint move rejected / spam and blacklist; a soft bounce and a delay do not blacklist; a reply becomes its own interaction linked to the row', async () => {
    const who = ['hard', 'soft', 'spam', 'late', 'reply1', 'reply2'];
    expect((await upload(who.map((w) => `News;${w}@customer.test;;;name=${w};`).join('\n'))).status).toBe(201);
    expect((await s.call('POST', `/api/dialers/${dialerId}/start`, { cookie })).status).toBe(200);
    await untilReached(async () => (await status()).totals.sent, who.length, 'dialer sent');
    await sink.waitForMessages(who.length);
    const ids = Object.fromEntries(await Promise.all(who.map(async (w) => [w, await sentId(`${w}@customer.test`)] as const)));

    const reply1 = customerMail({ from: 'Reply One <reply1@customer.test>', to: 'news@example.test', subject: 'Re: Code for reply1', inReplyTo: ids.reply1!, references: [ids.reply1!] });
    const reply2 = customerMail({ from: 'reply2@customer.test', to: 'news@example.test', subject: 'Re: Code for reply2', inReplyTo: ids.reply2!, references: [ids.reply2!] });
    // a forged pdd. Message-ID (wrong MAC) links nothing
    const forged = dsn('bounce-forged@mx.customer.test', ids.late!.replace(/\.[a-z2-7]{26}@/, '.aaaaaaaaaaaaaaaaaaaaaaaaaa@'), 'late@customer.test', 'failed', '5.1.1');
    await appendMessages(dv, 'alice', PASSWORD, 'INBOX', [
      dsn('bounce-hard@mx.customer.test', ids.hard!, 'hard@customer.test', 'failed', '5.1.1'),
      dsn('bounce-soft@mx.customer.test', ids.soft!, 'soft@customer.test', 'failed', '4.2.2'),
      dsn('bounce-late@mx.customer.test', ids.late!, 'late@customer.test', 'delayed', '4.4.7'),
      forged,
      arf('arf-1@isp.test', ids.spam!, 'spam@customer.test'),
      reply1.raw,
      reply2.raw,
    ]);
    await untilReached(async () => (await q<{ n: number }>('SELECT count(*)::int AS n FROM messages WHERE campaign_id = $1', [campaignId]))[0]!.n, 7, 'messages stored');
    const totals = (await status()).totals;
    expect(totals).toMatchObject({ sent: 6, rejected: 2, spam: 1 });

    const stored = await q<{ message_id: string; kind: string; interaction_id: number | null }>('SELECT message_id, kind, interaction_id FROM messages WHERE campaign_id = $1 ORDER BY id', [campaignId]);
    // the reports are stored as what they are and never become interactions
    for (const m of stored.filter((x) => x.kind !== 'customer')) expect(m.interaction_id, m.message_id).toBeNull();
    expect(stored.filter((x) => x.kind === 'bounce').length).toBe(4);
    expect(stored.filter((x) => x.kind === 'feedback').length).toBe(1);

    const rows = await q<{ destination: string; rejected: boolean; spam: boolean }>(
      'SELECT destination, rejected_at IS NOT NULL AS rejected, spam_at IS NOT NULL AS spam FROM dialer_rows WHERE dialer_id = $1 ORDER BY id',
      [dialerId],
    );
    expect(rows.filter((r) => r.rejected).map((r) => r.destination).sort()).toEqual(['hard@customer.test', 'soft@customer.test']);
    expect(rows.filter((r) => r.spam).map((r) => r.destination)).toEqual(['spam@customer.test']);
    expect(await q('SELECT address, reason FROM dialer_blacklist ORDER BY address')).toEqual([
      { address: 'hard@customer.test', reason: 'bounce' },
      { address: 'spam@customer.test', reason: 'spam' },
    ]);

    // each reply: an ordinary interaction of its own, linked to the row it answers
    const replies = await q<{ destination: string; interaction_id: number; customer_address: string }>(
      `SELECT x.destination, r.interaction_id::int AS interaction_id, i.customer_address
         FROM dialer_replies r JOIN dialer_rows x ON x.id = r.row_id JOIN interactions i ON i.id = r.interaction_id ORDER BY x.destination`,
    );
    expect(replies.map((r) => [r.destination, r.customer_address])).toEqual([
      ['reply1@customer.test', 'reply1@customer.test'],
      ['reply2@customer.test', 'reply2@customer.test'],
    ]);
    expect(replies[0]!.interaction_id).not.toBe(replies[1]!.interaction_id);
    expect((await status()).totals.replied).toBe(2);
    // the thread says which dialer message the interaction answers
    const thread = await s.call('GET', `/api/records/interactions/${replies[0]!.interaction_id}`, { cookie });
    expect(thread.status, thread.text).toBe(200);
    expect(thread.body.interaction.dialerMessage).toMatchObject({ dialerId, dialerName: 'News dialer', listName: 'list', line: 5, destination: 'reply1@customer.test', sentAt: expect.any(String) });
    const stray = await q<{ id: number }>(`SELECT id FROM interactions WHERE campaign_id = $1 AND id <> ALL ($2::bigint[]) LIMIT 1`, [campaignId, replies.map((r) => r.interaction_id)]);
    expect(stray).toEqual([]);
  });

  it('a later list skips the hard-bounced and complaining addresses and still sends to the soft-bounced one', async () => {
    // the sink also holds the campaign's confirmations to the two replies: count dialer mail only (pdd. Message-IDs)
    const dialerMail = async () => (await sink.messages()).filter((m) => /^Message-ID:\s*<pdd\./im.test(m.content));
    const before = (await dialerMail()).length;
    expect((await upload(['HARD@customer.test', 'spam@Customer.Test', 'soft@customer.test'].map((a) => `News;${a};;;name=x;`).join('\n'))).status).toBe(201);
    await untilReached(async () => (await status()).totals.processed, 9, 'second list processed');
    expect((await status()).totals).toMatchObject({ total: 9, sent: 7, skipped: 2 });
    await untilReached(async () => (await dialerMail()).length, before + 1, 'dialer mail at the sink');
    const to = (await dialerMail()).map((m) => m.rcptTo[0]!.toLowerCase());
    expect(to.length).toBe(before + 1);
    expect([to.filter((t) => t === '<soft@customer.test>').length, to.filter((t) => t === '<hard@customer.test>').length, to.filter((t) => t === '<spam@customer.test>').length]).toEqual([2, 1, 1]);
  });

  it('searches the rows by state, address and list in keyset pages, and exports them as formula-safe CSV', async () => {
    const page = async (query: string) => {
      const res = await s.call('GET', `/api/dialers/${dialerId}/rows?${query}`, { cookie });
      expect(res.status, res.text).toBe(200);
      return res.body as { items: Array<{ id: number; destination: string; state: string; reply: string | null; rejectedAt: string | null; spamAt: string | null }>; nextAfter: number | null };
    };
    const skipped = await page('state=skipped');
    expect(skipped.items.map((r) => [r.destination.toLowerCase(), r.reply])).toEqual([['hard@customer.test', 'blacklisted'], ['spam@customer.test', 'blacklisted']]);
    expect(skipped.nextAfter).toBeNull();
    const soft = await page('q=SOFT%40');
    expect(soft.items.map((r) => r.state)).toEqual(['sent', 'sent']);
    expect(soft.items[0]!.rejectedAt).not.toBeNull();
    // a LIKE wildcard in the search is a character, not a pattern
    expect((await page('q=%25')).items).toEqual([]);
    // keyset pages: 9 rows by 4
    const first = await page('limit=4');
    expect(first.items.length).toBe(4);
    const second = await page(`limit=4&after=${first.nextAfter}`);
    const third = await page(`limit=4&after=${second.nextAfter}`);
    expect([...first.items, ...second.items, ...third.items].map((r) => r.id)).toEqual([...new Set([...first.items, ...second.items, ...third.items].map((r) => r.id))].sort((a, b) => a - b));
    expect(third.items.length).toBe(1);
    expect((await s.call('GET', `/api/dialers/${dialerId}/rows?state=bogus`, { cookie })).status).toBe(400);

    // an SMTP server's reply is data: a formula in it is neutralised in the export
    await s.db.query(`UPDATE dialer_rows SET reply = '=HYPERLINK("http://evil.test","x")' WHERE dialer_id = $1 AND destination = 'late@customer.test'`, [dialerId]);
    const res = await fetch(`${s.url}/api/dialers/${dialerId}/rows/export?state=sent`, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="News-dialer-rows.csv"');
    const csv = (await res.text()).replace(/^\uFEFF/, '');
    const lines = csv.trim().split(/\r?\n/);
    expect(lines[0]).toBe('row,list,line,destination,state,attempts,uncertain,smtp_code,reply,finished_at,seen_at,rejected_at,spam_at,unsubscribed_at');
    expect(lines.length).toBe(1 + 7);
    expect(lines.find((l) => l.includes('late@customer.test'))).toContain(`"'=HYPERLINK(""http://evil.test"",""x"")"`);
    // anonymous callers get nothing
    expect((await fetch(`${s.url}/api/dialers/${dialerId}/rows/export`)).status).toBe(401);
  });
});
