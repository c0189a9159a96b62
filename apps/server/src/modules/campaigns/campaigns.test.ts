import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot } from '../../../../../test/peers/dovecot.ts';
import { closedPort, startSilentServer } from '../../../../../test/peers/silent-server.ts';
import { startSmtpAuthServer } from '../../../../../test/peers/smtp-auth.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';
import { campaignBody } from '../../../../../test/support/campaign-input.ts';
import { checkPeer } from '../../../../../test/support/peers.ts';
import { createSecretBox, parseMasterKey } from '../../platform/secrets/secret-box.ts';

// Distinctive passwords, so finding one anywhere it must not be is unambiguous.
const IMAP_PASSWORD = 'imap-Pa55-7f3c1e9b';
const SMTP_PASSWORD = 'smtp-Pa55-a81d44c2';
const WRONG_PASSWORD = 'wrong-Pa55-0d9e7712';

const dovecot = checkPeer('dovecot');

describe.skipIf(!dovecot.available)('campaigns against real Dovecot and an SMTP AUTH server', () => {
  let s: TestServer;
  let admin: string;
  let dv: Awaited<ReturnType<typeof startDovecot>>;
  let smtp: Awaited<ReturnType<typeof startSmtpAuthServer>>;
  const responses: string[] = [];

  const call = async (...args: Parameters<TestServer['call']>) => {
    const r = await s.call(...args);
    responses.push(r.text);
    return r;
  };
  const body = (over: Parameters<typeof campaignBody>[0] = {}) =>
    campaignBody({
      ...over,
      inbound: { port: dv.imapPort, password: IMAP_PASSWORD, ...(over.inbound ?? {}) },
      smtp: { port: smtp.port, password: SMTP_PASSWORD, ...(over.smtp ?? {}) },
    });

  beforeAll(async () => {
    [dv, smtp, s] = await Promise.all([
      startDovecot({ users: { alice: IMAP_PASSWORD } }),
      startSmtpAuthServer({ users: { alice: SMTP_PASSWORD } }),
      startTestServer(),
    ]);
    admin = await s.login('admin', ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await Promise.all([s?.stop(), dv?.stop(), smtp?.stop()]);
  });

  it('refuses to save with a wrong IMAP password, naming the protocol, and stores nothing', async () => {
    const res = await call('POST', '/api/campaigns', { cookie: admin, body: body({ inbound: { password: WRONG_PASSWORD } }) });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('connection_failed');
    expect(res.body.details).toHaveLength(1);
    expect(res.body.details[0].path).toBe('imap');
    expect(res.body.details[0].message).toMatch(/^IMAP: .*auth/i);
    const { rows } = await s.db.query<{ n: number }>('SELECT count(*)::int AS n FROM campaigns');
    expect(rows[0]?.n).toBe(0);
  });

  it('refuses a wrong SMTP password', async () => {
    const res = await call('POST', '/api/campaigns', { cookie: admin, body: body({ smtp: { password: WRONG_PASSWORD } }) });
    expect(res.status).toBe(422);
    expect(res.body.details.map((d: { path: string }) => d.path)).toEqual(['smtp']);
    expect(res.body.details[0].message).toMatch(/^SMTP: /);
  });

  it('refuses a closed port and a server that never answers, within the timeout', async () => {
    const port = await closedPort();
    const closed = await call('POST', '/api/campaigns', { cookie: admin, body: body({ inbound: { port } }) });
    expect(closed.status).toBe(422);
    expect(closed.body.details[0].message).toMatch(/^IMAP: .*refused/i);

    const silent = await startSilentServer();
    try {
      const t0 = Date.now();
      const hung = await call('POST', '/api/campaigns', {
        cookie: admin,
        body: body({ inbound: { port: silent.port, connectionTimeoutSec: 1, authTimeoutSec: 1 } }),
      });
      expect(hung.status).toBe(422);
      expect(hung.body.details[0].message).toMatch(/^IMAP: .*(time|answer)/i);
      expect(Date.now() - t0).toBeLessThan(15_000);
    } finally {
      await silent.stop();
    }
  });

  it('refuses TLS against a server that does not offer it', async () => {
    const res = await call('POST', '/api/campaigns', { cookie: admin, body: body({ inbound: { security: 'tls' } }) });
    expect(res.status).toBe(422);
    expect(res.body.details[0].path).toBe('imap');
    expect(res.body.details[0].message).toMatch(/TLS/);
  });

  let campaignId = '';
  it('saves with the right passwords and shows green connection states', async () => {
    const res = await call('POST', '/api/campaigns', { cookie: admin, body: body() });
    expect(res.status).toBe(201);
    campaignId = res.body.id;
    expect(res.body).toMatchObject({
      name: 'Support',
      key: 'SUP',
      defaultListName: 'Customers',
      inbound: { protocol: 'imap', port: dv.imapPort, hasPassword: true, mailbox: 'INBOX' },
      smtp: { hasPassword: true, auth: true },
      schedule: [
        { day: 1, start: '08:00', end: '13:00' },
        { day: 1, start: '14:00', end: '18:59' },
      ],
    });
    expect(res.body.inbound.password).toBeUndefined();
    expect(res.body.connections.map((c: { protocol: string; ok: boolean }) => [c.protocol, c.ok])).toEqual([
      ['imap', true],
      ['smtp', true],
    ]);
    const list = await call('GET', '/api/campaigns', { cookie: admin });
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0].connections.every((c: { ok: boolean; checkedAt: string }) => c.ok && c.checkedAt)).toBe(true);
  });

  it('encrypts mail passwords at rest under a master key kept owner-only', async () => {
    const { rows } = await s.db.query<{ inbound_password_sealed: Buffer; smtp_password_sealed: Buffer }>(
      'SELECT inbound_password_sealed, smtp_password_sealed FROM campaigns WHERE id = $1',
      [campaignId],
    );
    const sealed = rows[0]!;
    expect(sealed.inbound_password_sealed.toString('latin1')).not.toContain(IMAP_PASSWORD);
    const keyFile = path.join(s.dataDir, 'master.key');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const box = createSecretBox(parseMasterKey(await readFile(keyFile, 'utf8')));
    expect(box.open(sealed.inbound_password_sealed, `campaign:${campaignId}:inbound`)).toBe(IMAP_PASSWORD);
    expect(box.open(sealed.smtp_password_sealed, `campaign:${campaignId}:smtp`)).toBe(SMTP_PASSWORD);
    // Bound to its row and field: the IMAP ciphertext does not open as the SMTP one.
    expect(() => box.open(sealed.inbound_password_sealed, `campaign:${campaignId}:smtp`)).toThrow();
  });

  it('keeps stored passwords on update when none is sent, and skips checks when connections did not change', async () => {
    const { inbound, smtp: sm, ...rest } = body({ name: 'Support desk' });
    const noPasswords = {
      ...rest,
      inbound: { ...(inbound as object), password: undefined },
      smtp: { ...(sm as object), password: undefined },
    };
    await dv.halt(); // a queue-only edit must not depend on the mail server being up
    const res = await call('PUT', `/api/campaigns/${campaignId}`, { cookie: admin, body: JSON.parse(JSON.stringify(noPasswords)) });
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('Support desk');
    expect(res.body.inbound.hasPassword).toBe(true);
    await dv.restart();
  });

  it('applies a new action for fetched mail from now on, never to mail fetched before', async () => {
    // a folder where the old action (leave) never ran on UIDs 4..10
    await s.db.query(`INSERT INTO mailbox_folders (campaign_id, folder, uidvalidity, last_uid, acted_uid) VALUES ($1, 'INBOX', 7, 10, 3)
                      ON CONFLICT (campaign_id, folder) DO UPDATE SET last_uid = 10, acted_uid = 3`, [campaignId]);
    const { inbound, smtp: sm, ...rest } = body({ name: 'Support desk' });
    const edit = (queue: Record<string, unknown>) => ({
      ...rest,
      queue: { ...(rest.queue as object), ...queue },
      inbound: { ...(inbound as object), password: undefined },
      smtp: { ...(sm as object), password: undefined },
    });
    const acted = async () => (await s.db.query<{ acted_uid: number }>(`SELECT acted_uid FROM mailbox_folders WHERE campaign_id = $1`, [campaignId])).rows[0]!.acted_uid;
    // another setting: the backlog is still owed
    expect((await call('PUT', `/api/campaigns/${campaignId}`, { cookie: admin, body: JSON.parse(JSON.stringify(edit({ serviceLevelSec: 90 }))) })).status).toBe(200);
    expect(Number(await acted())).toBe(3);
    const res = await call('PUT', `/api/campaigns/${campaignId}`, { cookie: admin, body: JSON.parse(JSON.stringify(edit({ fetchedMailAction: 'delete' }))) });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(Number(await acted())).toBe(10);
    expect((await call('PUT', `/api/campaigns/${campaignId}`, { cookie: admin, body: JSON.parse(JSON.stringify(edit({ fetchedMailAction: 'leave' }))) })).status).toBe(200);
  });

  it('verifies on demand and turns red when the server refuses', async () => {
    const ok = await call('POST', `/api/campaigns/${campaignId}/verify`, { cookie: admin });
    expect(ok.status).toBe(200);
    expect(ok.body.connections.every((c: { ok: boolean }) => c.ok)).toBe(true);

    await dv.setPassword('alice', 'rotated-password-1');
    const bad = await call('POST', `/api/campaigns/${campaignId}/verify`, { cookie: admin });
    const imap = bad.body.connections.find((c: { protocol: string }) => c.protocol === 'imap');
    expect(imap).toMatchObject({ ok: false, code: 'auth_failed' });
    const list = await call('GET', '/api/campaigns', { cookie: admin });
    expect(list.body.items[0].connections.find((c: { protocol: string }) => c.protocol === 'imap').ok).toBe(false);
    await dv.setPassword('alice', IMAP_PASSWORD);
  });

  it('asks for the password again when the host changes, so a stored secret never goes to a new server', async () => {
    const { inbound, smtp: sm, ...rest } = body();
    const moved = { ...rest, inbound: { ...(inbound as object), host: 'localhost', password: undefined }, smtp: { ...(sm as object), password: undefined } };
    const res = await call('PUT', `/api/campaigns/${campaignId}`, { cookie: admin, body: JSON.parse(JSON.stringify(moved)) });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([{ path: 'inbound.password', message: 'enter the password again: the server, port, username or security changed' }]);
  });

  it('checks POP3 accounts too', async () => {
    const bad = await call('POST', '/api/campaigns', {
      cookie: admin,
      body: body({ name: 'Sales', key: 'SAL', inbound: { protocol: 'pop3', port: dv.pop3Port, password: WRONG_PASSWORD } }),
    });
    expect(bad.status).toBe(422);
    expect(bad.body.details[0].path).toBe('pop3');
    expect(bad.body.details[0].message).toMatch(/^POP3: /);
    const good = await call('POST', '/api/campaigns', {
      cookie: admin,
      body: body({ name: 'Sales', key: 'SAL', inbound: { protocol: 'pop3', port: dv.pop3Port } }),
    });
    expect(good.status).toBe(201);
    expect(good.body.connections.map((c: { protocol: string }) => c.protocol)).toEqual(['pop3', 'smtp']);
  });

  it('checks unsaved settings from the form without storing them', async () => {
    const res = await call('POST', '/api/campaigns/verify', { cookie: admin, body: { ...body({ name: 'Draft', key: 'DRF' }), id: undefined } });
    expect(res.status).toBe(200);
    expect(res.body.connections.every((c: { ok: boolean }) => c.ok)).toBe(true);
    const reuse = await call('POST', '/api/campaigns/verify', {
      cookie: admin,
      body: JSON.parse(JSON.stringify({ ...body(), id: campaignId, inbound: { ...(body().inbound as object), password: undefined } })),
    });
    expect(reuse.status).toBe(200);
    expect(reuse.body.connections.find((c: { protocol: string }) => c.protocol === 'imap').ok).toBe(true);
  });

  it('never shows a mail password in any API response or log line', () => {
    expect(responses.length).toBeGreaterThan(10);
    expect(s.logs.length).toBeGreaterThan(10);
    for (const secret of [IMAP_PASSWORD, SMTP_PASSWORD, WRONG_PASSWORD]) {
      for (const r of responses) expect(r).not.toContain(secret);
      for (const l of s.logs) expect(l).not.toContain(secret);
    }
  });
});

describe('campaign validation (real SMTP AUTH peer, no inbound)', () => {
  let s: TestServer;
  let admin: string;
  let smtp: Awaited<ReturnType<typeof startSmtpAuthServer>>;
  beforeAll(async () => {
    [smtp, s] = await Promise.all([startSmtpAuthServer({ users: { alice: SMTP_PASSWORD } }), startTestServer()]);
    admin = await s.login('admin', ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await Promise.all([s?.stop(), smtp?.stop()]);
  });
  const post = (b: Record<string, unknown>) => s.call('POST', '/api/campaigns', { cookie: admin, body: b });
  const paths = (r: { body: { details?: { path: string }[] } }) => (r.body.details ?? []).map((d) => d.path).sort();

  it.each([
    ['key longer than 5', { key: 'TOOLONG' }, ['key']],
    ['bad sender address', { fromAddress: 'not-an-address' }, ['fromAddress']],
    ['unknown time zone', { timezone: 'Mars/Olympus' }, ['timezone']],
    ['port out of range', { smtp: { port: 70000 } }, ['smtp.port']],
    ['wait for agent over 2147483', { queue: { ...(campaignBody().queue as object), waitAssignedAgentSec: 2147484 } }, ['queue.waitAssignedAgentSec']],
    ['wait for queue under 1', { queue: { ...(campaignBody().queue as object), waitAssignedQueueSec: 0 } }, ['queue.waitAssignedQueueSec']],
    ['move without folder', { queue: { ...(campaignBody().queue as object), fetchedMailAction: 'move' } }, ['queue.moveToFolder']],
    ['schedule end before start', { schedule: [{ day: 2, start: '18:00', end: '09:00' }] }, ['schedule.0.end']],
    ['overlapping frames', { schedule: [{ day: 3, start: '08:00', end: '12:00' }, { day: 3, start: '11:00', end: '15:00' }] }, ['schedule.1.start']],
    ['bad time', { schedule: [{ day: 3, start: '8am', end: '12:00' }] }, ['schedule.0.start']],
    ['confirmation without template', { confirmation: { enabled: true, templateId: null } }, ['confirmation.templateId']],
    ['qualification without title', { qualification: { enabled: true, motivationTitle: '', thanksMessage: '' } }, ['qualification.motivationTitle']],
    ['unknown field', { owner: 'me' }, ['owner']],
    ['unknown nested field', { smtp: { hostname: 'x' } }, ['smtp.hostname']],
    ['host with a scheme', { smtp: { host: 'smtp://evil' } }, ['smtp.host']],
  ])('%s is refused naming the field', async (_name, over, expected) => {
    const b = campaignBody({ receiveEmails: false, ...over, smtp: { port: smtp.port, password: SMTP_PASSWORD, ...((over as { smtp?: object }).smtp ?? {}) } });
    const res = await post(b);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(paths(res)).toEqual(expected);
  });

  it('requires the inbound account only when the campaign receives email', async () => {
    const res = await post(campaignBody({ inbound: { host: '', username: '', password: undefined }, smtp: { port: smtp.port, password: SMTP_PASSWORD } }));
    expect(res.status).toBe(400);
    expect(paths(res)).toEqual(['inbound.host', 'inbound.username']);
    const off = await post(campaignBody({ receiveEmails: false, inbound: { host: '', username: '', password: undefined }, smtp: { port: smtp.port, password: SMTP_PASSWORD } }));
    expect(off.status).toBe(201);
    expect(off.body.connections.map((c: { protocol: string }) => c.protocol)).toEqual(['smtp']);
  });

  it('refuses a duplicate name or key with 409 naming the field', async () => {
    const dup = await post(campaignBody({ receiveEmails: false, key: 'OTHER', smtp: { port: smtp.port, password: SMTP_PASSWORD } }));
    expect(dup.status).toBe(409);
    expect(dup.body.details).toEqual([{ path: 'name', message: 'already used' }]);
  });

  it('offers service presets', async () => {
    const res = await s.call('GET', '/api/campaign-presets', { cookie: admin });
    const ids = res.body.items.map((p: { id: string }) => p.id);
    expect(ids).toEqual(['gmail', 'outlook', 'hotmail', 'yahoo']);
    expect(res.body.items[0].imap).toEqual({ host: 'imap.gmail.com', port: 993, security: 'tls' });
  });
});
