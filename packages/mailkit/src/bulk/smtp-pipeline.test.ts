import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { startSilentServer } from '../../../../test/peers/silent-server.ts';
import { startSmtpCapture, type SmtpCapture, type SmtpCaptureOptions } from '../../../../test/peers/smtp-capture.ts';
import { startSmtpSink, type SmtpSink, type SmtpSinkOptions } from '../../../../test/peers/smtp-sink.ts';
import { checkPeer } from '../../../../test/support/peers.ts';
import { SmtpPipelinePool } from './smtp-pipeline-pool.ts';
import { SmtpPipeline, SmtpPipelineError, type PipelineAccount, type PipelineResult } from './smtp-pipeline.ts';

const PASSWORD = 'c0rrect-Horse-9';
const account = (port: number, patch: Partial<PipelineAccount> = {}): PipelineAccount => ({
  host: '127.0.0.1',
  port,
  security: 'none',
  connectionTimeoutMs: 2_000,
  clientName: 'dialer.test',
  ...patch,
});
const message = (n: number, extra = ''): string => `From: news@acme.test\r\nTo: r${n}@example.test\r\nMessage-ID: <m${n}@acme.test>\r\nSubject: n${n}\r\n\r\nHello ${n}\r\n${extra}`;

async function openFails(acc: PipelineAccount): Promise<SmtpPipelineError> {
  try {
    const s = await SmtpPipeline.open(acc);
    s.destroy();
  } catch (err) {
    expect(err).toBeInstanceOf(SmtpPipelineError);
    return err as SmtpPipelineError;
  }
  throw new Error('the connection opened');
}

describe.skipIf(!checkPeer('smtp-sink').available)('SmtpPipeline against Postfix smtp-sink', () => {
  const sinks: SmtpSink[] = [];
  const sink = async (opts: SmtpSinkOptions = {}): Promise<SmtpSink> => {
    const s = await startSmtpSink(opts);
    sinks.push(s);
    return s;
  };
  afterAll(async () => {
    await Promise.all(sinks.map((s) => s.stop()));
  });

  it('sends many messages pipelined over several connections, each once, lines starting with "." intact', async () => {
    const s = await sink();
    const pool = new SmtpPipelinePool(account(s.port), 3);
    const results = await Promise.all(
      Array.from({ length: 120 }, (_, i) => pool.send({ from: 'bounce@acme.test', to: `r${i}@example.test`, data: message(i, '.dot line\r\n..two dots\r\n') })),
    );
    await pool.close();
    expect(results.filter((r) => !r.ok)).toEqual([]);
    const got = await s.waitForMessages(120);
    const byId = new Map(got.map((m) => [/Message-ID: <(m\d+)@/.exec(m.content)?.[1], m]));
    expect(byId.size).toBe(120);
    const m7 = byId.get('m7')!;
    expect(m7.rcptTo).toEqual(['<r7@example.test>']);
    expect(m7.content).toBe(message(7, '.dot line\r\n..two dots\r\n').replace(/\r\n/g, '\n'));
  });

  it('fails every waiting message temporarily when the server answers 421 and hangs up', async () => {
    const s = await sink({ disconnect: ['RCPT'] });
    const session = await SmtpPipeline.open(account(s.port));
    const results = await Promise.all([1, 2, 3].map((n) => session.send({ from: 'bounce@acme.test', to: `r${n}@example.test`, data: message(n) })));
    for (const r of results) expect(r).toMatchObject({ ok: false, permanent: false, scope: 'account', delivery: 'not_sent' });
    expect(results[0]).toMatchObject({ smtpCode: 421 });
    expect(session.isOpen).toBe(false);
  });

  it('reports a refusal at the end of DATA per message and keeps the connection', async () => {
    const s = await sink({ hardReject: ['.'], hardReply: '554 5.7.1 content refused' });
    const session = await SmtpPipeline.open(account(s.port));
    const r = await session.send({ from: 'bounce@acme.test', to: 'r1@example.test', data: message(1) });
    expect(r).toMatchObject({ ok: false, permanent: true, scope: 'message', smtpCode: 554, delivery: 'not_sent' });
    expect(session.isOpen).toBe(true);
    await session.close();
  });
});

describe('SmtpPipeline against an smtp-server that refuses chosen recipients', () => {
  const servers: SmtpCapture[] = [];
  const capture = async (opts: SmtpCaptureOptions = {}): Promise<SmtpCapture> => {
    const s = await startSmtpCapture(opts);
    servers.push(s);
    return s;
  };
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });
  const refuse = {
    'busy@example.test': { code: 450, message: 'mailbox busy, try later' },
    'gone@example.test': { code: 550, message: 'no such user' },
  };
  const recipients = ['a@example.test', 'busy@example.test', 'b@example.test', 'gone@example.test', 'c@example.test'];

  const cases: Array<[string, SmtpCaptureOptions]> = [
    ['pipelined', { refuse }],
    ['one command at a time (no PIPELINING)', { refuse, noPipelining: true }],
  ];
  it.each(cases)('%s: each refusal is that message’s result, and the messages after it still go', async (_name, opts) => {
    const s = await capture(opts);
    const session = await SmtpPipeline.open(account(s.port));
    expect(session.capabilities.pipelining).toBe(opts.noPipelining !== true);
    const results = await Promise.all(recipients.map((to, n) => session.send({ from: 'bounce@acme.test', to, data: message(n) })));
    await session.close();
    expect(results.map((r) => (r.ok ? 'ok' : `${r.smtpCode} ${r.permanent ? 'permanent' : 'temporary'} ${r.scope}`))).toEqual([
      'ok',
      '450 temporary message',
      'ok',
      '550 permanent message',
      'ok',
    ]);
    expect((results[1] as Extract<PipelineResult, { ok: false }>).response).toContain('RCPT TO: 450');
    expect(s.messages.map((m) => m.to)).toEqual([['a@example.test'], ['b@example.test'], ['c@example.test']]);
  });

  const logins: Array<[string, SmtpCaptureOptions, Partial<PipelineAccount>]> = [
    ['AUTH PLAIN', { users: { dialer: PASSWORD } }, { auth: { user: 'dialer', pass: PASSWORD } }],
    ['AUTH LOGIN', { users: { dialer: PASSWORD } }, { auth: { user: 'dialer', pass: PASSWORD, method: 'LOGIN' } }],
    ['STARTTLS then AUTH', { users: { dialer: PASSWORD }, starttls: true }, { security: 'starttls', tlsRejectUnauthorized: false, auth: { user: 'dialer', pass: PASSWORD } }],
    ['TLS from the first byte', { users: { dialer: PASSWORD }, secure: true }, { security: 'tls', tlsRejectUnauthorized: false, auth: { user: 'dialer', pass: PASSWORD } }],
    ['XOAUTH2', { oauthTokens: { dialer: 'tok-123' } }, { auth: { user: 'dialer', method: 'XOAUTH2', accessToken: async () => 'tok-123' } }],
  ];
  it.each(logins)('%s: logs in and sends', async (_name, opts, patch) => {
    const s = await capture(opts);
    const session = await SmtpPipeline.open(account(s.port, patch));
    const r = await session.send({ from: 'bounce@acme.test', to: 'a@example.test', data: message(1) });
    await session.close();
    expect(r.ok).toBe(true);
    expect(s.messages).toHaveLength(1);
  });

  const refusedLogins: Array<[string, SmtpCaptureOptions, Partial<PipelineAccount>, string]> = [
    ['a wrong password', { users: { dialer: PASSWORD } }, { auth: { user: 'dialer', pass: `${PASSWORD}x` } }, `${PASSWORD}x`],
    ['a refused access token', { oauthTokens: { dialer: 'tok-123' } }, { auth: { user: 'dialer', method: 'XOAUTH2', accessToken: async () => 'tok-bad-456' } }, 'tok-bad-456'],
  ];
  it.each(refusedLogins)('%s: a permanent account failure that never shows the secret', async (_name, opts, patch, secret) => {
    const s = await capture(opts);
    const err = await openFails(account(s.port, patch));
    expect(err.failure).toMatchObject({ code: 'auth_failed', permanent: true, scope: 'account', smtpCode: 535 });
    expect(JSON.stringify(err.failure) + err.message).not.toContain(secret);
  });

  it('refuses a server certificate it cannot verify unless told otherwise', async () => {
    const s = await capture({ secure: true });
    const err = await openFails(account(s.port, { security: 'tls' }));
    expect(err.failure).toMatchObject({ code: 'tls_failed', scope: 'account', permanent: false });
  });

  it('STARTTLS required but not offered: refuses to go on in plaintext', async () => {
    const s = await capture({ users: { dialer: PASSWORD } });
    const err = await openFails(account(s.port, { security: 'starttls', auth: { user: 'dialer', pass: PASSWORD } }));
    expect(err.failure).toMatchObject({ code: 'tls_failed', scope: 'account' });
  });
});

describe('SmtpPipeline timeouts', () => {
  it('a server that never greets: opening fails with a timeout', async () => {
    const silent = await startSilentServer();
    try {
      const err = await openFails(account(silent.port, { connectionTimeoutMs: 200 }));
      expect(err.failure).toMatchObject({ code: 'timeout', scope: 'account', permanent: false });
    } finally {
      await silent.stop();
    }
  });

  it('a server that stops answering after the content: that message may have been delivered, the next was not sent', async () => {
    // a minimal server: answers everything, then goes silent after the first "."
    let seenDot = false;
    const server = net.createServer((socket) => {
      socket.write('220 stall.test ESMTP\r\n');
      let buffer = '';
      let inData = false;
      socket.on('data', (chunk) => {
        buffer += chunk.toString('latin1');
        let nl: number;
        while ((nl = buffer.indexOf('\r\n')) >= 0) {
          const l = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 2);
          if (inData) {
            if (l === '.') {
              inData = false;
              seenDot = true;
            }
            continue;
          }
          if (seenDot) continue;
          if (l.startsWith('EHLO')) socket.write('250-stall.test\r\n250 PIPELINING\r\n');
          else if (l === 'DATA') {
            inData = true;
            socket.write('354 go on\r\n');
          } else socket.write('250 ok\r\n');
        }
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const session = await SmtpPipeline.open(account(port, { replyTimeoutMs: 300 }));
      const [first, second] = await Promise.all([1, 2].map((n) => session.send({ from: 'bounce@acme.test', to: `r${n}@example.test`, data: message(n) })));
      expect(first).toMatchObject({ ok: false, code: 'timeout', delivery: 'unknown' });
      expect(second).toMatchObject({ ok: false, code: 'timeout', delivery: 'not_sent' });
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
