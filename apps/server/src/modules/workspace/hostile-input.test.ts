import { spawn } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotPeer } from '../../../../../test/peers/dovecot.ts';
import { startSmtpSink, type SmtpSink } from '../../../../../test/peers/smtp-sink.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';
import { campaignBody } from '../../../../../test/support/campaign-input.ts';
import { appendMessages, customerMail, eventually } from '../../../../../test/support/mail-fixtures.ts';
import { checkPeer } from '../../../../../test/support/peers.ts';
import { setQueue } from '../../../../../test/support/routing-fixtures.ts';

// Hostile input an agent or a customer can send, end to end against Dovecot
// and smtp-sink: HTML nested hundreds of thousands deep in every field that
// takes user HTML, a customer's sanitiser bomb opened again and again while
// mail keeps arriving, and a sender whose name and subject carry line breaks.

const PASSWORD = 'imap-Pa55-hostile';
const AGENT_PASSWORD = 'agent-password-123';
const peersReady = checkPeer('dovecot').available && checkPeer('smtp-sink').available;

// A blocked event loop shows here as tens of seconds (the audit saw 100 s;
// before the render pool each of these bodies held it for 13 s or more on
// the development machine). These bounds leave room for a shared, noisy
// machine: there the loop's longest delay was ~200 ms, and the other
// process, starved of CPU itself, saw /healthz answer in up to ~1 s.
const LOOP_BLOCKED_MS = 2_000;
const HEALTHZ_BLOCKED_MS = 5_000;
// Ingestion that stops for this long while bombs are opened is starved
// (before the render pool had threads of its own it stopped for longer:
// every open took a parser thread for up to the render time bound). The
// project's tests give one message 20 s to arrive on a busy machine.
const STALL_MS = 30_000;

/** `<div>` opened n times around one word: the shape of the audit's bodies. */
const nested = (n: number) => '<div>'.repeat(n) + 'deep';

/** An HTML-only customer mail whose body is n nested `<div>`s, closed. */
function bombMail(n: number, subject: string): { raw: Buffer; messageId: string } {
  const messageId = `${Math.random().toString(16).slice(2)}@customer.test`;
  // lines of at most 998 octets, as SMTP requires, broken between tags
  const html = ('<div>'.repeat(100) + '\r\n').repeat(n / 100) + 'inside the bomb\r\n' + ('</div>'.repeat(100) + '\r\n').repeat(n / 100);
  const head = [
    'From: Bomber <bomber@customer.test>',
    'To: support@example.test',
    `Subject: ${subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${messageId}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/html; charset=utf-8',
    '',
  ];
  return { raw: Buffer.from(head.join('\r\n') + '\r\n' + html), messageId };
}

/** A client in another process polling /healthz until told to stop; its slowest answer. */
function healthzPoller(url: string): { stop(): Promise<{ maxMs: number; answers: number }> } {
  const script = `
    let stop = false, maxMs = 0, answers = 0;
    process.stdin.resume();
    process.stdin.on('end', () => { stop = true; });
    (async () => {
      while (!stop) {
        const t = performance.now();
        try { const r = await fetch(process.argv[1]); await r.text(); if (r.ok) answers++; } catch {}
        maxMs = Math.max(maxMs, performance.now() - t);
        await new Promise((r) => setTimeout(r, 20));
      }
      process.stdout.write(JSON.stringify({ maxMs, answers }));
    })();`;
  const child = spawn(process.execPath, ['-e', script, `${url}/healthz`], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    async stop() {
      child.stdin.end();
      await exited;
      return JSON.parse(out) as { maxMs: number; answers: number };
    },
  };
}

describe.skipIf(!peersReady)('hostile input against Dovecot and smtp-sink', () => {
  let dv: DovecotPeer;
  let sink: SmtpSink;
  let s: TestServer;
  let admin: string;
  let agent: string;
  let campaignId: string;

  const as = (cookie: string) => ({
    get: (url: string) => s.call('GET', url, { cookie }),
    post: (url: string, body?: unknown) => s.call('POST', url, { cookie, body, headers: { origin: s.url } }),
    put: (url: string, body?: unknown) => s.call('PUT', url, { cookie, body, headers: { origin: s.url } }),
  });
  const interactionOf = (messageId: string) =>
    eventually(
      async () => (await s.db.query<{ interaction_id: number; id: number }>('SELECT interaction_id, id FROM messages WHERE message_id = $1', [messageId])).rows[0],
      60_000,
      `message ${messageId} ingested`,
    );
  const mine = (interactionId: number) =>
    eventually(async () => (await as(agent).get('/api/me/inbox')).body.active?.some((i: { id: number }) => i.id === interactionId), 20_000, 'assigned to the agent');

  beforeAll(async () => {
    [dv, sink] = await Promise.all([startDovecot({ users: { alice: PASSWORD } }), startSmtpSink()]);
    // the agent keeps no workspace socket open: a long grace keeps them available throughout
    s = await startTestServer({ env: { POSTDESK_ROLES: 'api,sync,worker', POSTDESK_ROUTING_TICK_MS: '50', POSTDESK_PRESENCE_GRACE_SEC: '3600' } });
    admin = await s.login('admin', ADMIN_PASSWORD);
    const template = await as(admin).post('/api/templates', { name: 'Got it', campaignId: null, html: '<p>Dear ${contactName}, we got your mail.</p>' });
    expect(template.status, JSON.stringify(template.body)).toBe(201);
    const c = await as(admin).post(
      '/api/campaigns',
      campaignBody({
        schedule: [],
        inbound: { port: dv.imapPort, password: PASSWORD, mailbox: 'INBOX' },
        smtp: { port: sink.port, auth: false, username: '', password: undefined },
        qualification: { enabled: false, motivationTitle: '', thanksMessage: '' },
        confirmation: { enabled: true, templateId: template.body.id },
      }),
    );
    expect(c.status, JSON.stringify(c.body)).toBe(201);
    campaignId = c.body.id;
    await setQueue(s.db, campaignId, { auto_assign: true, max_interactions_per_agent: 100 });
    const u = await as(admin).post('/api/users', { username: 'hostile-agent', displayName: 'Hana Agent', role: 'agent', password: AGENT_PASSWORD });
    expect(u.status).toBe(201);
    expect((await as(admin).post('/api/members', { campaignIds: [campaignId], userIds: [u.body.id] })).status).toBe(204);
    agent = await s.login('hostile-agent', AGENT_PASSWORD);
    expect((await as(agent).put('/api/me/presence', { state: 'available' })).status).toBe(200);
  }, 120_000);

  afterAll(async () => {
    await s?.stop();
    await Promise.all([dv?.stop(), sink?.stop()]);
  });

  it('refuses user HTML nested past the limit with a 400 naming the field, and no request blocks the event loop', async () => {
    const plain = customerMail({ from: 'Ana <ana@customer.test>', subject: 'Plain question' });
    const bomb = bombMail(100_000, 'A bomb to forward');
    await appendMessages(dv, 'alice', PASSWORD, 'INBOX', [plain.raw, bomb.raw]);
    const [p, b] = [await interactionOf(plain.messageId), await interactionOf(bomb.messageId)];
    await mine(p.interaction_id);
    await mine(b.interaction_id);

    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const poller = healthzPoller(s.url);
    const to = [{ address: 'ana@customer.test' }];
    type Answer = Awaited<ReturnType<TestServer['call']>>;
    let results!: Record<'reply' | 'newMail' | 'template' | 'signature' | 'preview' | 'draft' | 'canned' | 'forward', Answer>;
    try {
      results = {
        reply: await as(agent).post(`/api/interactions/${p.interaction_id}/messages`, { mode: 'reply', to, html: nested(200_000) }),
        newMail: await as(agent).post(`/api/campaigns/${campaignId}/mail`, { to, subject: 'Deep', html: nested(200_000) }),
        template: await as(admin).post('/api/templates', { name: 'Deep', campaignId: null, html: nested(100_000) }),
        signature: await as(admin).post('/api/templates', { name: 'Deep signature', campaignId, html: nested(100_000) }),
        preview: await as(agent).post('/api/templates/preview', { html: nested(100_000), values: {} }),
        // stored as typed: a draft is the agent's own, sanitised when it is sent
        draft: await as(agent).put(`/api/interactions/${p.interaction_id}/draft`, { mode: 'reply', html: nested(200_000) }),
        // plain text, not HTML: kept as written
        canned: await as(admin).post('/api/canned-answers', { name: 'Deep canned', campaignId: null, text: nested(3_990) }),
        // the customer's bomb quoted as text in a forward
        forward: await as(agent).post(`/api/interactions/${b.interaction_id}/messages`, { mode: 'forward', parentId: b.id, to: [{ address: 'lead@partner.test' }], html: '<p>See below</p>' }),
      };
    } finally {
      loop.disable();
    }
    const healthz = await poller.stop();
    console.info(`[hostile] event loop blocked at most ${(loop.max / 1e6).toFixed(0)} ms; slowest /healthz ${healthz.maxMs.toFixed(0)} ms of ${healthz.answers}`);
    expect(healthz.answers).toBeGreaterThan(0);
    expect(loop.max / 1e6, 'the longest the event loop was blocked (ms)').toBeLessThan(LOOP_BLOCKED_MS);
    expect(healthz.maxMs, 'the slowest /healthz answer seen from another process (ms)').toBeLessThan(HEALTHZ_BLOCKED_MS);

    for (const key of ['reply', 'newMail', 'template', 'signature', 'preview'] as const) {
      expect(results[key].status, `${key}: ${JSON.stringify(results[key].body)}`).toBe(400);
      expect(results[key].body.details[0].path, key).toBe('html');
      expect(results[key].body.details[0].message, key).toMatch(/nested/);
    }
    expect(results.draft.status).toBe(204);
    expect(results.canned.status).toBe(201);
    expect(results.forward.status, JSON.stringify(results.forward.body)).toBe(201);
    const forwarded = await simpleParser((await eventually(async () => (await sink.messages()).find((m) => m.rcptTo.includes('<lead@partner.test>')), 30_000, 'the forward')).content);
    expect(forwarded.text).toContain('inside the bomb');
  }, 600_000);

  it('keeps ingesting small mail while agents open a sanitiser bomb again and again', async () => {
    const bomb = bombMail(100_000, 'Open me');
    await appendMessages(dv, 'alice', PASSWORD, 'INBOX', [bomb.raw]);
    const { id } = await interactionOf(bomb.messageId);

    // four agents' frames opening the bomb over and over (a reload every 50 ms), with and without images
    let opening = true;
    let opened = 0;
    const bodies: string[] = [];
    const openers = [0, 1, 2, 3].map(async (i) => {
      while (opening) {
        const res = await fetch(`${s.url}/api/messages/${id}/body${i % 2 ? '?images=1' : ''}`, { headers: { cookie: agent } });
        expect(res.status).toBe(200);
        const html = await res.text();
        if (bodies.length < 4) bodies.push(html);
        opened++;
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    try {
      await eventually(async () => opened > 0, 60_000, 'the bomb opened once');
      const small = Array.from({ length: 20 }, (_, i) => customerMail({ from: `small${i}@customer.test`, subject: `Small ${i}` }));
      const openedBefore = opened;
      await appendMessages(dv, 'alice', PASSWORD, 'INBOX', small.map((m) => m.raw));
      // every message arrives, and none waits long behind the bombs: a stall fails, a slow machine does not
      const ids = small.map((m) => m.messageId);
      let stored = 0;
      let lastProgress = Date.now();
      while (stored < ids.length) {
        const n = (await s.db.query<{ n: number }>('SELECT count(*)::int AS n FROM messages WHERE message_id = ANY($1)', [ids])).rows[0]!.n;
        if (n > stored) {
          stored = n;
          lastProgress = Date.now();
        }
        expect(Date.now() - lastProgress, `ingestion stalled at ${stored} of ${ids.length} while the bomb was being opened`).toBeLessThan(STALL_MS);
        await new Promise((r) => setTimeout(r, 100));
      }
      // the bombs were being opened all along
      console.info(`[hostile] 20 small messages ingested while the bomb was opened ${opened - openedBefore} times`);
      expect(opened).toBeGreaterThan(openedBefore);
    } finally {
      opening = false;
      await Promise.all(openers);
    }
    for (const html of bodies) expect(html).toContain('inside the bomb');
  }, 300_000);

  it('answers a sender whose name and subject carry line breaks, keeping each on one line', async () => {
    const mail = customerMail({
      from: '=?utf-8?Q?Ann=0D=0ABcc=3A_evil=40x.test?= <ann.crlf@customer.test>',
      subject: '=?utf-8?Q?Broken=0D=0ABcc=3A_y=40z.test?=',
    });
    await appendMessages(dv, 'alice', PASSWORD, 'INBOX', [mail.raw]);
    const m = await interactionOf(mail.messageId);

    // the automatic confirmation, addressed from the received name, goes out with it on one line
    const confirmation = await eventually(async () => (await sink.messages()).find((x) => x.rcptTo.includes('<ann.crlf@customer.test>')), 30_000, 'the confirmation');
    const parsed = await simpleParser(confirmation.content);
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0] : null).toMatchObject({ address: 'ann.crlf@customer.test', name: 'Ann Bcc: evil@x.test' });
    expect(parsed.headers.get('bcc')).toBeUndefined();
    expect(parsed.text).toContain('Dear Ann Bcc: evil@x.test,');

    // a forward quotes the original's header block with the subject on one line
    await mine(m.interaction_id);
    const fwd = await as(agent).post(`/api/interactions/${m.interaction_id}/messages`, { mode: 'forward', parentId: m.id, to: [{ address: 'crlf@partner.test' }], html: '<p>FYI</p>' });
    expect(fwd.status, JSON.stringify(fwd.body)).toBe(201);
    const sent = await simpleParser((await eventually(async () => (await sink.messages()).find((x) => x.rcptTo.includes('<crlf@partner.test>')), 30_000, 'the forward')).content);
    expect(sent.text).toMatch(/^Subject: Broken Bcc: y@z\.test$/m);
    expect(sent.text).toMatch(/^From: Ann Bcc: evil@x\.test <ann\.crlf@customer\.test>$/m);
    expect(sent.text).not.toMatch(/^Bcc:/m);
  }, 120_000);
});
