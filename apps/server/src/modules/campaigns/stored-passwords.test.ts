import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotPeer } from '../../../../../test/peers/dovecot.ts';
import { startSmtpAuthServer, type SmtpAuthServer } from '../../../../../test/peers/smtp-auth.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';
import { campaignBody } from '../../../../../test/support/campaign-input.ts';
import { checkPeer } from '../../../../../test/support/peers.ts';

// A stored mail password is sent only to the server it was saved for: same
// host, port, user and security mode. Listeners on other ports of the same
// host (real Dovecot and a real SMTP AUTH server, each recording every
// password given to it) must receive nothing when an admin, or someone with
// an admin's session, points "Test connection" or a save at them without
// typing the password again.
const IMAP_PASSWORD = 'imap-Stored-5e1b70c2';
const SMTP_PASSWORD = 'smtp-Stored-93aa04fd';

const dovecot = checkPeer('dovecot');

describe.skipIf(!dovecot.available)('stored mail passwords stay with their server', () => {
  let s: TestServer;
  let admin: string;
  let real: DovecotPeer;
  let trap: DovecotPeer;
  let smtp: SmtpAuthServer;
  let smtpTrap: SmtpAuthServer;
  let campaignId: string;

  const saved = () => campaignBody({ inbound: { port: real.imapPort, password: IMAP_PASSWORD }, smtp: { port: smtp.port, password: SMTP_PASSWORD } });
  /** The saved settings with some changed and no passwords typed. */
  const without = (inbound: Record<string, unknown>, smtpOver: Record<string, unknown>) => {
    const b = saved() as { inbound: Record<string, unknown>; smtp: Record<string, unknown> };
    return {
      ...b,
      inbound: { ...b.inbound, password: undefined, ...inbound },
      smtp: { ...b.smtp, password: undefined, ...smtpOver },
    };
  };
  const verify = (body: Record<string, unknown>) => s.call('POST', '/api/campaigns/verify', { cookie: admin, body: JSON.parse(JSON.stringify({ ...body, id: campaignId })) });
  const save = (body: Record<string, unknown>) => s.call('PUT', `/api/campaigns/${campaignId}`, { cookie: admin, body: JSON.parse(JSON.stringify(body)) });

  beforeAll(async () => {
    [real, trap, smtp, smtpTrap, s] = await Promise.all([
      startDovecot({ users: { alice: IMAP_PASSWORD } }),
      startDovecot({ users: { alice: 'the-trap-knows-nothing' } }),
      startSmtpAuthServer({ users: { alice: SMTP_PASSWORD } }),
      startSmtpAuthServer({ users: {} }),
      startTestServer(),
    ]);
    admin = await s.login('admin', ADMIN_PASSWORD);
    const res = await s.call('POST', '/api/campaigns', { cookie: admin, body: saved() });
    expect(res.status).toBe(201);
    campaignId = res.body.id;
  });
  afterAll(async () => {
    await Promise.all([s?.stop(), real?.stop(), trap?.stop(), smtp?.stop(), smtpTrap?.stop()]);
  });

  it('reuses them for the very same host, port, user and security', async () => {
    const res = await verify(without({}, {}));
    expect(res.status).toBe(200);
    expect(res.body.connections.map((c: { ok: boolean }) => c.ok)).toEqual([true, true]);
  });

  it('asks for them again when "Test connection" points at another port of the same host', async () => {
    const res = await verify(without({ port: trap.imapPort }, { port: smtpTrap.port }));
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([
      { path: 'inbound.password', message: 'enter the password again: the server, port, username or security changed' },
      { path: 'smtp.password', message: 'enter the password again: the server, port, username or security changed' },
    ]);
  });

  it('asks for them again when a save points at another port', async () => {
    const res = await save(without({ port: trap.imapPort }, { port: smtpTrap.port }));
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { path: string }) => d.path)).toEqual(['inbound.password', 'smtp.password']);
  });

  it('asks for them again when the security mode changes (TLS off would send them in the clear)', async () => {
    const inbound = await verify(without({ security: 'starttls' }, {}));
    expect(inbound.status).toBe(400);
    expect(inbound.body.details.map((d: { path: string }) => d.path)).toEqual(['inbound.password']);
    const out = await verify(without({}, { security: 'starttls' }));
    expect(out.status).toBe(400);
    expect(out.body.details.map((d: { path: string }) => d.path)).toEqual(['smtp.password']);
  });

  it('sends a typed password wherever it is told, and the listeners on other ports got nothing else', async () => {
    // typed again: the admin knows it, so it may go anywhere (the trap refuses it)
    const typed = await verify(without({ port: trap.imapPort, password: 'typed-for-the-trap' }, { port: smtpTrap.port, password: 'typed-for-smtp-trap' }));
    expect(typed.status).toBe(200);
    expect(await trap.refusedPasswords()).toEqual(['typed-for-the-trap']);
    expect(smtpTrap.authAttempts).toEqual([{ username: 'alice', password: 'typed-for-smtp-trap' }]);
  });
});
