import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotPeer } from '../../../../test/peers/dovecot.ts';
import { closedPort, startSilentServer, type SilentServer } from '../../../../test/peers/silent-server.ts';
import { IMPLICIT_TLS_PROBE_MS } from './run-check.ts';
import { startSmtpAuthServer, type SmtpAuthServer } from '../../../../test/peers/smtp-auth.ts';
import { checkPeer } from '../../../../test/support/peers.ts';
import type { CheckResult, ImapSettings, Pop3Settings, SmtpSettings } from './types.ts';
import { verifyImap } from './verify-imap.ts';
import { verifyPop3 } from './verify-pop3.ts';
import { verifySmtp } from './verify-smtp.ts';

const PASSWORD = 'c0rrect-Horse-9';
const WRONG = 'Wr0ng-Pa55-xyzzy';
const users = { alice: PASSWORD };
// how late a timed-out check may return beyond its connection timeout: wide, since a loaded machine runs timers late,
// yet short of the next bound a broken timeout would fall back to (the
// sessions' 3 s connection limit, the peers' silence), so it still proves
// which limit ended the wait. Not a speed check.
const MARGIN_MS = 2_000;

// Sockets and timers alive in this process, to show a check leaves none behind.
const handles = (): { sockets: number; timers: number } => {
  const info = process.getActiveResourcesInfo();
  return { sockets: info.filter((r) => r === 'TCPSocketWrap' || r === 'TLSWrap').length, timers: info.filter((r) => r === 'Timeout').length };
};
async function expectNoLeaks(baseline: { sockets: number; timers: number }): Promise<void> {
  // the server side of a destroyed connection needs a moment to see the close
  for (let i = 0; i < 25 && handles().sockets > baseline.sockets; i++) await new Promise((r) => setTimeout(r, 20));
  const now = handles();
  expect(now.sockets).toBeLessThanOrEqual(baseline.sockets);
  expect(now.timers).toBeLessThanOrEqual(baseline.timers);
}

function expectFailure(result: CheckResult, code: CheckResult['code']): void {
  expect(result, JSON.stringify(result)).toMatchObject({ ok: false, code });
  expect(result.message).toBeTruthy();
  expect(JSON.stringify(result)).not.toContain(PASSWORD);
  expect(JSON.stringify(result)).not.toContain(WRONG);
}

let silent: SilentServer;
let closed: number;
beforeAll(async () => {
  silent = await startSilentServer();
  closed = await closedPort();
});
afterAll(async () => {
  await silent?.stop();
});

// A server that greets and then says nothing: the login deadline, not the connection one, must end it.
async function startGreeter(greeting: string): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    s.write(greeting);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    stop: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

describe.skipIf(!checkPeer('dovecot').available)('IMAP and POP3 against Dovecot', () => {
  let plain: DovecotPeer;
  let starttlsOnly: DovecotPeer;
  let implicit: DovecotPeer;
  beforeAll(async () => {
    [plain, starttlsOnly, implicit] = await Promise.all([
      startDovecot({ users, tls: 'none' }),
      startDovecot({ users, tls: 'starttls-only' }),
      startDovecot({ users, tls: 'implicit' }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([plain?.stop(), starttlsOnly?.stop(), implicit?.stop()]);
  });

  describe('verifyImap', () => {
    const imap = (over: Partial<ImapSettings> = {}): Promise<CheckResult> =>
      verifyImap({
        host: plain.host,
        port: plain.imapPort,
        security: 'none',
        username: 'alice',
        password: PASSWORD,
        mailbox: 'INBOX',
        connectionTimeoutSec: 2,
        authTimeoutSec: 2,
        ...over,
      });

    it('passes with the right password', async () => {
      expect(await imap()).toMatchObject({ protocol: 'imap', ok: true });
    });
    it('reports a wrong password as auth_failed, without the password', async () => {
      const r = await imap({ password: WRONG });
      expectFailure(r, 'auth_failed');
      expect(r.message).toMatch(/^IMAP: authentication failed for user alice \(server said: .*AUTHENTICATIONFAILED/);
    });
    it('reports a missing folder as mailbox_not_found', async () => {
      const r = await imap({ mailbox: 'No/Such/Folder' });
      expectFailure(r, 'mailbox_not_found');
      expect(r.message).toContain('"No/Such/Folder"');
    });
    it('reports a closed port as connection_refused', async () => {
      expectFailure(await imap({ port: closed }), 'connection_refused');
    });
    it('returns timeout promptly from a server that never answers, leaving nothing behind', async () => {
      const baseline = handles();
      const r = await imap({ port: silent.port, connectionTimeoutSec: 1 });
      expectFailure(r, 'timeout');
      expect(r.message).toBe(`IMAP: no answer from 127.0.0.1:${silent.port} within 1 s`);
      expect(r.durationMs).toBeLessThan(1000 + IMPLICIT_TLS_PROBE_MS + MARGIN_MS);
      await expectNoLeaks(baseline);
    });
    it('bounds login by the auth timeout once the server has greeted', async () => {
      const greeter = await startGreeter('* OK ready\r\n');
      try {
        const r = await imap({ port: greeter.port, connectionTimeoutSec: 1, authTimeoutSec: 1 });
        expectFailure(r, 'timeout');
        expect(r.message).toContain('login');
        expect(r.durationMs).toBeLessThan(2000 + MARGIN_MS);
      } finally {
        await greeter.stop();
      }
    });
    it('reports TLS against a plaintext port as tls_failed', async () => {
      const r = await imap({ security: 'tls' });
      expectFailure(r, 'tls_failed');
      expect(r.message).toMatch(/^IMAP: TLS handshake failed: wrong version number/);
    });
    it('reports STARTTLS against a server without it as starttls_unavailable', async () => {
      expectFailure(await imap({ security: 'starttls' }), 'starttls_unavailable');
    });
    it('reports a server that requires TLS to a plaintext client as tls_failed', async () => {
      const r = await imap({ host: starttlsOnly.host, port: starttlsOnly.imapPort });
      expectFailure(r, 'tls_failed');
      expect(r.message).toContain('set security to STARTTLS or TLS');
    });
    it('passes with STARTTLS and with TLS when the certificate is accepted', async () => {
      expect(await imap({ host: starttlsOnly.host, port: starttlsOnly.imapPort, security: 'starttls', tlsRejectUnauthorized: false })).toMatchObject({ ok: true });
      expect(await imap({ port: implicit.imapsPort!, security: 'tls', tlsRejectUnauthorized: false })).toMatchObject({ ok: true });
    // a private authority trusted by its certificate, while the certificate is still checked
    expect(await imap({ port: implicit.imapsPort!, security: 'tls', tlsCa: implicit.certPem! })).toMatchObject({ ok: true });
    expect(await imap({ host: starttlsOnly.host, port: starttlsOnly.imapPort, security: 'starttls', tlsCa: implicit.certPem! })).toMatchObject({ ok: false, code: 'tls_failed' });
    });
    it('says a STARTTLS or plain connection reached an implicit-TLS port, instead of "no answer"', async () => {
      for (const security of ['starttls', 'none'] as const) {
        const r = await imap({ port: implicit.imapsPort!, security, connectionTimeoutSec: 1 });
        expectFailure(r, 'tls_expected');
        expect(r.message).toContain(`IMAP: the server at 127.0.0.1:${implicit.imapsPort} speaks TLS from the first byte (implicit TLS)`);
        expect(r.message).toContain('set security to TLS');
      }
    });
    it('verifies the certificate by default', async () => {
      const r = await imap({ port: implicit.imapsPort!, security: 'tls' });
      expectFailure(r, 'tls_failed');
      expect(r.message).toContain('self-signed certificate');
    });
  });

  describe('verifyPop3', () => {
    const pop3 = (over: Partial<Pop3Settings> = {}): Promise<CheckResult> =>
      verifyPop3({
        host: plain.host,
        port: plain.pop3Port,
        security: 'none',
        username: 'alice',
        password: PASSWORD,
        connectionTimeoutSec: 2,
        authTimeoutSec: 2,
        ...over,
      });

    it('passes with the right password', async () => {
      expect(await pop3()).toMatchObject({ protocol: 'pop3', ok: true });
    });
    it('reports a wrong password as auth_failed, without the password', async () => {
      const r = await pop3({ password: WRONG });
      expectFailure(r, 'auth_failed');
      expect(r.message).toMatch(/^POP3: authentication failed for user alice \(server said: /);
    });
    it('reports a closed port as connection_refused', async () => {
      const r = await pop3({ port: closed });
      expectFailure(r, 'connection_refused');
      expect(r.message).toBe(`POP3: connection refused by 127.0.0.1:${closed}`);
    });
    it('returns timeout promptly from a server that never answers, leaving nothing behind', async () => {
      const baseline = handles();
      const r = await pop3({ port: silent.port, connectionTimeoutSec: 1 });
      expectFailure(r, 'timeout');
      expect(r.message).toBe(`POP3: no answer from 127.0.0.1:${silent.port} within 1 s`);
      expect(r.durationMs).toBeLessThan(1000 + IMPLICIT_TLS_PROBE_MS + MARGIN_MS);
      await expectNoLeaks(baseline);
    });
    it('reports TLS against a plaintext port as tls_failed', async () => {
      expectFailure(await pop3({ security: 'tls' }), 'tls_failed');
    });
    it('reports STLS against a server without it as starttls_unavailable', async () => {
      expectFailure(await pop3({ security: 'starttls' }), 'starttls_unavailable');
    });
    it('does not send the password when the server requires TLS first', async () => {
      const r = await pop3({ host: starttlsOnly.host, port: starttlsOnly.pop3Port });
      expectFailure(r, 'tls_failed');
      expect(r.message).toContain('set security to STARTTLS or TLS');
    });
    it('passes with STLS and with TLS when the certificate is accepted', async () => {
      expect(await pop3({ host: starttlsOnly.host, port: starttlsOnly.pop3Port, security: 'starttls', tlsRejectUnauthorized: false })).toMatchObject({ ok: true });
      expect(await pop3({ port: implicit.pop3sPort!, security: 'tls', tlsRejectUnauthorized: false })).toMatchObject({ ok: true });
    expect(await pop3({ port: implicit.pop3sPort!, security: 'tls', tlsCa: implicit.certPem! })).toMatchObject({ ok: true });
    expect(await pop3({ host: starttlsOnly.host, port: starttlsOnly.pop3Port, security: 'starttls', tlsCa: implicit.certPem! })).toMatchObject({ ok: false, code: 'tls_failed' });
    });
    it('says a STARTTLS connection reached an implicit-TLS port', async () => {
      const r = await pop3({ port: implicit.pop3sPort!, security: 'starttls', connectionTimeoutSec: 1 });
      expectFailure(r, 'tls_expected');
      expect(r.message).toContain('speaks TLS from the first byte');
    });
    it('verifies the certificate by default', async () => {
      expectFailure(await pop3({ host: starttlsOnly.host, port: starttlsOnly.pop3Port, security: 'starttls' }), 'tls_failed');
    });
  });
});

describe('verifySmtp against smtp-server', () => {
  let plainSmtp: SmtpAuthServer;
  let starttlsSmtp: SmtpAuthServer;
  let secureSmtp: SmtpAuthServer;
  beforeAll(async () => {
    [plainSmtp, starttlsSmtp, secureSmtp] = await Promise.all([
      startSmtpAuthServer({ users }),
      startSmtpAuthServer({ users, starttls: true }),
      startSmtpAuthServer({ users, secure: true }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([plainSmtp?.stop(), starttlsSmtp?.stop(), secureSmtp?.stop()]);
  });
  const smtp = (over: Partial<SmtpSettings> = {}): Promise<CheckResult> =>
    verifySmtp({
      host: '127.0.0.1',
      port: plainSmtp.port,
      security: 'none',
      auth: true,
      username: 'alice',
      password: PASSWORD,
      connectionTimeoutSec: 2,
      ...over,
    });

  it('passes with the right password', async () => {
    expect(await smtp()).toMatchObject({ protocol: 'smtp', ok: true });
  });
  it('passes without auth when none is asked for', async () => {
    expect(await smtp({ auth: false, password: '' })).toMatchObject({ ok: true });
  });
  it('reports a wrong password as auth_failed, without the password', async () => {
    const r = await smtp({ password: WRONG });
    expectFailure(r, 'auth_failed');
    expect(r.message).toBe('SMTP: authentication failed for user alice (server said: 535 Invalid username or password)');
  });
  it('reports a closed port as connection_refused', async () => {
    const r = await smtp({ port: closed });
    expectFailure(r, 'connection_refused');
    expect(r.message).toBe(`SMTP: connection refused by 127.0.0.1:${closed}`);
  });
  it('returns timeout promptly from a server that never answers, leaving nothing behind', async () => {
    const baseline = handles();
    const r = await smtp({ port: silent.port, connectionTimeoutSec: 1 });
    expectFailure(r, 'timeout');
    expect(r.durationMs).toBeLessThan(1000 + IMPLICIT_TLS_PROBE_MS + MARGIN_MS);
    await expectNoLeaks(baseline);
  });
  it('reports TLS against a plaintext port as tls_failed', async () => {
    expectFailure(await smtp({ security: 'tls' }), 'tls_failed');
  });
  it('reports STARTTLS against a server without it as starttls_unavailable', async () => {
    const r = await smtp({ security: 'starttls' });
    expectFailure(r, 'starttls_unavailable');
    expect(r.message).toContain('does not offer STARTTLS');
  });
  it('reports a server that requires STARTTLS before AUTH as tls_failed', async () => {
    const r = await smtp({ port: starttlsSmtp.port });
    expectFailure(r, 'tls_failed');
    expect(r.message).toContain('set security to STARTTLS or TLS');
  });
  it('passes with STARTTLS and with TLS when the certificate is accepted', async () => {
    expect(await smtp({ port: starttlsSmtp.port, security: 'starttls', tlsRejectUnauthorized: false })).toMatchObject({ ok: true });
    expect(await smtp({ port: secureSmtp.port, security: 'tls', tlsRejectUnauthorized: false })).toMatchObject({ ok: true });
    // trusted through its certificate as a private authority; another server's certificate is no help
    expect(await smtp({ port: secureSmtp.port, security: 'tls', tlsCa: secureSmtp.certPem! })).toMatchObject({ ok: true });
    expect(await smtp({ port: secureSmtp.port, security: 'tls', tlsCa: starttlsSmtp.certPem! })).toMatchObject({ ok: false, code: 'tls_failed' });
  });
  it('verifies the certificate by default', async () => {
    expectFailure(await smtp({ port: secureSmtp.port, security: 'tls' }), 'tls_failed');
  });
});
