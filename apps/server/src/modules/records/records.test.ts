import { parse } from 'csv-parse/sync';
import { unzipSync } from 'fflate';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotPeer } from '../../../../../test/peers/dovecot.ts';
import { startSmtpSink, type SmtpSink } from '../../../../../test/peers/smtp-sink.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';
import { campaignBody } from '../../../../../test/support/campaign-input.ts';
import { appendMessages, eventually, sha256 } from '../../../../../test/support/mail-fixtures.ts';
import { checkPeer } from '../../../../../test/support/peers.ts';
import { setQueue } from '../../../../../test/support/routing-fixtures.ts';

// Records end to end: mail comes in from Dovecot and an answer goes out to
// smtp-sink; a supervisor then lists and searches interactions (filters,
// advanced conditions with hostile values, keyset pages, saved searches),
// reads the thread, exports CSV (parsed back by a CSV library), downloads
// the thread as .eml files (byte-identical to what Dovecot holds and
// smtp-sink received), and deletes it for good.

const PASSWORD = 'imap-Pa55-records';
const USER_PASSWORD = 'user-password-123';
const peersReady = checkPeer('dovecot').available && checkPeer('smtp-sink').available;

/** A customer mail with a PDF and a file whose name tries to leave the folder. */
function mailWithFiles(subject: string): { raw: Buffer; messageId: string } {
  const messageId = `${Math.random().toString(16).slice(2)}@customer.test`;
  const lines = [
    'From: Ana López <ana.lopez@customer.test>',
    'To: Example Support <support@example.test>',
    `Subject: ${subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${messageId}>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="outer"',
    '',
    '--outer',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'My invoice is wrong.',
    '--outer',
    'Content-Type: application/pdf; name="invoice 42.pdf"',
    'Content-Disposition: attachment; filename="invoice 42.pdf"',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('%PDF-1.4 fake invoice').toString('base64'),
    '--outer',
    'Content-Type: text/plain; name="x.txt"',
    'Content-Disposition: attachment; filename="../../etc/passwd"',
    '',
    'not a password file',
    '--outer--',
    '',
  ];
  return { raw: Buffer.from(lines.join('\r\n')), messageId };
}

/** What a supervisor's list row looks like, for the expected sets computed here. */
interface Seeded {
  id: number;
  customer_address: string;
  customer_name: string;
  subject: string;
  status: string;
}

describe.skipIf(!peersReady)('records against Dovecot and smtp-sink', () => {
  let dv: DovecotPeer;
  let sink: SmtpSink;
  let s: TestServer;
  let admin: string;
  let agent: string;
  let supervisor: string;
  let narrow: string;
  let campaignId: string;
  let otherId: string;
  let interactionId: number;
  let customerRaw: Buffer;
  let seeded: Seeded[] = [];

  const as = (cookie: string) => ({
    get: (url: string) => s.call('GET', url, { cookie }),
    post: (url: string, body?: unknown) => s.call('POST', url, { cookie, body, headers: { origin: s.url } }),
    put: (url: string, body?: unknown) => s.call('PUT', url, { cookie, body, headers: { origin: s.url } }),
    del: (url: string) => s.call('DELETE', url, { cookie, headers: { origin: s.url } }),
  });
  const search = (body: Record<string, unknown>, cookie = supervisor) => as(cookie).post('/api/records/search', body);
  const ids = (r: { body: { items: Array<{ id: number }> } }) => r.body.items.map((i) => i.id);

  beforeAll(async () => {
    [dv, sink] = await Promise.all([startDovecot({ users: { alice: PASSWORD } }), startSmtpSink()]);
    s = await startTestServer({ env: { POSTDESK_ROLES: 'api,sync,worker', POSTDESK_ROUTING_TICK_MS: '50' } });
    admin = await s.login('admin', ADMIN_PASSWORD);
    const mk = async (body: Record<string, unknown>) => {
      const r = await as(admin).post('/api/campaigns', body);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body.id as string;
    };
    campaignId = await mk(
      campaignBody({ schedule: [], inbound: { port: dv.imapPort, password: PASSWORD, mailbox: 'INBOX' }, smtp: { port: sink.port, auth: false, username: '', password: undefined } }),
    );
    otherId = await mk(
      campaignBody({ name: 'Billing', key: 'BIL', schedule: [], receiveEmails: false, inbound: { port: dv.imapPort, password: PASSWORD }, smtp: { port: sink.port, auth: false, username: '', password: undefined } }),
    );
    await setQueue(s.db, campaignId, { auto_assign: true });
    const user = async (username: string, role: string) => {
      const u = await as(admin).post('/api/users', { username, displayName: `${username} name`, role, password: USER_PASSWORD });
      expect(u.status).toBe(201);
      return u.body.id as string;
    };
    const agentId = await user('rec-agent', 'agent');
    const superId = await user('rec-super', 'supervisor');
    expect((await as(admin).put(`/api/users/${superId}/supervised-campaigns`, { campaignIds: [campaignId, otherId] })).status).toBeLessThan(300);
    // a supervisor of the support campaign only
    const narrowId = await user('rec-narrow', 'supervisor');
    expect((await as(admin).put(`/api/users/${narrowId}/supervised-campaigns`, { campaignIds: [campaignId] })).status).toBeLessThan(300);
    expect((await as(admin).post('/api/members', { campaignIds: [campaignId], userIds: [agentId] })).status).toBe(204);
    agent = await s.login('rec-agent', USER_PASSWORD);
    supervisor = await s.login('rec-super', USER_PASSWORD);
    narrow = await s.login('rec-narrow', USER_PASSWORD);
    expect((await as(agent).put('/api/me/presence', { state: 'available' })).status).toBe(200);

    // the mail and its answer
    const mail = mailWithFiles('Invoice 42 is wrong');
    customerRaw = mail.raw;
    await appendMessages(dv, 'alice', PASSWORD, 'INBOX', [mail.raw]);
    const item = await eventually(async () => (await as(agent).get('/api/me/inbox')).body.active?.[0], 20_000, 'assigned to the agent');
    interactionId = item.id;
    const sent = await as(agent).post(`/api/interactions/${interactionId}/messages`, { mode: 'reply', to: [{ address: 'ana.lopez@customer.test' }], html: '<p>Here is your credit note.</p>' });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    await sink.waitForMessages(1);
    await eventually(async () => (await s.db.query("SELECT 1 FROM outbox WHERE state = 'sent'")).rowCount, 20_000, 'sent');
    expect((await as(agent).post(`/api/interactions/${interactionId}/notes`, { text: 'Checked with billing' })).status).toBe(201);

    // 40 interactions in the other campaign, some with hostile text
    const hostile = ['=HYPERLINK("http://evil.test","x")', '+1+1', '-2+3', '@SUM(A1)', '\tTabbed', '\rReturned', 'Quote "this", and, commas', 'Line\nbreak', '100% off_sale', "O'Brien", 'C:\\dir\\file'];
    await s.db.query(
      `INSERT INTO interactions (campaign_id, customer_address, customer_name, subject, status, queue_state, unread, created_at)
       SELECT $1, CASE WHEN g % 3 = 0 THEN 'c' || g || '@gmail.test' ELSE 'c' || g || '@corp.test' END,
              ($2::text[])[1 + g % 11], 'Subject ' || g || ' ' || ($2::text[])[1 + (g + 3) % 11],
              CASE WHEN g % 2 = 0 THEN 'closed' ELSE 'open' END, CASE WHEN g % 2 = 0 THEN 'done' ELSE 'waiting' END,
              g % 4 = 0, now() - g * interval '1 minute'
         FROM generate_series(1, 40) g`,
      [otherId, hostile],
    );
    seeded = (await s.db.query<Seeded>('SELECT id, customer_address, customer_name, subject, status FROM interactions WHERE campaign_id = $1 ORDER BY id DESC', [otherId])).rows;
  }, 90_000);

  afterAll(async () => {
    await s?.stop();
    await Promise.all([dv?.stop(), sink?.stop()]);
  });

  it('shows a supervisor only the campaigns they supervise: the rest is not found', async () => {
    const other = seeded[0]!;
    const found = await search({}, narrow);
    expect(found.status).toBe(200);
    const ids = found.body.items.map((x: { id: number }) => x.id);
    expect(ids).toContain(interactionId);
    expect(ids).not.toContain(other.id);
    expect((await as(narrow).get(`/api/records/interactions/${other.id}`)).status).toBe(404);
    expect((await as(narrow).post(`/api/records/interactions/${other.id}/notes`, { text: 'x' })).status).toBe(404);
    expect((await as(narrow).get(`/api/records/interactions/${other.id}/download`)).status).toBe(404);
    expect((await as(supervisor).get(`/api/records/interactions/${other.id}`)).status).toBe(200);
  });

  it('is for admins and supervisors only', async () => {
    expect((await search({}, agent)).status).toBe(403);
    expect((await as(agent).get(`/api/records/interactions/${interactionId}`)).status).toBe(403);
    expect((await search({})).status).toBe(200);
    expect((await search({}, admin)).status).toBe(200);
  });

  it('pages newest first with a keyset cursor: every interaction once', async () => {
    const got: number[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages += 1) {
      const r = await search({ filters: { campaignId: otherId }, limit: 15, ...(cursor ? { cursor } : {}) });
      expect(r.status).toBe(200);
      got.push(...ids(r));
      cursor = r.body.nextCursor ?? undefined;
      if (!cursor) break;
    }
    expect(got).toEqual(seeded.map((r) => r.id));
  });

  it('filters by status, read state and customer', async () => {
    const open = await search({ filters: { campaignId: otherId, status: 'open', read: 'read' }, limit: 200 });
    expect(ids(open)).toEqual(seeded.filter((r) => r.status === 'open').map((r) => r.id)); // odd g: never g % 4 = 0, so all read
    const unread = await search({ filters: { campaignId: otherId, status: 'open', read: 'unread' }, limit: 200 });
    expect(ids(unread)).toEqual([]);
    const gmail = await search({ filters: { customer: 'GMAIL' }, limit: 200 });
    expect(ids(gmail)).toEqual(seeded.filter((r) => r.customer_address.includes('gmail')).map((r) => r.id));
    const mine = await search({ filters: { subject: 'invoice 42' } });
    expect(mine.body.items).toMatchObject([{ id: interactionId, campaignKey: 'SUP', customerAddress: 'ana.lopez@customer.test', messages: 2, agentName: 'rec-agent name' }]);
  });

  it('runs an advanced search of three conditions, one disabled, one contains on the customer email: exactly the expected set', async () => {
    const r = await search({
      match: 'all',
      limit: 200,
      conditions: [
        { field: 'customer_email', operator: 'contains', value: '@gmail' },
        { field: 'status', operator: 'equals', value: 'CLOSED' },
        { field: 'subject', operator: 'starts_with', value: 'nothing matches this', enabled: false },
      ],
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const want = seeded.filter((x) => x.customer_address.includes('@gmail') && x.status === 'closed').map((x) => x.id);
    expect(want.length).toBeGreaterThan(3);
    expect(ids(r)).toEqual(want);
    // the same, any of them: the union
    const any = await search({ match: 'any', limit: 200, filters: { campaignId: otherId }, conditions: [{ field: 'customer_email', operator: 'contains', value: '@gmail' }, { field: 'status', operator: 'equals', value: 'closed' }] });
    expect(ids(any)).toEqual(seeded.filter((x) => x.customer_address.includes('@gmail') || x.status === 'closed').map((x) => x.id));
  });

  it.each([
    ['%', (x: Seeded) => x.customer_name.includes('%')],
    ['_', (x: Seeded) => x.customer_name.includes('_')],
    ["o'brien", (x: Seeded) => x.customer_name.toLowerCase().includes("o'brien")],
    ['"this"', (x: Seeded) => x.customer_name.includes('"this"')],
    ['\\', (x: Seeded) => x.customer_name.includes('\\')],
  ])('takes %s in a value literally', async (value, pred) => {
    const r = await search({ limit: 200, filters: { campaignId: otherId }, conditions: [{ field: 'customer_name', operator: 'contains', value }] });
    expect(r.status).toBe(200);
    expect(ids(r)).toEqual(seeded.filter(pred).map((x) => x.id));
  });

  it('refuses a condition outside the allow-list or with a NUL, naming it', async () => {
    const bad = await search({ conditions: [{ field: 'subject', operator: 'equals', value: 'x' }, { field: 'created_at', operator: 'contains', value: '2026' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([{ path: 'conditions.1.operator', message: 'not an operator for created_at' }]);
    const field = await search({ conditions: [{ field: 'password_hash', operator: 'equals', value: 'x' }] });
    expect(field.status).toBe(400);
    expect(field.body.details[0].path).toMatch(/^conditions\.0\.field/);
    const nul = await search({ conditions: [{ field: 'subject', operator: 'contains', value: 'a\u0000b' }] });
    expect(nul.status).toBe(400);
  });

  it('saves searches per user', async () => {
    const body = { name: 'Gmail closed', search: { match: 'all', filters: {}, conditions: [{ field: 'customer_email', operator: 'contains', value: 'gmail', enabled: false }] } };
    const saved = await as(supervisor).post('/api/records/saved-searches', body);
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    expect(saved.body).toMatchObject({ name: 'Gmail closed', search: { conditions: [{ field: 'customer_email', enabled: false }] } });
    expect((await as(supervisor).get('/api/records/saved-searches')).body.items.map((x: { id: string }) => x.id)).toEqual([saved.body.id]);
    expect((await as(admin).get('/api/records/saved-searches')).body.items).toEqual([]);
    expect((await as(admin).del(`/api/records/saved-searches/${saved.body.id}`)).status).toBe(404);
    expect((await as(supervisor).del(`/api/records/saved-searches/${saved.body.id}`)).status).toBe(204);
  });

  it('shows the whole thread with headers, files and notes in the viewer', async () => {
    const t = await as(supervisor).get(`/api/records/interactions/${interactionId}`);
    expect(t.status).toBe(200);
    expect(t.body.messages.map((m: { direction: string }) => m.direction)).toEqual(['inbound', 'outbound']);
    expect(t.body.messages[0]).toMatchObject({ fromAddress: 'ana.lopez@customer.test', subject: 'Invoice 42 is wrong' });
    expect(t.body.messages[0].attachments.map((a: { filename: string }) => a.filename)).toContain('invoice 42.pdf');
    expect(t.body.notes).toMatchObject([{ text: 'Checked with billing' }]);
    expect((await as(supervisor).get('/api/records/interactions/999999999')).status).toBe(404);
  });

  it('lets a supervisor add an internal note the agent sees in the thread', async () => {
    const r = await as(supervisor).post(`/api/records/interactions/${interactionId}/notes`, { text: 'Please call her back <b>today</b>' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const t = await as(agent).get(`/api/interactions/${interactionId}`);
    expect(t.body.notes.map((n: { text: string; author: string }) => [n.text, n.author])).toContainEqual(['Please call her back <b>today</b>', 'rec-super name']);
    expect((await as(supervisor).post('/api/records/interactions/999999999/notes', { text: 'x' })).status).toBe(404);
    expect((await as(supervisor).post(`/api/records/interactions/${interactionId}/notes`, { text: '  ' })).status).toBe(400);
    expect((await as(agent).post(`/api/records/interactions/${interactionId}/notes`, { text: 'x' })).status).toBe(403);
  });

  it('exports CSV with a BOM that a CSV parser reads back cell for cell, formulas neutralised', async () => {
    const res = await fetch(`${s.url}/api/records/export`, {
      method: 'POST',
      headers: { cookie: supervisor, origin: s.url, 'content-type': 'application/json' },
      body: JSON.stringify({ filters: { campaignId: otherId } }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows: Record<string, string>[] = parse(bytes, { bom: true, columns: true });
    expect(rows.map((r) => Number(r.ticket))).toEqual(seeded.map((x) => x.id));
    const neutral = (v: string) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v);
    for (const [i, r] of rows.entries()) {
      expect(r.customer_name).toBe(neutral(seeded[i]!.customer_name));
      expect(r.subject).toBe(neutral(seeded[i]!.subject));
      expect(r.customer_email).toBe(seeded[i]!.customer_address);
      for (const cell of Object.values(r)) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    }
    expect(rows.some((r) => r.customer_name === 'Line\nbreak')).toBe(true);
    expect(rows.some((r) => r.customer_name === `'=HYPERLINK("http://evil.test","x")`)).toBe(true);
    // only the selection
    const some = await fetch(`${s.url}/api/records/export`, {
      method: 'POST',
      headers: { cookie: supervisor, origin: s.url, 'content-type': 'application/json' },
      body: JSON.stringify({ ids: [seeded[0]!.id, seeded[5]!.id] }),
    });
    const picked: Record<string, string>[] = parse(Buffer.from(await some.arrayBuffer()), { bom: true, columns: true });
    expect(picked.map((r) => Number(r.ticket))).toEqual([seeded[0]!.id, seeded[5]!.id]);
  });

  it('downloads the thread as numbered .eml files byte-identical to Dovecot and smtp-sink, with or without files', async () => {
    const get = async (q: string) => {
      const res = await fetch(`${s.url}/api/records/interactions/${interactionId}/download${q}`, { headers: { cookie: supervisor } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/zip');
      return unzipSync(new Uint8Array(await res.arrayBuffer()));
    };
    const bare = await get('');
    expect(Object.keys(bare).sort()).toEqual(['001-inbound.eml', '002-outbound.eml']);
    // what Dovecot holds
    const imap = new ImapFlow({ host: dv.host, port: dv.imapPort, secure: false, doSTARTTLS: false, auth: { user: 'alice', pass: PASSWORD }, logger: false });
    await imap.connect();
    let held: Buffer;
    try {
      await imap.mailboxOpen('INBOX');
      const fetched = await imap.fetchOne('1', { source: true });
      if (!fetched || !fetched.source) throw new Error('Dovecot lost the message');
      held = fetched.source;
    } finally {
      await imap.logout().catch(() => imap.close());
    }
    expect(Buffer.from(bare['001-inbound.eml']!).equals(held)).toBe(true);
    expect(Buffer.from(bare['001-inbound.eml']!).equals(customerRaw)).toBe(true);
    // what smtp-sink received (it writes LF line ends and nothing else changes)
    const [received] = await sink.messages();
    const ours = Buffer.from(bare['002-outbound.eml']!).toString('utf8');
    expect(ours).toContain('\r\n');
    expect(ours.replace(/\r\n/g, '\n')).toBe(received!.content);
    const full = await get('?attachments=1');
    expect(Buffer.from(full['001-inbound.eml']!).equals(held)).toBe(true);
    const names = Object.keys(full).sort();
    // the parser already took the path off "../../etc/passwd"; safeEntryName is the zip's own guard
    expect(names).toEqual(['001-attachments/invoice 42.pdf', '001-attachments/passwd', '001-inbound.eml', '002-outbound.eml']);
    expect(Buffer.from(full['001-attachments/invoice 42.pdf']!).toString()).toBe('%PDF-1.4 fake invoice');
  });

  it('deletes after confirmation: rows, notes and files go, tombstones stay, other campaigns untouched', async () => {
    expect((await as(supervisor).post('/api/records/delete', { ids: [interactionId] })).status).toBe(400);
    const blobsBefore = (await s.db.query<{ sha256: Buffer }>('SELECT raw_sha256 AS sha256 FROM messages WHERE interaction_id = $1 UNION SELECT a.sha256 FROM attachments a JOIN messages m ON m.id = a.message_id WHERE m.interaction_id = $1', [interactionId])).rows;
    expect(blobsBefore.length).toBeGreaterThanOrEqual(4);
    expect((await as(supervisor).post('/api/records/delete', { ids: [interactionId, 999999999], confirm: true })).status).toBe(404);
    const r = await as(supervisor).post('/api/records/delete', { ids: [interactionId], confirm: true });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toEqual({ deleted: 1, messages: 2 });
    expect((await as(supervisor).get(`/api/records/interactions/${interactionId}`)).status).toBe(404);
    expect((await as(agent).get(`/api/interactions/${interactionId}`)).status).toBe(404);
    expect((await s.db.query('SELECT 1 FROM messages WHERE interaction_id = $1', [interactionId])).rowCount).toBe(0);
    expect((await s.db.query('SELECT 1 FROM interaction_notes WHERE interaction_id = $1', [interactionId])).rowCount).toBe(0);
    expect((await s.db.query('SELECT 1 FROM blobs WHERE sha256 = ANY($1::bytea[])', [blobsBefore.map((b) => b.sha256)])).rowCount).toBe(0);
    const tomb = await s.db.query<{ raw_sha256: Buffer; direction: string }>('SELECT raw_sha256, direction FROM deleted_messages WHERE campaign_id = $1 ORDER BY direction', [campaignId]);
    expect(tomb.rows.map((t) => t.direction)).toEqual(['inbound', 'outbound']);
    expect(tomb.rows[0]!.raw_sha256.toString('hex')).toBe(sha256(customerRaw));
    expect(ids(await search({ filters: { campaignId: otherId }, limit: 200 }))).toHaveLength(40);
  });

  it('never imports deleted mail again, even when the mailbox is resynchronised from the start', async () => {
    // the server's UIDVALIDITY no longer matches the stored one: every message is fetched again
    await s.db.query('UPDATE mailbox_folders SET uidvalidity = uidvalidity + 1 WHERE campaign_id = $1', [campaignId]);
    expect((await as(admin).post(`/api/mailboxes/${campaignId}/retry`)).status).toBe(204);
    const next = mailWithFiles('A later question');
    await appendMessages(dv, 'alice', PASSWORD, 'INBOX', [next.raw]);
    // UID order: once the later mail is in, the deleted one (UID 1) has been decided
    await eventually(async () => (await s.db.query("SELECT 1 FROM interactions WHERE campaign_id = $1 AND subject = 'A later question'", [campaignId])).rowCount, 30_000, 'the later mail');
    const back = await s.db.query("SELECT id FROM interactions WHERE campaign_id = $1 AND subject = 'Invoice 42 is wrong'", [campaignId]);
    expect(back.rowCount).toBe(0);
    expect((await s.db.query('SELECT 1 FROM messages WHERE campaign_id = $1 AND raw_sha256 = $2', [campaignId, Buffer.from(sha256(customerRaw), 'hex')])).rowCount).toBe(0);
  });
});
