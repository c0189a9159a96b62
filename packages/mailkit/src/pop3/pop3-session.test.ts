import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotPeer } from '../../../../test/peers/dovecot.ts';
import { closedPort, startSilentServer, type SilentServer } from '../../../../test/peers/silent-server.ts';
import { checkPeer } from '../../../../test/support/peers.ts';
import { classifyError } from '../verify/classify-error.ts';
import type { Pop3Settings } from '../verify/types.ts';
import { Pop3Error, type Pop3ErrorCode } from './pop3-error.ts';
import { openPop3Session, TOO_LARGE_DRAIN_BYTES, type Pop3Session } from './pop3-session.ts';

const PASSWORD = 'c0rrect-Horse-9';
const WRONG = 'Wr0ng-Pa55-xyzzy';
// how late a timed-out operation may settle beyond its limit: wide, since a loaded machine runs timers late,
// yet short of the next bound a broken timeout would fall back to (the
// sessions' 3 s connection limit, the peers' silence), so it still proves
// which limit ended the wait. Not a speed check.
const MARGIN_MS = 2_000;

const handles = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TLSWrap').length;
async function expectNoSocketsLeft(baseline: number): Promise<void> {
  for (let i = 0; i < 25 && handles() > baseline; i++) await new Promise((r) => setTimeout(r, 20));
  expect(handles()).toBeLessThanOrEqual(baseline);
}

async function rejection(promise: Promise<unknown>): Promise<Pop3Error> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(Pop3Error);
    return err as Pop3Error;
  }
  throw new Error('expected a rejection');
}

async function expectCode(promise: Promise<unknown>, code: Pop3ErrorCode): Promise<Pop3Error> {
  const err = await rejection(promise);
  expect(err.code, err.message).toBe(code);
  expect(`${err.message} ${err.serverText ?? ''}`).not.toContain(PASSWORD);
  expect(`${err.message} ${err.serverText ?? ''}`).not.toContain(WRONG);
  return err;
}

const crlf = (...lines: string[]): Buffer => Buffer.from(lines.map((l) => `${l}\r\n`).join(''), 'utf8');

// Test messages, each CRLF throughout and ending in CRLF, so Dovecot hands back the very same bytes.
const dots = crlf(
  'From: a@example.com',
  'To: alice@example.com',
  'Subject: dots',
  '',
  '.leading dot',
  '..two dots',
  '.',
  '. space',
  '...',
  'middle . dot',
  '.',
  'end',
);
const eightBit = Buffer.concat([
  crlf('From: b@example.com', 'To: alice@example.com', 'Subject: =?utf-8?q?8bit?=', 'Content-Transfer-Encoding: 8bit', ''),
  Buffer.from('caf\u00e9 \u00fcber \u2603 \ud83d\udce8\r\n', 'utf8'),
  // every byte but NUL, CR and LF, in lines that may start with a dot
  Buffer.from([...Array.from({ length: 255 }, (_, i) => i + 1)].filter((b) => b !== 0x0a && b !== 0x0d)),
  Buffer.from('\r\n.\xe9\xff\r\n', 'latin1'),
  // longer than any status line may be: bodies have no line limit
  Buffer.from(`${'x'.repeat(20_000)}\r\n`),
]);
const plainCrlf = crlf('From: c@example.com', 'To: alice@example.com', 'Subject: plain', '', 'hello', '', 'world');
// ~5 MB of 76-character lines, every 7th starting with a dot
const big = Buffer.concat([
  crlf('From: d@example.com', 'To: alice@example.com', 'Subject: big', ''),
  Buffer.from(
    Array.from({ length: 66_000 }, (_, i) => `${i % 7 === 0 ? '.' : ''}${randomBytes(57).toString('base64')}`.slice(0, 76)).join('\r\n') + '\r\n',
  ),
]);

// a few hundred KB of the big one, cut at a line end
const medium = (): Buffer => big.subarray(0, big.lastIndexOf('\r\n', 300_000) + 2);

async function append(peer: DovecotPeer, user: string, messages: Buffer[], tls = false): Promise<void> {
  const client = new ImapFlow({
    host: peer.host,
    port: peer.imapPort,
    secure: false,
    auth: { user, pass: PASSWORD },
    logger: false,
    ...(tls ? { tls: { rejectUnauthorized: false } } : {}),
  });
  await client.connect();
  try {
    for (const raw of messages) await client.append('INBOX', raw);
  } finally {
    await client.logout();
  }
}

describe.skipIf(!checkPeer('dovecot').available)('openPop3Session against Dovecot', () => {
  let plain: DovecotPeer;
  let starttlsOnly: DovecotPeer;
  let implicit: DovecotPeer;
  let silent: SilentServer;
  const settings = (over: Partial<Pop3Settings> = {}): Pop3Settings => ({
    host: plain.host,
    port: plain.pop3Port,
    security: 'none',
    username: 'alice',
    password: PASSWORD,
    connectionTimeoutSec: 3,
    authTimeoutSec: 3,
    ...over,
  });
  const sessions: Pop3Session[] = [];
  const open = async (over: Partial<Pop3Settings> = {}): Promise<Pop3Session> => {
    const s = await openPop3Session(settings(over));
    sessions.push(s);
    return s;
  };
  const messages = [dots, eightBit, plainCrlf, big];

  beforeAll(async () => {
    [plain, starttlsOnly, implicit, silent] = await Promise.all([
      startDovecot({ users: { alice: PASSWORD, bob: PASSWORD } }),
      startDovecot({ users: { alice: PASSWORD }, tls: 'starttls-only' }),
      startDovecot({ users: { alice: PASSWORD }, tls: 'implicit' }),
      startSilentServer(),
    ]);
    await append(plain, 'alice', messages);
    await append(plain, 'bob', [plainCrlf, dots, eightBit]);
    await append(starttlsOnly, 'alice', [dots, eightBit, medium()], true);
  });
  afterAll(async () => {
    for (const s of sessions) s.close();
    await Promise.all([plain?.stop(), starttlsOnly?.stop(), implicit?.stop(), silent?.stop()]);
  });

  it('lists and retrieves every message byte for byte', async () => {
    const s = await open();
    const uidl = await s.uidl();
    expect(uidl.map((e) => e.msg)).toEqual([1, 2, 3, 4]);
    expect(new Set(uidl.map((e) => e.uid)).size).toBe(4);
    const list = await s.list();
    expect(list).toEqual(messages.map((m, i) => ({ msg: i + 1, size: m.length })));
    for (const [i, expected] of messages.entries()) {
      const got = await s.retr(i + 1);
      expect(got.length).toBe(expected.length);
      expect(got.equals(expected), `message ${i + 1}`).toBe(true);
    }
    await s.quit();
    expect(s.closed).toBe(true);
  });

  it('pipelines commands issued together and keeps each reply apart', async () => {
    const s = await open();
    expect(s.capabilities?.has('PIPELINING')).toBe(true);
    const [uidl, list, ...bodies] = await Promise.all([s.uidl(), s.list(), ...[4, 1, 3, 2, 1].map((n) => s.retr(n))]);
    expect(uidl).toHaveLength(4);
    expect(list).toHaveLength(4);
    expect(bodies.map((b) => b.toString('latin1'))).toEqual([big, dots, plainCrlf, eightBit, dots].map((b) => b.toString('latin1')));
    s.close();
  });

  it('gives the same UIDs in every session', async () => {
    const first = await open();
    const a = await first.uidl();
    await first.quit();
    const second = await open();
    expect(await second.uidl()).toEqual(a);
    second.close();
  });

  it('refuses a message over maxBytes and stays usable', async () => {
    const s = await open();
    const err = await expectCode(s.retr(4, { maxBytes: 1_000_000 }), 'too_large');
    expect(classifyError(err)).toBe('protocol_error');
    expect(s.closed).toBe(false);
    expect((await s.retr(1, { maxBytes: dots.length })).equals(dots)).toBe(true);
    await expectCode(s.retr(99), 'command_refused');
    expect((await s.retr(3)).equals(plainCrlf)).toBe(true);
    s.close();
  });

  it('applies deletions on quit only, and close rolls them back', async () => {
    const before = await open({ username: 'bob' });
    const uids = await before.uidl();
    expect(uids).toHaveLength(3);
    await before.dele(2);
    await expectCode(before.retr(2), 'command_refused');
    before.close();
    expect(before.closed).toBe(true);
    await expectCode(before.uidl(), 'session_closed');

    const kept = await open({ username: 'bob' });
    expect(await kept.uidl()).toEqual(uids);
    await kept.dele(2);
    await kept.quit();
    await expectCode(kept.list(), 'session_closed');

    const after = await open({ username: 'bob' });
    const left = await after.uidl();
    expect(left.map((e) => e.uid)).toEqual([uids[0]!.uid, uids[2]!.uid]);
    expect((await after.retr(2)).equals(eightBit)).toBe(true);
    after.close();
  });

  it('reports a wrong password as auth_failed with the server words', async () => {
    const err = await expectCode(openPop3Session(settings({ password: WRONG })), 'auth_failed');
    expect(classifyError(err)).toBe('auth_failed');
    expect(err.serverText).toMatch(/auth/i);
  });

  it('logs in with STLS and reads the same bytes over TLS', async () => {
    const s = await open({ host: starttlsOnly.host, port: starttlsOnly.pop3Port, security: 'starttls', tlsRejectUnauthorized: false });
    expect(await s.list()).toHaveLength(3);
    expect((await s.retr(1)).equals(dots)).toBe(true);
    expect((await s.retr(2)).equals(eightBit)).toBe(true);
    expect((await s.retr(3)).equals(medium())).toBe(true);
    await s.quit();
  });

  it('never sends the password in the clear to a server that offers only STLS', async () => {
    const err = await expectCode(openPop3Session(settings({ host: starttlsOnly.host, port: starttlsOnly.pop3Port })), 'tls_failed');
    expect(err.message).toBe('the server requires TLS before login');
  });

  it('verifies the certificate by default', async () => {
    await expectCode(openPop3Session(settings({ host: starttlsOnly.host, port: starttlsOnly.pop3Port, security: 'starttls' })), 'tls_failed');
  });

  it('reports STLS on a server without it as starttls_unavailable', async () => {
    await expectCode(openPop3Session(settings({ security: 'starttls' })), 'starttls_unavailable');
  });

  it('speaks TLS from the first byte', async () => {
    const s = await open({ port: implicit.pop3sPort!, security: 'tls', tlsRejectUnauthorized: false });
    expect(await s.uidl()).toEqual([]);
    await s.quit();
  });

  it('reports a closed port as connection_refused', async () => {
    const err = await expectCode(openPop3Session(settings({ port: await closedPort() })), 'connection_refused');
    expect(classifyError(err)).toBe('connection_refused');
  });

  it('times out on a silent server within the connection timeout, leaving no socket behind', async () => {
    const baseline = handles();
    const started = Date.now();
    const err = await expectCode(openPop3Session(settings({ port: silent.port, connectionTimeoutSec: 1 })), 'timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeLessThan(1000 + MARGIN_MS);
    expect(err.message).toBe(`no answer from 127.0.0.1:${silent.port} within 1 s`);
    await expectNoSocketsLeft(baseline);
  });

  it('stops connecting when the signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    await expectCode(openPop3Session(settings({ port: silent.port }), { signal: controller.signal }), 'aborted');
    expect(Date.now() - started).toBeLessThan(100 + MARGIN_MS);
  });
});

// A POP3 server scripted by the test, for what Dovecot will not do: stay
// silent mid-reply, trickle bytes, lie about UIDL, announce huge messages.
interface Scripted {
  port: number;
  stop(): Promise<void>;
}
type Handler = (command: string, socket: net.Socket) => void;

async function startScripted(handle: Handler, capa = ['USER', 'UIDL']): Promise<Scripted> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.write('+OK scripted ready\r\n');
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      let at: number;
      while ((at = pending.indexOf('\r\n')) >= 0) {
        const command = pending.slice(0, at);
        pending = pending.slice(at + 2);
        if (command === 'CAPA') socket.write(`+OK\r\n${capa.map((c) => `${c}\r\n`).join('')}.\r\n`);
        else if (command.startsWith('USER ') || command.startsWith('PASS ')) socket.write('+OK\r\n');
        else if (command === 'QUIT') socket.end('+OK bye\r\n');
        else handle(command, socket);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    stop: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function trickle(socket: net.Socket, data: Buffer, size: number, pauseMs: number): Promise<void> {
  for (let at = 0; at < data.length && !socket.destroyed; at += size) {
    socket.write(data.subarray(at, at + size));
    await sleep(pauseMs);
  }
}

describe('openPop3Session against a scripted server', () => {
  const servers: Scripted[] = [];
  const scripted = async (handle: Handler, capa?: string[]): Promise<Pop3Settings> => {
    const server = await startScripted(handle, capa);
    servers.push(server);
    return { host: '127.0.0.1', port: server.port, security: 'none', username: 'u', password: PASSWORD, connectionTimeoutSec: 2, authTimeoutSec: 2 };
  };
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('reads replies split into single bytes and several replies in one packet', async () => {
    const body = crlf('Subject: t', '', '.x', 'y');
    const stuffed = crlf('Subject: t', '', '..x', 'y', '.');
    const replies: Buffer[] = [];
    const settings = await scripted((command, socket) => {
      if (command === 'UIDL') void trickle(socket, crlf('+OK', '1 aaa', '2 bbb', '.'), 1, 1);
      // answer the three pipelined commands in one write once all have arrived
      else {
        replies.push(command === 'LIST' ? crlf('+OK', '1 10', '2 20', '.') : Buffer.concat([crlf('+OK 13 octets'), stuffed]));
        if (replies.length === 3) socket.write(Buffer.concat(replies));
      }
    }, ['USER', 'UIDL', 'PIPELINING']);
    const s = await openPop3Session(settings);
    expect(await s.uidl()).toEqual([
      { msg: 1, uid: 'aaa' },
      { msg: 2, uid: 'bbb' },
    ]);
    const [list, one, two] = await Promise.all([s.list(), s.retr(1), s.retr(2)]);
    expect(list).toEqual([
      { msg: 1, size: 10 },
      { msg: 2, size: 20 },
    ]);
    expect(one.equals(body)).toBe(true);
    expect(two.equals(body)).toBe(true);
    await s.quit();
  });

  it('reports a -ERR to UIDL as uidl_unsupported and a malformed listing as protocol_error, staying usable', async () => {
    let uidlCalls = 0;
    const settings = await scripted((command, socket) => {
      if (command === 'UIDL') socket.write(uidlCalls++ === 0 ? '-ERR unknown command\r\n' : '+OK\r\n1 good\r\n2 bad uid\r\n3 \x01\r\n1 again\r\n.\r\n');
      else if (command === 'LIST') socket.write('+OK\r\n1 100\r\n.\r\n');
    });
    const s = await openPop3Session(settings);
    const unsupported = await expectCode(s.uidl(), 'uidl_unsupported');
    expect(unsupported.serverText).toBe('unknown command');
    const malformed = await expectCode(s.uidl(), 'protocol_error');
    expect(malformed.serverText).toBe('2 bad uid');
    expect(await s.list()).toEqual([{ msg: 1, size: 100 }]);
    await expect(s.retr(0)).rejects.toBeInstanceOf(RangeError);
    await expect(s.dele(1.5)).rejects.toBeInstanceOf(RangeError);
    expect(s.closed).toBe(false);
    s.close();
  });

  it('bounds a reply by commandTimeoutMs and closes the session', async () => {
    const settings = await scripted(() => undefined);
    const s = await openPop3Session(settings, { commandTimeoutMs: 300 });
    const started = Date.now();
    const err = await expectCode(s.uidl(), 'timeout');
    expect(err.message).toBe('UIDL: no reply within 300 ms');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(300 + MARGIN_MS);
    expect(s.closed).toBe(true);
    await expectCode(s.list(), 'session_closed');
  });

  it('bounds a body by progress, not by its total time', async () => {
    const body = crlf(...Array.from({ length: 40 }, (_, i) => `line ${i} ${'z'.repeat(50)}`));
    const settings = await scripted((command, socket) => {
      if (command === 'RETR 1') void trickle(socket, Buffer.concat([crlf('+OK'), body, crlf('.')]), 200, 100); // ~1.2 s in all, a piece every 100 ms
      else if (command === 'RETR 2') socket.write(Buffer.concat([crlf('+OK'), body.subarray(0, 500)])); // then silence
    });
    // the bound is five gaps wide, so a busy machine's pauses do not read as silence
    const s = await openPop3Session(settings, { commandTimeoutMs: 500 });
    const started = Date.now();
    expect((await s.retr(1)).equals(body)).toBe(true);
    expect(Date.now() - started).toBeGreaterThan(1_000); // longer than the bound in all
    const err = await expectCode(s.retr(2), 'timeout');
    expect(err.message).toBe('RETR 2: the server sent nothing for 500 ms');
    expect(s.closed).toBe(true);
  });

  it('closes the session when a too-large message is not worth draining', async () => {
    const huge = Buffer.alloc(TOO_LARGE_DRAIN_BYTES + 2_000_000, 'a');
    const settings = await scripted((command, socket) => {
      if (command === 'RETR 1') socket.write('+OK 999999999 octets\r\n');
      else if (command === 'RETR 2') socket.write(Buffer.concat([crlf('+OK'), huge, crlf('', '.')]));
    });
    const announced = await openPop3Session(settings);
    await expectCode(announced.retr(1, { maxBytes: 1000 }), 'too_large');
    expect(announced.closed).toBe(true);

    const streamed = await openPop3Session(settings);
    const err = await expectCode(streamed.retr(2, { maxBytes: 1000 }), 'too_large');
    expect(err.message).toContain('connection closed');
    expect(streamed.closed).toBe(true);
  });

  it('rejects pending commands with aborted when the signal fires', async () => {
    const settings = await scripted(() => undefined);
    const controller = new AbortController();
    const baseline = handles();
    const s = await openPop3Session(settings, { signal: controller.signal });
    const pending = s.uidl();
    const queued = s.list();
    setTimeout(() => controller.abort(), 50);
    await expectCode(pending, 'aborted');
    await expectCode(queued, 'aborted');
    expect(s.closed).toBe(true);
    await expectNoSocketsLeft(baseline);
  });

  it('refuses a password with a line break before connecting', async () => {
    const settings = await scripted(() => undefined);
    await expectCode(openPop3Session({ ...settings, password: 'a\r\nDELE 1' }), 'auth_failed');
  });
});
