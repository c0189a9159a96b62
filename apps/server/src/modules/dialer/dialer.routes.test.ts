import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../../../../../test/peers/smtp-sink.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';
import { insertCampaignRow } from '../../../../../test/support/campaign-row.ts';
import { checkPeer } from '../../../../../test/support/peers.ts';

const HTML = '<p>Hello ${name},</p><p>your code is ${code}.</p>';
const row = (i: number, vars = `name=N${i}:code=${i}`) => `Spring;r${i}@example.test;;;${vars};`;

describe.skipIf(!checkPeer('smtp-sink').available)('the dialer API: configure, upload a list whole or not at all, run it, read the counters', () => {
  let s: TestServer;
  let sink: SmtpSink;
  let cookie: string;
  let campaignId: string;
  let templateId: string;
  beforeAll(async () => {
    sink = await startSmtpSink();
    s = await startTestServer({ env: { POSTDESK_ROLES: 'api,worker', POSTDESK_PUBLIC_URL: 'https://desk.example.test' } });
    cookie = await s.login('admin', ADMIN_PASSWORD);
    campaignId = await insertCampaignRow(s.db, { name: 'Spring', fromAddress: 'news@acme.test' });
    await s.db.query(`UPDATE campaigns SET smtp_host = '127.0.0.1', smtp_port = $2, smtp_security = 'none', smtp_auth = false WHERE id = $1`, [campaignId, sink.port]);
    const t = await s.call('POST', '/api/templates', { cookie, body: { name: 'Spring mail', campaignId, html: HTML } });
    expect(t.status, t.text).toBe(201);
    templateId = t.body.id;
  });
  afterAll(async () => {
    await s?.stop();
    await sink?.stop();
  });

  const upload = async (id: string, csv: string) => {
    const res = await fetch(`${s.url}/api/dialers/${id}/lists?name=list`, { method: 'POST', headers: { cookie, 'content-type': 'text/csv' }, body: csv });
    return { status: res.status, body: (await res.json()) as any };
  };
  const status = async (id: string) => (await s.call('GET', `/api/dialers/${id}/status`, { cookie })).body;
  /** Waits until `done` holds, failing only when the counters stop moving for 20 s (no wall-clock bound on the whole). */
  const until = async (id: string, done: (st: any) => boolean) => {
    let last = '';
    let still = Date.now();
    for (;;) {
      const st = await status(id);
      if (done(st)) return st;
      const now = JSON.stringify(st.totals);
      if (now !== last) [last, still] = [now, Date.now()];
      if (Date.now() - still > 20_000) throw new Error(`no progress: ${now}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('refuses anonymous callers before the body, and names the field at fault', async () => {
    expect((await s.call('POST', '/api/dialers', { body: { name: 'x' } })).status).toBe(401);
    const bad = await s.call('POST', '/api/dialers', { cookie, body: { name: 'No template', campaignId, subject: 'Hi' } });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([{ path: 'templateId', message: expect.stringContaining('required') }]);
    const badLimit = await s.call('POST', '/api/dialers', { cookie, body: { name: 'Bad', campaignId, templateId, subject: 'Hi', domainLimits: [{ domain: 'not a domain', perMinute: 1 }] } });
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.details[0].path).toBe('domainLimits.0.domain');
  });

  it('imports nothing from a list with bad rows and names each line; a good list runs to the end, each recipient once', async () => {
    const created = await s.call('POST', '/api/dialers', { cookie, body: { name: 'Spring mailing', campaignId, templateId, subject: 'Code for ${name}', maxPerSecond: 0 } });
    expect(created.status, created.text).toBe(201);
    expect(created.body.requiredVariables).toEqual(['code', 'name']);
    const id = created.body.id as string;

    const lines = Array.from({ length: 10 }, (_, i) => row(i));
    lines[2] = 'Spring;not-an-address;;;name=X:code=1;';
    lines[6] = row(6, 'name=Only');
    const refused = await upload(id, lines.join('\n'));
    expect(refused.status).toBe(422);
    expect(refused.body.listId).toBeNull();
    expect(refused.body.problems.map((p: { line: number }) => p.line)).toEqual([3, 7]);
    expect((await status(id)).totals.total).toBe(0);

    lines[2] = row(2);
    lines[6] = row(6);
    const ok = await upload(id, lines.join('\n'));
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body).toMatchObject({ ok: true, rows: 10 });
    expect((await status(id)).totals).toMatchObject({ total: 10, processed: 0, notProcessed: 10, sent: 0 });

    const started = await s.call('POST', `/api/dialers/${id}/start`, { cookie });
    expect(started.status, started.text).toBe(200);
    expect(started.body.dialer.state).toBe('running');
    const done = await until(id, (st) => st.totals.processed === 10);
    expect(done.totals).toMatchObject({ total: 10, processed: 10, notProcessed: 0, sent: 10, failed: 0 });
    const got = await sink.waitForMessages(10);
    expect(got.map((m) => m.rcptTo[0]).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `<r${i}@example.test>`).sort());
    expect(got.find((m) => m.rcptTo[0] === '<r4@example.test>')!.content).toContain('Code for N4');
  });

  it('the pixel counts a recipient once; one-click unsubscribe blacklists the address, and a later list skips it (matched case-insensitively)', async () => {
    const id = ((await s.call('GET', '/api/dialers', { cookie })).body.items as Array<{ id: string; name: string }>).find((d) => d.name === 'Spring mailing')!.id;
    const m = (await sink.messages()).find((x) => x.rcptTo[0] === '<r4@example.test>')!;
    const parsed = await simpleParser(m.content);
    const unsubscribe = /^List-Unsubscribe:\s*<([^>]+)>/im.exec(m.content.replace(/\n[ \t]+/g, ' '))![1]!;
    const pixel = /src="(https:\/\/desk\.example\.test\/api\/public\/dialer\/o\/[^"]+)"/.exec(String(parsed.html))![1]!;
    const local = (url: string) => s.url + new URL(url).pathname;
    for (let i = 0; i < 2; i++) {
      const res = await fetch(local(pixel));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/gif');
    }
    // a forged token gets the same image and counts nothing
    expect((await fetch(local(pixel).replace(/-[A-Za-z0-9_-]{22}$/, '-AAAAAAAAAAAAAAAAAAAAAA'))).status).toBe(200);
    expect((await status(id)).totals.seen).toBe(1);

    // a GET only asks (link scanners follow links); the RFC 8058 POST unsubscribes
    expect((await fetch(local(unsubscribe))).status).toBe(200);
    expect((await status(id)).totals.unsubscribed).toBe(0);
    const post = await fetch(local(unsubscribe), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(post.status).toBe(200);
    expect((await status(id)).totals.unsubscribed).toBe(1);
    expect((await s.db.query(`SELECT reason FROM dialer_blacklist WHERE address = 'r4@example.test'`)).rows).toEqual([{ reason: 'unsubscribe' }]);

    // the dialer still runs: a new list is sent at once, without the unsubscribed address
    const before = (await sink.messages()).length;
    expect((await upload(id, ['Spring;R4@EXAMPLE.test;;;name=Again:code=4;', row(50)].join('\n'))).status).toBe(201);
    const done = await until(id, (st) => st.totals.processed === 12);
    expect(done.totals).toMatchObject({ total: 12, sent: 11, skipped: 1 });
    const after = (await sink.waitForMessages(before + 1)).map((x) => x.rcptTo[0]);
    expect(after.length).toBe(before + 1);
    expect(after.filter((to) => to === '<r50@example.test>').length).toBe(1);
    expect(after.filter((to) => to!.toLowerCase() === '<r4@example.test>').length).toBe(1);
  });

  it('stop drops the rows not sent yet and counts them; pause keeps them', async () => {
    const created = await s.call('POST', '/api/dialers', { cookie, body: { name: 'Held', campaignId, templateId, subject: 'Hi ${name}' } });
    const id = created.body.id as string;
    expect((await upload(id, Array.from({ length: 4 }, (_, i) => row(100 + i)).join('\n'))).status).toBe(201);
    const paused = await s.call('POST', `/api/dialers/${id}/pause`, { cookie });
    expect(paused.body.dialer.state).toBe('stopped');
    expect(paused.body.totals).toMatchObject({ notProcessed: 4, deleted: 0 });
    const stopped = await s.call('POST', `/api/dialers/${id}/stop`, { cookie });
    expect(stopped.body.totals).toMatchObject({ total: 4, processed: 4, notProcessed: 0, deleted: 4, sent: 0 });
  });
  it('lets a supervisor reach only the dialers of the campaigns they supervise (404 otherwise)', async () => {
    const created = await s.call('POST', '/api/dialers', { cookie, body: { name: 'Scoped', campaignId, templateId, subject: 'Hi ${name}' } });
    const id = created.body.id as string;
    const other = await insertCampaignRow(s.db, { name: 'Other', fromAddress: 'other@acme.test' });
    const sup = await s.call('POST', '/api/users', { cookie, body: { username: 'dialsup', displayName: 'Dial sup', role: 'supervisor', password: 'scope-password-12' } });
    expect(sup.status, sup.text).toBe(201);
    const supervise = (ids: string[]) => s.call('PUT', `/api/users/${sup.body.id}/supervised-campaigns`, { cookie, body: { campaignIds: ids } });
    expect((await supervise([other])).status).toBeLessThan(300);
    const supCookie = await s.login('dialsup', 'scope-password-12');
    const listed = await s.call('GET', '/api/dialers', { cookie: supCookie });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((d: { id: string }) => d.id)).not.toContain(id);
    expect((await s.call('GET', `/api/dialers/${id}`, { cookie: supCookie })).status).toBe(404);
    expect((await s.call('GET', `/api/dialers/${id}/status`, { cookie: supCookie })).status).toBe(404);
    expect((await s.call('POST', `/api/dialers/${id}/start`, { cookie: supCookie })).status).toBe(404);
    const res = await fetch(`${s.url}/api/dialers/${id}/lists?name=x`, { method: 'POST', headers: { cookie: supCookie, 'content-type': 'text/csv' }, body: row(900) });
    expect(res.status).toBe(404);
    expect((await status(id)).totals.total).toBe(0);

    expect((await supervise([other, campaignId])).status).toBeLessThan(300);
    expect((await s.call('GET', `/api/dialers/${id}`, { cookie: supCookie })).status).toBe(200);
    expect((await s.call('GET', '/api/dialers', { cookie: supCookie })).body.items.map((d: { id: string }) => d.id)).toContain(id);
  });
});
