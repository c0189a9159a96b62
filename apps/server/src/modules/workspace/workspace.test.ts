import { randomUUID } from 'node:crypto';
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotPeer } from '../../../../../test/peers/dovecot.ts';
import { startSmtpSink, type SmtpSink } from '../../../../../test/peers/smtp-sink.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';
import { campaignBody } from '../../../../../test/support/campaign-input.ts';
import { appendMessages, customerMail, eventually } from '../../../../../test/support/mail-fixtures.ts';
import { checkPeer } from '../../../../../test/support/peers.ts';
import { setQueue } from '../../../../../test/support/routing-fixtures.ts';
import { openSocket, type TestSocket } from '../../../../../test/support/ws-client.ts';

// The agent workspace end to end, against Dovecot (the customer's mail comes
// in by IMAP) and smtp-sink (our answers go out by SMTP): the thread, bodies
// and attachments served safely, reply / forward / new mail with threading
// headers and files, drafts, notes, dispositions, search, the customer's
// rating, and an agent of another campaign seeing none of it.

const PASSWORD = 'imap-Pa55-workspace';
const AGENT_PASSWORD = 'agent-password-123';
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

const peersReady = checkPeer('dovecot').available && checkPeer('smtp-sink').available;

/** A customer mail with HTML, a PNG shown inline by cid, and a PDF attached. */
function mailWithFiles(from: string, subject: string): { raw: Buffer; messageId: string } {
  const messageId = `${Math.random().toString(16).slice(2)}@customer.test`;
  const lines = [
    `From: ${from}`,
    'To: Example Support <support@example.test>',
    `Subject: ${subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${messageId}>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="outer"',
    '',
    '--outer',
    'Content-Type: multipart/related; boundary="rel"',
    '',
    '--rel',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<p>My invoice is wrong <img src="cid:logo@x"> <img src="https://tracker.example/pixel.gif"></p><script>alert(1)</script>',
    '--rel',
    'Content-Type: image/png',
    'Content-ID: <logo@x>',
    'Content-Transfer-Encoding: base64',
    '',
    PNG.toString('base64'),
    '--rel--',
    '--outer',
    'Content-Type: application/pdf; name="invoice 42.pdf"',
    'Content-Disposition: attachment; filename="invoice 42.pdf"',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('%PDF-1.4 fake invoice').toString('base64'),
    '--outer',
    'Content-Type: text/html; name="page.html"',
    'Content-Disposition: attachment; filename="../../page.html"',
    '',
    '<script>alert("attached")</script>',
    '--outer--',
    '',
  ];
  return { raw: Buffer.from(lines.join('\r\n')), messageId };
}

describe.skipIf(!peersReady)('agent workspace against Dovecot and smtp-sink', () => {
  let dv: DovecotPeer;
  let sink: SmtpSink;
  let s: TestServer;
  let admin: string;
  let agent: string;
  let outsider: string;
  let outsiderSocket: TestSocket;
  const outsiderSaw: string[] = [];
  let campaignId: string;
  let interactionId: number;
  let customerMessageId: string;

  const as = (cookie: string) => ({
    get: (url: string) => s.call('GET', url, { cookie }),
    post: (url: string, body?: unknown) => s.call('POST', url, { cookie, body, headers: { origin: s.url } }),
    put: (url: string, body?: unknown) => s.call('PUT', url, { cookie, body, headers: { origin: s.url } }),
    del: (url: string) => s.call('DELETE', url, { cookie, headers: { origin: s.url } }),
  });
  /** The agent uploads a text file for a message; its upload id. */
  const upload = async (filename: string, body: string): Promise<string> => {
    const res = await fetch(`${s.url}/api/uploads?filename=${encodeURIComponent(filename)}&type=text/plain`, {
      method: 'POST',
      headers: { cookie: agent, origin: s.url, 'content-type': 'application/octet-stream' },
      body,
    });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  };
  const thread = async (cookie = agent) => (await as(cookie).get(`/api/interactions/${interactionId}`)).body;
  const sentTo = (rcpt: string, containing: string) =>
    eventually(async () => (await sink.messages()).find((m) => m.rcptTo.includes(`<${rcpt}>`) && m.content.includes(containing)), 20_000, `mail to ${rcpt}`);

  beforeAll(async () => {
    [dv, sink] = await Promise.all([startDovecot({ users: { alice: PASSWORD, bob: PASSWORD } }), startSmtpSink()]);
    // rating links need a public URL to point at (never the request's host)
    s = await startTestServer({ env: { POSTDESK_ROLES: 'api,sync,worker', POSTDESK_ROUTING_TICK_MS: '50', POSTDESK_PUBLIC_URL: 'https://desk.example.test' } });
    admin = await s.login('admin', ADMIN_PASSWORD);
    const mk = async (body: Record<string, unknown>) => {
      const r = await as(admin).post('/api/campaigns', body);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body.id as string;
    };
    campaignId = await mk(
      campaignBody({
        schedule: [],
        inbound: { port: dv.imapPort, password: PASSWORD, mailbox: 'INBOX' },
        smtp: { port: sink.port, auth: false, username: '', password: undefined },
        qualification: { enabled: true, motivationTitle: 'Rate our answer', thanksMessage: 'Thanks for rating us!' },
        queue: { ...(campaignBody().queue as object), sentFolder: 'Sent' },
      }),
    );
    const otherId = await mk(
      campaignBody({
        name: 'Billing',
        key: 'BIL',
        schedule: [],
        receiveEmails: false,
        inbound: { port: dv.imapPort, username: 'bob', password: PASSWORD, mailbox: 'INBOX' },
        smtp: { port: sink.port, auth: false, username: '', password: undefined },
      }),
    );
    await setQueue(s.db, campaignId, { auto_assign: true });
    for (const [username, c] of [['ws-agent', campaignId], ['ws-outsider', otherId]] as const) {
      const u = await as(admin).post('/api/users', { username, displayName: username === 'ws-agent' ? 'Wendy Agent' : 'Oscar Outsider', role: 'agent', password: AGENT_PASSWORD });
      expect(u.status).toBe(201);
      expect((await as(admin).post('/api/members', { campaignIds: [c], userIds: [u.body.id] })).status).toBe(204);
    }
    agent = await s.login('ws-agent', AGENT_PASSWORD);
    outsider = await s.login('ws-outsider', AGENT_PASSWORD);
    expect((await as(agent).put('/api/me/presence', { state: 'available' })).status).toBe(200);
    outsiderSocket = await openSocket(s.url, { cookie: outsider });
    outsiderSocket.socket.on('message', (d) => outsiderSaw.push(String(d)));
  }, 60_000);

  afterAll(async () => {
    outsiderSocket?.close();
    await s?.stop();
    await Promise.all([dv?.stop(), sink?.stop()]);
  });

  it('shows the customer mail in the inbox and the thread, with its files listed', async () => {
    const mail = mailWithFiles('Ana López <ana.lopez@customer.test>', 'Invoice 42 is wrong');
    customerMessageId = mail.messageId;
    await appendMessages(dv, 'alice', PASSWORD, 'INBOX', [mail.raw]);
    const item = await eventually(async () => (await as(agent).get('/api/me/inbox')).body.active?.[0], 20_000, 'assigned to the agent');
    expect(item).toMatchObject({ subject: 'Invoice 42 is wrong', customerAddress: 'ana.lopez@customer.test', customerName: 'Ana López', campaignKey: 'SUP', unread: true });
    interactionId = item.id;
    const t = await thread();
    expect(t.interaction).toMatchObject({ campaignName: 'Support', customerAddress: 'ana.lopez@customer.test', mine: true, mandatoryDisposition: true });
    expect(t.values).toMatchObject({ contactName: 'Ana López', contactEmail: 'ana.lopez@customer.test', agentName: 'Wendy Agent', ticket: `[#SUP-${interactionId}]`, interactionId: String(interactionId) });
    const [m] = t.messages;
    expect(m).toMatchObject({ direction: 'inbound', hasHtml: true });
    const names = m.attachments.map((a: { filename: string }) => a.filename);
    expect(names).toContain('invoice 42.pdf');
    expect(m.attachments.find((a: { contentType: string }) => a.contentType === 'image/png')).toMatchObject({ previewable: true });
    expect((await as(agent).post(`/api/interactions/${interactionId}/read`)).status).toBe(204);
    expect((await thread()).interaction.unread).toBe(false);
  });

  it('serves the body sanitised, sandboxed, without remote loads unless asked, with inline images in place', async () => {
    const [m] = (await thread()).messages;
    const res = await fetch(`${s.url}/api/messages/${m.id}/body`, { headers: { cookie: agent } });
    const html = await res.text();
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain('sandbox');
    expect(csp).not.toMatch(/img-src[^;]*https:/);
    expect(res.headers.get('x-postdesk-blocked-remote')).toBe('1');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toContain('tracker.example');
    expect(html).toContain(`data:image/png;base64,${PNG.toString('base64')}`);
    const withImages = await fetch(`${s.url}/api/messages/${m.id}/body?images=1`, { headers: { cookie: agent } });
    expect(withImages.headers.get('content-security-policy')).toMatch(/img-src[^;]*https:/);
    expect(await withImages.text()).toContain('https://tracker.example/pixel.gif');
  });

  it('serves attachments only as downloads, previews only safe images, and keeps names out of paths', async () => {
    const [m] = (await thread()).messages;
    const html = m.attachments.find((a: { contentType: string }) => a.contentType === 'text/html');
    for (const q of ['', '?inline=1']) {
      const res = await fetch(`${s.url}/api/messages/${m.id}/attachments/${html.partPath}${q}`, { headers: { cookie: agent } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/octet-stream');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="[^"/\\]*page\.html"/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const png = m.attachments.find((a: { contentType: string }) => a.contentType === 'image/png');
    const preview = await fetch(`${s.url}/api/messages/${m.id}/attachments/${png.partPath}?inline=1`, { headers: { cookie: agent } });
    expect(preview.headers.get('content-type')).toBe('image/png');
    expect(preview.headers.get('content-disposition')).toMatch(/^inline;/);
    expect(Buffer.from(await preview.arrayBuffer()).equals(PNG)).toBe(true);
  });

  let ourMessageId: string;

  it('replies with an uploaded file: threading headers, subject token, rating links, and the sent state', async () => {
    const uploadId = await upload('credit note.txt', 'credit note 42');
    // a draft is kept while the agent types (an upload with its name, to show it again), and gone once sent
    const draftFile = { uploadId, name: 'credit note.txt', size: 14 };
    const saved = await as(agent).put(`/api/interactions/${interactionId}/draft`, { mode: 'reply', to: [{ address: 'ana.lopez@customer.test' }], html: '<p>Half written</p>', attachments: [draftFile] });
    expect(saved.status).toBe(204);
    expect((await thread()).draft).toMatchObject({ mode: 'reply', html: '<p>Half written</p>', attachments: [draftFile] });
    const res = await as(agent).post(`/api/interactions/${interactionId}/messages`, {
      mode: 'reply',
      to: [{ address: 'ana.lopez@customer.test', name: 'Ana López' }],
      html: '<p>Hello Ana, here is your credit note.</p><script>alert(1)</script>',
      attachments: [{ uploadId }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    // sent: the upload is used up (the message's own attachment holds the file) and no longer counts against the quota
    expect((await s.db.query('SELECT 1 FROM uploads WHERE id = $1', [uploadId])).rowCount).toBe(0);
    const sent = await sentTo('ana.lopez@customer.test', 'credit note');
    expect(sent.content).toContain(`In-Reply-To: <${customerMessageId}>`);
    expect(sent.content).toMatch(new RegExp(`^References: <${customerMessageId}>$`, 'm'));
    expect(sent.content).toMatch(new RegExp(`^Subject: Re: Invoice 42 is wrong \\[#SUP-${interactionId}\\]$`, 'm'));
    expect(sent.content).toContain('filename="credit note.txt"');
    expect(sent.content).toContain(Buffer.from('credit note 42').toString('base64'));
    expect(sent.content).not.toContain('<script');
    expect(sent.content).not.toMatch(/^Auto-Submitted/m);
    ourMessageId = sent.content.match(/^Message-ID: <([^>]+)>$/m)![1]!;
    const t = await eventually(async () => {
      const x = await thread();
      return x.messages.at(-1)?.outbox?.state === 'sent' ? x : null;
    }, 20_000, 'sent state');
    expect(t.messages.at(-1)).toMatchObject({ direction: 'outbound', sentBy: 'Wendy Agent' });
    expect(t.messages.at(-1).attachments.map((a: { filename: string }) => a.filename)).toEqual(['credit note.txt']);
    expect(t.draft).toBeNull();

    // a copy lands in the mailbox's Sent folder (created on first use), once
    const inSent = async () => {
      const client = new ImapFlow({ host: dv.host, port: dv.imapPort, secure: false, doSTARTTLS: false, auth: { user: 'alice', pass: PASSWORD }, logger: false });
      await client.connect();
      try {
        const lock = await client.getMailboxLock('Sent').catch(() => null);
        if (!lock) return 0;
        try {
          return ((await client.search({ header: { 'message-id': ourMessageId } }, { uid: true })) || []).length;
        } finally {
          lock.release();
        }
      } finally {
        await client.logout();
      }
    };
    await eventually(async () => (await inSent()) > 0, 20_000, 'copy in Sent');
    expect(await inSent()).toBe(1);
    // its job is done: a completed job is deleted (a failed one would stay, with its error)
    await eventually(async () => (await s.db.query(`SELECT 1 FROM jobs j JOIN messages m ON j.job_key = m.id::text WHERE j.kind = 'outbound.sent_copy' AND m.message_id = $1`, [ourMessageId])).rowCount === 0, 20_000, 'copy job done');

    // the rating links: a forged token is refused, a real one records and can change its score
    const body = sent.content.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
    const link = body.match(/https:\/\/desk\.example\.test\/rating\/([A-Za-z0-9_-]{32})\/4/)!;
    expect(link).not.toBeNull();
    expect((await fetch(`${s.url}/rating/${'A'.repeat(32)}/4`)).status).toBe(404);
    const page = await fetch(`${s.url}/rating/${link[1]}/4`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Thanks for rating us!');
    expect((await thread()).messages.at(-1).rating).toBe(4);
    await fetch(`${s.url}/rating/${link[1]}/2`);
    expect((await thread()).messages.at(-1).rating).toBe(2);
  });

  it("threads the customer's answer to our reply into the same interaction", async () => {
    const answer = customerMail({ from: 'ana.lopez@customer.test', subject: `Re: Invoice 42 is wrong [#SUP-${interactionId}]`, inReplyTo: ourMessageId, references: [customerMessageId, ourMessageId], body: 'Thanks, all good now.' });
    await appendMessages(dv, 'alice', PASSWORD, 'INBOX', [answer.raw]);
    const t = await eventually(async () => {
      const x = await thread();
      return x.messages.length === 3 ? x : null;
    }, 20_000, 'answer threaded');
    expect(t.messages.at(-1)).toMatchObject({ direction: 'inbound', snippet: expect.stringContaining('Thanks, all good now.') });
  });

  it('downloads any message of the thread as an .eml file, byte for byte as stored, named after its subject', async () => {
    const t = await thread();
    expect(t.messages.map((m: { direction: string }) => m.direction)).toEqual(['inbound', 'outbound', 'inbound']);
    for (const m of t.messages) {
      const res = await fetch(`${s.url}/api/messages/${m.id}/eml`, { headers: { cookie: agent } });
      expect(res.status).toBe(200);
      const bytes = Buffer.from(await res.arrayBuffer());
      const { rows } = await s.db.query<{ sha: Buffer }>('SELECT raw_sha256 AS sha FROM messages WHERE id = $1', [m.id]);
      expect(bytes.equals(await s.deps.blobs.get(rows[0]!.sha.toString('hex')))).toBe(true);
      expect(res.headers.get('content-type')).toBe('message/rfc822');
      expect(res.headers.get('content-length')).toBe(String(bytes.length));
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="[^"/\\]+\.eml"; filename\*=UTF-8''[^"/\\\s]+\.eml$/);
    }
    // the customer's first mail, exactly as Dovecot handed it over
    const first = await fetch(`${s.url}/api/messages/${t.messages[0].id}/eml`, { headers: { cookie: agent } });
    expect(first.headers.get('content-disposition')).toContain('filename="Invoice 42 is wrong.eml"');
    expect(Buffer.from(await first.arrayBuffer()).toString('latin1')).toContain(`Message-ID: <${customerMessageId}>`);
    // a subject is the sender's text: slashes, quotes and control characters never reach the header or a path
    await s.db.query(`UPDATE messages SET subject = $2 WHERE id = $1`, [t.messages[2].id, '../../etc/"passwd"\\x\u0007 ;name=evil']);
    const hostile = await fetch(`${s.url}/api/messages/${t.messages[2].id}/eml`, { headers: { cookie: agent } });
    expect(hostile.status).toBe(200);
    const cd = hostile.headers.get('content-disposition')!;
    expect(cd).toMatch(/^attachment; filename="[A-Za-z0-9._ ()-]+\.eml"; filename\*=UTF-8''[A-Za-z0-9._~%!-]+\.eml$/);
    expect(cd.match(/filename="([^"]*)"/)![1]).not.toMatch(/^\./);
  });

  it('forwards with the original attachments and quotes the message', async () => {
    const t = await thread();
    const original = t.messages[0];
    const pdf = original.attachments.find((a: { filename: string }) => a.filename === 'invoice 42.pdf');
    const res = await as(agent).post(`/api/interactions/${interactionId}/messages`, {
      mode: 'forward',
      parentId: original.id,
      to: [{ address: 'accounts@partner.test' }, { address: 'lead@partner.test' }],
      html: '<p>Please check this invoice.</p>',
      attachments: [{ messageId: original.id, partPath: pdf.partPath }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const sent = await sentTo('accounts@partner.test', 'Please check this invoice');
    expect(sent.rcptTo).toEqual(['<accounts@partner.test>', '<lead@partner.test>']);
    expect(sent.content).toMatch(/^Subject: Fwd: Invoice 42 is wrong/m);
    expect(sent.content).toContain('Forwarded message');
    expect(sent.content).toContain('My invoice is wrong'); // the HTML-only original, quoted as text
    expect(sent.content).not.toContain('alert(1)');
    expect(sent.content).toContain('invoice 42.pdf');
    expect(sent.content).toContain(Buffer.from('%PDF-1.4 fake invoice').toString('base64'));
  });

  it('stores an answer sent again with the same send key once: the repeat gets the first message', async () => {
    const count = async () =>
      (await s.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages WHERE interaction_id = $1 AND direction = 'outbound'`, [interactionId])).rows[0]!.n;
    const before = await count();
    const sendKey = randomUUID();
    const body = { mode: 'reply', to: [{ address: 'ana.lopez@customer.test' }], html: '<p>Sent once, whatever happens.</p>', sendKey };
    const first = await as(agent).post(`/api/interactions/${interactionId}/messages`, body);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    // the answer to the first was lost (its node died): the console sends the same answer again
    const again = await as(agent).post(`/api/interactions/${interactionId}/messages`, body);
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(again.body.messageId).toBe(first.body.messageId);
    expect(await count()).toBe(before + 1);
    expect((await s.db.query('SELECT 1 FROM outbox WHERE message_id = $1', [first.body.messageId])).rowCount).toBe(1);
    // a new answer (a new key) is a new message
    const next = await as(agent).post(`/api/interactions/${interactionId}/messages`, { ...body, sendKey: randomUUID() });
    expect(next.status).toBe(201);
    expect(next.body.messageId).not.toBe(first.body.messageId);
    const bad = await as(agent).post(`/api/interactions/${interactionId}/messages`, { ...body, sendKey: 'not-a-uuid' });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].path).toBe('sendKey');
  });

  it('refuses header injection and bad addresses, naming the field', async () => {
    const send = (body: Record<string, unknown>) =>
      as(agent).post(`/api/interactions/${interactionId}/messages`, { mode: 'reply', to: [{ address: 'ana.lopez@customer.test' }], html: '<p>x</p>', ...body });
    const injected = await send({ subject: 'Hi\r\nBcc: victim@example.test' });
    expect(injected.status).toBe(400);
    expect(injected.body.details[0].path).toBe('subject');
    const badName = await send({ to: [{ address: 'ana.lopez@customer.test', name: 'Ana\nBcc: x@y.test' }] });
    expect(badName.status).toBe(400);
    expect(badName.body.details[0].path).toMatch(/^to\.0\.name/);
    const badAddress = await send({ to: [{ address: 'not an address' }] });
    expect(badAddress.status).toBe(400);
    expect(badAddress.body.details[0].path).toMatch(/^to\.0\.address/);
  });

  it('keeps internal notes out of mail, searches, and closes only with a disposition', async () => {
    expect((await as(agent).post(`/api/interactions/${interactionId}/notes`, { text: 'Customer is a VIP, be quick' })).status).toBe(201);
    expect((await thread()).notes.map((n: { text: string }) => n.text)).toEqual(['Customer is a VIP, be quick']);
    expect((await sink.messages()).some((m) => m.content.includes('VIP'))).toBe(false);

    for (const q of ['lopez@cust', 'ana lóp', 'invoice 42', 'suppo']) {
      const r = await as(agent).get(`/api/search?q=${encodeURIComponent(q)}`);
      expect(r.status).toBe(200);
      expect(r.body.items.map((i: { id: number }) => i.id), q).toContain(interactionId);
    }
    expect((await as(agent).get('/api/search?q=ab')).status).toBe(400);
    expect((await as(outsider).get('/api/search?q=lopez')).body.items).toEqual([]);

    // the campaign pauses agents while they dispose: cancelling or closing makes them available again
    await setQueue(s.db, campaignId, { pause_while_disposing: true });
    const presence = async () => (await as(agent).get('/api/me/presence')).body;
    expect((await as(agent).post(`/api/interactions/${interactionId}/disposing`, { active: true })).body).toEqual({ paused: true });
    expect(await presence()).toMatchObject({ state: 'paused', pauseReason: 'Disposing' });
    await as(agent).post(`/api/interactions/${interactionId}/disposing`, { active: false });
    expect(await presence()).toMatchObject({ state: 'available' });
    await as(agent).post(`/api/interactions/${interactionId}/disposing`, { active: true });
    expect((await as(outsider).post(`/api/interactions/${interactionId}/disposing`, { active: true })).status).toBe(404);

    const refused = await as(agent).post(`/api/interactions/${interactionId}/close`, {});
    expect(refused.status).toBe(400);
    expect(refused.body.details[0].path).toBe('dispositionId');
    const d = await as(admin).post(`/api/campaigns/${campaignId}/dispositions`, { name: 'Solved' });
    expect(d.status).toBe(201);
    expect((await as(agent).post(`/api/interactions/${interactionId}/close`, { dispositionId: d.body.id })).status).toBe(204);
    expect((await thread()).interaction).toMatchObject({ status: 'closed', disposition: 'Solved' });
    expect(await presence()).toMatchObject({ state: 'available' });
    expect((await as(agent).get('/api/me/inbox')).body.closed.map((i: { id: number }) => i.id)).toContain(interactionId);
  });

  it('keeps the new mail an agent is writing as their own draft, and drops it once sent', async () => {
    const file = { uploadId: await upload('price list.txt', 'prices'), name: 'price list.txt', size: 6 };
    expect((await as(agent).get('/api/me/new-mail')).body).toEqual({ draft: null });

    // nothing is required yet: an agent may not have chosen a campaign or anyone to write to
    expect((await as(agent).put('/api/me/new-mail', { html: '<p>Dear</p>' })).status).toBe(204);
    expect((await as(agent).get('/api/me/new-mail')).body.draft).toMatchObject({ campaignId: null, mode: 'new', to: [], html: '<p>Dear</p>' });
    const draft = { campaignId, to: [{ address: 'lead@customer.test', name: 'Lead' }], cc: [{ address: 'boss@customer.test' }], subject: 'Our offer', html: '<p>Dear Lead,</p>', attachments: [file] };
    expect((await as(agent).put('/api/me/new-mail', draft)).status).toBe(204);
    expect((await as(agent).get('/api/me/new-mail')).body.draft).toMatchObject({ ...draft, mode: 'new' });

    // the agent's answer drafts are separate from it
    expect((await as(agent).put(`/api/interactions/${interactionId}/draft`, { mode: 'reply', html: '<p>An answer</p>' })).status).toBe(204);
    expect((await thread()).draft).toMatchObject({ html: '<p>An answer</p>' });
    expect((await as(agent).get('/api/me/new-mail')).body.draft.html).toBe('<p>Dear Lead,</p>');
    expect((await as(agent).del(`/api/interactions/${interactionId}/draft`)).status).toBe(204);

    // it is the agent's own; another agent cannot aim one at a campaign they are not in, and bad input names its field
    expect((await as(outsider).get('/api/me/new-mail')).body).toEqual({ draft: null });
    expect((await as(outsider).put('/api/me/new-mail', { ...draft, attachments: [] })).status).toBe(404);
    const bad = await as(agent).put('/api/me/new-mail', { ...draft, attachments: [{ messageId: 1, partPath: '1' }] });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.details)).toContain('attachments');
    expect((await as(agent).put('/api/me/new-mail', { ...draft, subject: 'x'.repeat(901) })).body.details[0].path).toBe('subject');

    // the fields only known once sent (the ticket, the number) are filled then; others stay as written
    const html = '<p>Dear Lead, your reference is ${ticket} (${interactionId}), ${unknown}.</p>';
    const sent = await as(agent).post(`/api/campaigns/${campaignId}/mail`, { to: draft.to, cc: draft.cc, subject: draft.subject, html, attachments: [{ uploadId: file.uploadId }] });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    expect((await as(agent).get('/api/me/new-mail')).body).toEqual({ draft: null });
    const mail = await simpleParser((await sentTo('lead@customer.test', 'Dear Lead')).content);
    expect(mail.html).toContain(`Dear Lead, your reference is [#SUP-${sent.body.interactionId}] (${sent.body.interactionId}), \${unknown}.`);
    expect(mail.attachments.map((a) => a.filename)).toEqual(['price list.txt']);

    expect((await as(agent).put('/api/me/new-mail', { html: '<p>Another</p>' })).status).toBe(204);
    expect((await as(agent).del('/api/me/new-mail')).status).toBe(204);
    expect((await as(agent).get('/api/me/new-mail')).body).toEqual({ draft: null });
  });

  it('starts a new outbound interaction in a campaign the agent belongs to', async () => {
    const r = await as(agent).post(`/api/campaigns/${campaignId}/mail`, { to: [{ address: 'new.customer@customer.test', name: 'New Customer' }], subject: 'Your renewal', html: '<p>Time to renew.</p>' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const sent = await sentTo('new.customer@customer.test', 'Time to renew');
    expect(sent.content).toMatch(new RegExp(`^Subject: Your renewal \\[#SUP-${r.body.interactionId}\\]$`, 'm'));
    expect((await as(agent).get('/api/me/inbox')).body.active.map((i: { id: number }) => i.id)).toContain(r.body.interactionId);
    expect((await as(outsider).post(`/api/campaigns/${campaignId}/mail`, { to: [{ address: 'x@customer.test' }], subject: 'x', html: 'x' })).status).toBe(404);
  });

  it('starts one conversation for a new mail sent again with the same send key, even when both requests race', async () => {
    const count = async () => (await s.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM interactions WHERE subject = 'Your key renewal'`)).rows[0]!.n;
    const body = { to: [{ address: 'key.customer@customer.test' }], subject: 'Your key renewal', html: '<p>Once only.</p>', sendKey: randomUUID() };
    const [first, again] = await Promise.all([1, 2].map(() => as(agent).post(`/api/campaigns/${campaignId}/mail`, body)));
    expect(first!.status, JSON.stringify(first!.body)).toBe(201);
    expect(again!.status, JSON.stringify(again!.body)).toBe(201);
    expect(again!.body).toEqual(first!.body);
    expect(await count()).toBe(1);
    // a key stands for one send: used again for an answer in that conversation it still names the first message
    const t = await as(agent).post(`/api/interactions/${first!.body.interactionId}/messages`, { mode: 'reply', to: [{ address: 'key.customer@customer.test' }], html: '<p>More.</p>', sendKey: body.sendKey });
    expect(t.status).toBe(201);
    expect(t.body.messageId).toBe(first!.body.messageId);
  });

  it('lets the agent mark an interaction in hand as unread, only where the campaign allows it', async () => {
    const inbox = async () => (await as(agent).get('/api/me/inbox')).body.active as Array<{ id: number; unread: boolean }>;
    const item = (await inbox()).find((i) => i.id !== interactionId)!;
    expect((await as(agent).post(`/api/interactions/${item.id}/read`)).status).toBe(204);
    await setQueue(s.db, campaignId, { mark_as_unread: false });
    expect((await thread()).interaction.markAsUnread).toBe(false);
    const off = await as(agent).post(`/api/interactions/${item.id}/unread`);
    expect(off.status).toBe(409);
    expect((await inbox()).find((i) => i.id === item.id)!.unread).toBe(false);

    await setQueue(s.db, campaignId, { mark_as_unread: true });
    expect((await as(agent).get(`/api/interactions/${item.id}`)).body.interaction).toMatchObject({ markAsUnread: true, unread: false });
    expect((await as(agent).post(`/api/interactions/${item.id}/unread`)).status).toBe(204);
    expect((await inbox()).find((i) => i.id === item.id)!.unread).toBe(true);
    // a supervisor looking is not the agent holding it: nothing to mark
    expect((await as(admin).post(`/api/interactions/${item.id}/unread`)).status).toBe(409);
  });

  it("gives an agent of another campaign 404 for everything here, and pushes them nothing about it", async () => {
    const t = await thread(admin);
    const m = t.messages[0];
    const part = m.attachments[0].partPath;
    const o = as(outsider);
    const attempts = [
      await o.get(`/api/interactions/${interactionId}`),
      await o.get(`/api/messages/${m.id}/body`),
      await o.get(`/api/messages/${m.id}/attachments/${part}`),
      await o.get(`/api/messages/${m.id}/eml`),
      await o.put(`/api/interactions/${interactionId}/draft`, { mode: 'reply', html: 'x' }),
      await o.del(`/api/interactions/${interactionId}/draft`),
      await o.post(`/api/interactions/${interactionId}/notes`, { text: 'x' }),
      await o.post(`/api/interactions/${interactionId}/read`),
      await o.post(`/api/interactions/${interactionId}/unread`),
      await o.post(`/api/interactions/${interactionId}/messages`, { mode: 'reply', to: [{ address: 'a@b.test' }], html: 'x' }),
      await o.post(`/api/interactions/${interactionId}/messages`, { mode: 'forward', to: [{ address: 'a@b.test' }], html: 'x', attachments: [{ messageId: m.id, partPath: part }] }),
      await o.post(`/api/messages/${m.id}/retry`),
    ];
    expect(attempts.map((r) => r.status)).toEqual(Array(attempts.length).fill(404));
    expect(outsiderSaw.filter((x) => x.includes(`"interactionId":${interactionId}`))).toEqual([]);
  });
});
