import { simpleParser } from 'mailparser';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emitEvent } from '../../platform/events/events.ts';
import { startDovecot, type DovecotPeer } from '../../../../../test/peers/dovecot.ts';
import { startSmtpSink, type SmtpSink } from '../../../../../test/peers/smtp-sink.ts';
import { startTestServer, ADMIN_PASSWORD, type TestServer } from '../../../../../test/support/app.ts';
import { campaignBody } from '../../../../../test/support/campaign-input.ts';
import { appendMessages, customerMail, eventually, sha256 } from '../../../../../test/support/mail-fixtures.ts';
import { checkPeer } from '../../../../../test/support/peers.ts';

// Inbound mail end to end: real Dovecot (IMAP IDLE, POP3), real PostgreSQL,
// Postfix's smtp-sink for the confirmation message.

const PASSWORD = 'imap-Pa55-ingest-1';
const peersReady = checkPeer('dovecot').available && checkPeer('smtp-sink').available;

describe.skipIf(!peersReady)('inbound mail against Dovecot and smtp-sink', () => {
  let dv: DovecotPeer;
  let sink: SmtpSink;
  let s: TestServer;
  let admin: string;
  let campaignId: string;

  const q = async <T extends Record<string, unknown>>(sql: string, values: unknown[] = []): Promise<T[]> => (await s.db.query<T>(sql, values)).rows;
  const count = async (sql: string, values: unknown[] = []): Promise<number> => (await q<{ n: number }>(sql, values))[0]!.n;
  const messageByHeader = (id: string) =>
    eventually(async () => (await q<{ id: number; interaction_id: number | null; kind: string; raw_sha256: Buffer }>(
      'SELECT id, interaction_id, kind, raw_sha256 FROM messages WHERE message_id = $1', [id]))[0], 20_000, `message ${id}`);

  beforeAll(async () => {
    [dv, sink] = await Promise.all([startDovecot({ users: { alice: PASSWORD, bob: PASSWORD } }), startSmtpSink()]);
    s = await startTestServer({
      env: { POSTDESK_ROLES: 'api,sync,worker', POSTDESK_LEASE_SEC: '3', POSTDESK_RESYNC_SEC: '600', POSTDESK_POP3_POLL_SEC: '1' },
    });
    admin = await s.login('admin', ADMIN_PASSWORD);
    const template = await s.call('POST', '/api/templates', {
      cookie: admin,
      body: { name: 'Thanks', campaignId: null, html: '<p>Hello ${contactName}, we got your message ${ticket}.</p>' },
    });
    expect(template.status).toBe(201);
    const res = await s.call('POST', '/api/campaigns', {
      cookie: admin,
      body: campaignBody({
        inbound: { port: dv.imapPort, password: PASSWORD, mailbox: 'INBOX' },
        smtp: { port: sink.port, auth: false, username: '', password: undefined },
        confirmation: { enabled: true, templateId: template.body.id },
      }),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    campaignId = res.body.id;
    await eventually(async () => (await q<{ state: string }>('SELECT state FROM mailboxes WHERE campaign_id = $1', [campaignId]))[0]?.state === 'connected', 20_000, 'mailbox connected');
  });

  afterAll(async () => {
    if (process.env.DEBUG_LOGS) console.log(s.logs.filter((l) => !l.includes('"level":20') && !l.includes('"level":30')).join('\n'));
    await s?.stop();
    await Promise.all([dv?.stop(), sink?.stop()]);
  });

  let firstInteraction: number;
  let confirmationId: string;

  it('turns a customer mail into an interaction, keeps its exact bytes, and confirms once with Auto-Submitted', async () => {
    const mail = customerMail({ from: 'Ana López <ana@customer.test>', subject: 'Order 1234 is late' });
    await appendMessages(dv, 'alice', PASSWORD, 'INBOX', [mail.raw]);
    const row = await messageByHeader(mail.messageId);
    expect(row.kind).toBe('customer');
    expect(row.interaction_id).not.toBeNull();
    expect(row.raw_sha256.toString('hex')).toBe(sha256(mail.raw));
    firstInteraction = row.interaction_id!;
    const stored = await s.deps.blobs.get(sha256(mail.raw));
    expect(stored.equals(mail.raw)).toBe(true);

    const [contact] = await q<{ name: string; address_norm: string }>(
      'SELECT c.name, c.address_norm FROM contacts c JOIN interactions i ON i.contact_id = c.id WHERE i.id = $1',
      [firstInteraction],
    );
    expect(contact).toEqual({ name: 'Ana López', address_norm: 'ana@customer.test' });

    const [sent] = await sink.waitForMessages(1, 20_000);
    expect(sent!.rcptTo).toEqual(['<ana@customer.test>']);
    expect(sent!.content).toMatch(/^Auto-Submitted: auto-replied$/m);
    expect(sent!.content).toContain(`In-Reply-To: <${mail.messageId}>`);
    expect(sent!.content).toMatch(new RegExp(`^Subject: Re: Order 1234 is late \\[#SUP-${firstInteraction}\\]$`, 'm'));
    // the template's fields are the editor's names, filled from the customer and the interaction
    expect((await simpleParser(sent!.content)).html).toContain(`Hello Ana López, we got your message [#SUP-${firstInteraction}].`);
    const outbound = await eventually(async () => (await q<{ message_id: string; state: string }>(
      `SELECT m.message_id, o.state FROM messages m JOIN outbox o ON o.message_id = m.id WHERE m.interaction_id = $1 AND m.kind = 'confirmation'`,
      [firstInteraction]))[0]?.state === 'sent' ? (await q<{ message_id: string }>(`SELECT message_id FROM messages WHERE interaction_id = $1 AND kind = 'confirmation'`, [firstInteraction]))[0] : null);
    confirmationId = outbound.message_id;
    expect(sent!.content).toContain(`Message-ID: <${confirmationId}>`);
  });

  it("threads the customer's reply into the same interaction and does not confirm again", async () => {
    const reply = customerMail({ from: 'ana@customer.test', subject: `Re: Order 1234 is late [#SUP-${firstInteraction}]`, inReplyTo: confirmationId, references: [confirmationId] });
    await appendMessages(dv, 'alice', PASSWORD, 'INBOX', [reply.raw]);
    const row = await messageByHeader(reply.messageId);
    expect(row.interaction_id).toBe(firstInteraction);
    await new Promise((r) => setTimeout(r, 500));
    expect(await count(`SELECT count(*)::int AS n FROM messages WHERE kind = 'confirmation'`)).toBe(1);
  });

  it('starts a new, linked interaction when someone else replies to the thread (no forged replies)', async () => {
    const forged = customerMail({ from: 'mallory@evil.test', subject: `Re: Order 1234 is late [#SUP-${firstInteraction}]`, inReplyTo: confirmationId });
    await appendMessages(dv, 'alice', PASSWORD, 'INBOX', [forged.raw]);
    const row = await messageByHeader(forged.messageId);
    expect(row.interaction_id).not.toBe(firstInteraction);
    const [i] = await q<{ linked_to: number }>('SELECT linked_to FROM interactions WHERE id = $1', [row.interaction_id]);
    expect(i!.linked_to).toBe(firstInteraction);
    // a new interaction of its own, so it gets its own confirmation (sent to the sender, not to Ana)
    const sent = await sink.waitForMessages(2, 20_000);
    expect(sent.map((m) => m.rcptTo.join()).sort()).toEqual(['<ana@customer.test>', '<mallory@evil.test>']);
  });

  it('links a bounce of our confirmation to it and never answers automatic mail', async () => {
    const before = (await sink.messages()).length;
    const dsn = Buffer.from(
      [
        'From: Mail Delivery System <MAILER-DAEMON@mx.customer.test>',
        'To: support@example.test',
        'Subject: Undelivered Mail Returned to Sender',
        'Message-ID: <bounce-1@mx.customer.test>',
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
        'Final-Recipient: rfc822; gone@customer.test',
        'Action: failed',
        'Status: 5.1.1',
        '',
        '--b1',
        'Content-Type: text/rfc822-headers',
        '',
        'From: support@example.test',
        `Message-ID: <${confirmationId}>`,
        'Subject: Re: something',
        '',
        '--b1--',
        '',
      ].join('\r\n'),
    );
    const autoReply = customerMail({ from: 'ana@customer.test', subject: 'Out of office', headers: { 'Auto-Submitted': 'auto-replied' } });
    await appendMessages(dv, 'alice', PASSWORD, 'INBOX', [dsn, autoReply.raw]);
    const bounce = await messageByHeader('bounce-1@mx.customer.test');
    expect(bounce.kind).toBe('bounce');
    expect(bounce.interaction_id).toBe(firstInteraction);
    const [link] = await q<{ related: string }>(
      'SELECT r.message_id AS related FROM messages b JOIN messages r ON r.id = b.related_message_id WHERE b.id = $1',
      [bounce.id],
    );
    expect(link!.related).toBe(confirmationId);
    const auto = await messageByHeader(autoReply.messageId);
    expect(auto.kind).toBe('auto_reply');
    expect(await count('SELECT count(*)::int AS n FROM interactions WHERE customer_address = $1', ['ana@customer.test'])).toBe(1);
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await sink.messages()).length).toBe(before);
  });

  it('quarantines a poison message with its raw bytes and carries on with the next one', async () => {
    const depth = 40;
    const open = Array.from({ length: depth }, (_, i) => `Content-Type: multipart/mixed; boundary="d${i}"\r\n\r\n--d${i}\r\n`).join('');
    const close = Array.from({ length: depth }, (_, i) => `\r\n--d${depth - 1 - i}--\r\n`).join('');
    const poison = Buffer.from(`From: x@customer.test\r\nSubject: deep\r\nMessage-ID: <poison-1@customer.test>\r\nMIME-Version: 1.0\r\n${open}Content-Type: text/plain\r\n\r\nhi${close}`);
    const after = customerMail({ from: 'zoe@customer.test', subject: 'After the poison' });
    await appendMessages(dv, 'alice', PASSWORD, 'INBOX', [poison, after.raw]);
    await messageByHeader(after.messageId);
    const [row] = await q<{ id: number; reason_code: string; subject: string }>('SELECT id, reason_code, subject FROM quarantine');
    expect(row!.reason_code).toBe('too_deep');
    expect(row!.subject).toBe('deep');

    const list = await s.call('GET', '/api/quarantine', { cookie: admin });
    expect(list.status).toBe(200);
    expect(list.body.items[0]).toMatchObject({ id: String(row!.id), reasonCode: 'too_deep', subject: 'deep', state: 'quarantined' });
    const raw = await fetch(`${s.url}/api/quarantine/${row!.id}/raw`, { headers: { cookie: admin } });
    expect(raw.headers.get('content-disposition')).toBe(`attachment; filename="quarantine-${row!.id}.eml"`);
    expect(Buffer.from(await raw.arrayBuffer()).equals(poison)).toBe(true);
    const again = await s.call('POST', `/api/quarantine/${row!.id}/reprocess`, { cookie: admin, body: {} });
    expect(again.body).toEqual({ outcome: 'still_quarantined', reason: expect.any(String) });

    const mailboxes = await s.call('GET', '/api/mailboxes', { cookie: admin });
    expect(mailboxes.body.items[0]).toMatchObject({ campaignKey: 'SUP', state: 'connected', quarantined: 1 });
  });

  it('never opens an interaction for an empty address: an empty Reply-To falls back to From, and no address at all is quarantined', async () => {
    const emptyReplyTo = customerMail({ from: 'Eva <eva@customer.test>', subject: 'My Reply-To is empty', headers: { 'Reply-To': '"Eva" <>' } });
    const nobody = customerMail({ from: '"Nobody" <>', subject: 'Mail from no one' });
    const after = customerMail({ from: 'ivo@customer.test', subject: 'After the one from no one' });
    await appendMessages(dv, 'alice', PASSWORD, 'INBOX', [emptyReplyTo.raw, nobody.raw, after.raw]);
    const row = await messageByHeader(emptyReplyTo.messageId);
    const [interaction] = await q<{ customer_address: string; customer_name: string }>('SELECT customer_address, customer_name FROM interactions WHERE id = $1', [row.interaction_id]);
    expect(interaction).toEqual({ customer_address: 'eva@customer.test', customer_name: 'Eva' });
    await messageByHeader(after.messageId);
    expect(await count('SELECT count(*)::int AS n FROM messages WHERE message_id = $1', [nobody.messageId])).toBe(0);
    const [held] = await q<{ reason_code: string; reason: string; from_text: string }>('SELECT reason_code, reason, from_text FROM quarantine WHERE subject = $1', ['Mail from no one']);
    expect(held).toEqual({ reason_code: 'no_sender', reason: 'no sender address', from_text: '"Nobody" <>' });
    expect(await count(`SELECT count(*)::int AS n FROM interactions WHERE customer_address = ''`)).toBe(0);
  });

  it('reconnects after Dovecot restarts and loses nothing', async () => {
    await dv.restart();
    const mail = customerMail({ from: 'li@customer.test', subject: 'After the restart' });
    await appendMessages(dv, 'alice', PASSWORD, 'INBOX', [mail.raw]);
    await messageByHeader(mail.messageId);
    expect(await count('SELECT count(*)::int AS n FROM messages WHERE direction = $1 AND message_id IS NOT NULL GROUP BY message_id ORDER BY 1 DESC LIMIT 1', ['inbound'])).toBe(1);
  });

  it('resynchronises without duplicates when UIDVALIDITY changes', async () => {
    const res = await s.call('PUT', `/api/campaigns/${campaignId}`, {
      cookie: admin,
      body: JSON.parse(JSON.stringify(campaignBody({
        inbound: { port: dv.imapPort, password: PASSWORD, mailbox: 'Support' },
        smtp: { port: sink.port, auth: false, username: '', password: undefined },
        confirmation: { enabled: false, templateId: null },
      }))),
    });
    // the folder does not exist yet: the connection check refuses the save
    expect(res.status).toBe(422);
    const one = customerMail({ from: 'sam@customer.test', subject: 'Folder one' });
    const two = customerMail({ from: 'sam@customer.test', subject: 'Folder two' });
    await appendMessages(dv, 'alice', PASSWORD, 'Support', [one.raw, two.raw]);
    const saved = await s.call('PUT', `/api/campaigns/${campaignId}`, {
      cookie: admin,
      body: JSON.parse(JSON.stringify(campaignBody({
        inbound: { port: dv.imapPort, password: PASSWORD, mailbox: 'Support' },
        smtp: { port: sink.port, auth: false, username: '', password: undefined },
        confirmation: { enabled: false, templateId: null },
      }))),
    });
    expect(saved.status, JSON.stringify(saved.body)).toBe(200);
    await messageByHeader(two.messageId);
    const [before] = await q<{ uidvalidity: number }>(`SELECT uidvalidity FROM mailbox_folders WHERE campaign_id = $1 AND folder = 'Support'`, [campaignId]);

    // the server forgets the folder's UIDs (as after a DELETE and CREATE, or an
    // index rebuild): same messages, new UIDVALIDITY, new UIDs. Done with the
    // server down, so it never races the runner's own commands on the folder
    // (a DELETE while the runner stores \Seen there can be refused by Dovecot).
    // The change is seen when the runner selects the folder again (here: after
    // the reconnect; in production also by the periodic resync's STATUS check).
    await dv.halt();
    const folderDir = path.join(dv.dir, 'mail', 'alice', 'Maildir', '.Support');
    const forgotten = (await readdir(folderDir)).filter((f) => f.startsWith('dovecot'));
    expect(forgotten).toContain('dovecot-uidlist');
    for (const f of forgotten) await rm(path.join(folderDir, f), { recursive: true, force: true });
    await dv.restart();
    const three = customerMail({ from: 'sam@customer.test', subject: 'Folder three' });
    await appendMessages(dv, 'alice', PASSWORD, 'Support', [three.raw]);
    await messageByHeader(three.messageId);
    const [after] = await q<{ uidvalidity: number; last_uid: number }>(`SELECT uidvalidity, last_uid FROM mailbox_folders WHERE campaign_id = $1 AND folder = 'Support'`, [campaignId]);
    expect(after!.uidvalidity).not.toBe(before!.uidvalidity);
    expect(after!.last_uid).toBe(3);
    for (const m of [one, two, three]) {
      expect(await count('SELECT count(*)::int AS n FROM messages WHERE message_id = $1', [m.messageId])).toBe(1);
    }
  });

  it('puts a mailbox whose password is refused in "needs attention" and tries again only when asked', async () => {
    await dv.setPassword('alice', 'changed-password-9');
    await dv.restart(); // drop the open connection so the runner logs in again
    await eventually(async () => (await q<{ state: string }>('SELECT state FROM mailboxes WHERE campaign_id = $1', [campaignId]))[0]?.state === 'needs_attention', 20_000, 'needs attention');
    const list = await s.call('GET', '/api/mailboxes', { cookie: admin });
    expect(list.body.items[0].state).toBe('needs_attention');
    expect(list.body.items[0].lastError).toMatch(/IMAP: .*auth/i);
    expect(JSON.stringify(list.body)).not.toContain(PASSWORD);
    const failuresBefore = (await q<{ failures: number }>('SELECT failures FROM mailboxes WHERE campaign_id = $1', [campaignId]))[0]!.failures;
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await q<{ failures: number }>('SELECT failures FROM mailboxes WHERE campaign_id = $1', [campaignId]))[0]!.failures).toBe(failuresBefore);

    await dv.setPassword('alice', PASSWORD);
    expect((await s.call('POST', `/api/mailboxes/${campaignId}/retry`, { cookie: admin, body: {} })).status).toBe(204);
    await eventually(async () => (await q<{ state: string }>('SELECT state FROM mailboxes WHERE campaign_id = $1', [campaignId]))[0]?.state === 'connected', 20_000, 'connected again');
  });

  it('syncs a POP3 mailbox by UIDL, leaving mail on the server', async () => {
    const res = await s.call('POST', '/api/campaigns', {
      cookie: admin,
      body: campaignBody({
        name: 'Sales',
        key: 'SAL',
        fromAddress: 'sales@example.test',
        defaultListName: 'Sales contacts',
        inbound: { protocol: 'pop3', port: dv.pop3Port, username: 'bob', password: PASSWORD },
        smtp: { port: sink.port, auth: false, username: '', password: undefined },
      }),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const one = customerMail({ from: 'pat@customer.test', to: 'sales@example.test', subject: 'POP one' });
    const two = customerMail({ from: 'pat@customer.test', to: 'sales@example.test', subject: 'POP two' });
    await appendMessages(dv, 'bob', PASSWORD, 'INBOX', [one.raw, two.raw]);
    const a = await messageByHeader(one.messageId);
    const b = await messageByHeader(two.messageId);
    expect(a.raw_sha256.toString('hex')).toBe(sha256(one.raw));
    expect(b.raw_sha256.toString('hex')).toBe(sha256(two.raw));
    await new Promise((r) => setTimeout(r, 2_500)); // two more polls
    expect(await count('SELECT count(*)::int AS n FROM messages WHERE campaign_id = $1', [res.body.id])).toBe(2);
    expect(await count('SELECT count(*)::int AS n FROM pop3_uidls WHERE campaign_id = $1', [res.body.id])).toBe(2);
  });

  it('answers mail that arrives while the schedule is closed with the out-of-hours template, and it waits for routing', async () => {
    const template = await s.call('POST', '/api/templates', {
      cookie: admin,
      body: { name: 'Closed now', campaignId: null, html: '<p>We are closed; we answer ${ticket} when we open.</p>' },
    });
    expect(template.status).toBe(201);
    const tomorrow = (new Date().getUTCDay() + 1) % 7; // the campaign's zone is UTC: closed all of today
    await s.db.query(
      `UPDATE campaigns SET schedule = $2, timezone = 'UTC', out_of_hours_enabled = true, out_of_hours_template_id = $3, updated_at = now() WHERE id = $1`,
      [campaignId, JSON.stringify([{ day: tomorrow, start: '09:00', end: '17:00' }]), template.body.id],
    );
    // as saving the campaign does: its mailbox restarts with the new settings
    await emitEvent(s.db, { type: 'campaign.changed', campaignId });
    await eventually(async () => (await q<{ state: string }>('SELECT state FROM mailboxes WHERE campaign_id = $1', [campaignId]))[0]?.state === 'connected', 20_000, 'connected again');
    const before = (await sink.waitForMessages(0)).length;
    const mail = customerMail({ from: 'night@customer.test', subject: 'Anyone there at night?' });
    const folder = (await q<{ inbound_mailbox: string }>('SELECT inbound_mailbox FROM campaigns WHERE id = $1', [campaignId]))[0]!.inbound_mailbox;
    await appendMessages(dv, 'alice', PASSWORD, folder, [mail.raw]);
    const row = await messageByHeader(mail.messageId);
    const all = await sink.waitForMessages(before + 1, 20_000);
    const reply = all.find((m) => m.rcptTo.includes('<night@customer.test>'))!;
    expect((await simpleParser(reply.content)).html).toContain('We are closed; we answer');
    expect(reply.content).toMatch(/^Auto-Submitted: auto-replied$/m);
    const kinds = await q<{ kind: string }>(`SELECT kind FROM messages WHERE interaction_id = $1 AND direction = 'outbound'`, [row.interaction_id]);
    expect(kinds.map((k) => k.kind)).toEqual(['out_of_hours']);
    expect((await q<{ queue_state: string }>('SELECT queue_state FROM interactions WHERE id = $1', [row.interaction_id]))[0]!.queue_state).toBe('waiting');
  });

  it('streams a large message into the blob store and stores it and its file exactly', async () => {
    // past FETCH_BATCH.aloneFrom (4 MiB): read from the server in pieces, never fetched whole
    const file = Buffer.from(new Uint8Array(6 * 1024 * 1024).map((_, i) => (i * 7919) % 251));
    const messageId = `large-${Date.now()}@customer.test`;
    const raw = Buffer.from(
      [
        'From: Big Sender <big@customer.test>',
        'To: support@example.test',
        'Subject: the scan you asked for',
        `Message-ID: <${messageId}>`,
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary=b',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'Attached.',
        '--b',
        'Content-Type: application/pdf; name=scan.pdf',
        'Content-Transfer-Encoding: base64',
        '',
        file.toString('base64').replace(/.{76}/g, '$&\r\n'),
        '--b--',
        '',
      ].join('\r\n'),
    );
    // the folder earlier tests left the campaign on
    const folder = (await q<{ inbound_mailbox: string }>('SELECT inbound_mailbox FROM campaigns WHERE id = $1', [campaignId]))[0]!.inbound_mailbox;
    await appendMessages(dv, 'alice', PASSWORD, folder, [raw]);
    const row = await messageByHeader(messageId);
    expect(row.kind).toBe('customer');
    expect(row.raw_sha256.toString('hex')).toBe(sha256(raw));
    expect((await s.deps.blobs.get(sha256(raw))).equals(raw)).toBe(true);
    const [att] = await q<{ filename: string; size: number; sha256: Buffer }>('SELECT filename, size, sha256 FROM attachments WHERE message_id = $1', [row.id]);
    expect(att).toMatchObject({ filename: 'scan.pdf', size: file.length });
    expect(att!.sha256.toString('hex')).toBe(sha256(file));
    expect((await s.deps.blobs.get(sha256(file))).equals(file)).toBe(true);
    expect((await q<{ text_body: string }>('SELECT text_body FROM messages WHERE id = $1', [row.id]))[0]!.text_body).toBe('Attached.');
    // a bound on hanging, not on speed: 6 MiB through IMAP, the parser and the blob store on a shared machine
  }, 180_000);
});
