import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, startSilentServer, type SilentServer } from '../../../../test/peers/silent-server.ts';
import { startSmtpSink, type SmtpSink, type SmtpSinkOptions } from '../../../../test/peers/smtp-sink.ts';
import { checkPeer } from '../../../../test/support/peers.ts';
import { composeMessage, messageEnvelope, type ComposeInput } from '../compose/index.ts';
import { createMessageId } from '../threading/index.ts';
import { sendRaw, type SendResult, type SmtpAccount } from './send-raw.ts';

const PASSWORD = 'c0rrect-Horse-9';
const account = (port: number, patch: Partial<SmtpAccount> = {}): SmtpAccount => ({
  host: '127.0.0.1',
  port,
  security: 'none',
  connectionTimeoutMs: 1_000,
  ...patch,
});
const simpleRaw = Buffer.from('From: agent@support.example\r\nTo: ana@customer.example\r\nSubject: hi\r\n\r\nHello\r\n');
const envelope = { from: 'agent@support.example', to: ['ana@customer.example'] };

function expectFailure(result: SendResult, expected: Record<string, unknown>): void {
  expect(result, JSON.stringify(result)).toMatchObject({ ok: false, ...expected });
  expect(JSON.stringify(result)).not.toContain(PASSWORD);
}

// Sockets and timers alive in this process, to show a send leaves none behind.
const handles = (): { sockets: number; timers: number } => {
  const info = process.getActiveResourcesInfo();
  return { sockets: info.filter((r) => r === 'TCPSocketWrap' || r === 'TLSWrap').length, timers: info.filter((r) => r === 'Timeout').length };
};

describe.skipIf(!checkPeer('smtp-sink').available)('sendRaw against Postfix smtp-sink', () => {
  const sinks: SmtpSink[] = [];
  const sink = async (opts: SmtpSinkOptions = {}): Promise<SmtpSink> => {
    const s = await startSmtpSink(opts);
    sinks.push(s);
    return s;
  };
  afterAll(async () => {
    await Promise.all(sinks.map((s) => s.stop()));
  });

  it('delivers a composed message byte for byte, Bcc only in the envelope', async () => {
    const peer = await sink();
    const input: ComposeInput = {
      from: { address: 'agent@support.example', name: 'Zoë from Support' },
      to: [{ address: 'ana@customer.example', name: 'Ana Núñez' }],
      bcc: [{ address: 'audit@support.example' }],
      subject: 'Réclamation [#SUP-12]',
      text: 'Hello Ana,\n.\n..a line that starts with dots\nBye',
      html: '<p>Hello Ana</p>',
      messageId: createMessageId({ interactionId: '12', domain: 'support.example', secret: 's'.repeat(32) }),
      inReplyTo: 'c1@customer.example',
      references: ['c1@customer.example'],
      autoSubmitted: 'auto-replied',
      headers: { 'X-Postdesk-Interaction': '12' },
      attachments: [{ filename: 'note.txt', contentType: 'text/plain', content: Buffer.from('attached\r\n.\r\n') }],
      date: new Date('2026-03-04T05:06:07Z'),
    };
    const raw = await composeMessage(input);
    const result = await sendRaw(account(peer.port), messageEnvelope(input), raw);
    expect(result).toEqual({ ok: true, response: '250 2.0.0 Ok', accepted: ['ana@customer.example', 'audit@support.example'], rejected: [] });

    const [got] = await peer.waitForMessages(1);
    // smtp-sink stores LF line ends and undoes dot-stuffing: otherwise the bytes are ours
    expect(got!.content).toBe(raw.toString('latin1').replace(/\r\n/g, '\n'));
    expect(got!.mailFrom).toBe('<agent@support.example>');
    expect(got!.rcptTo).toEqual(['<ana@customer.example>', '<audit@support.example>']);
    const parsed = await simpleParser(got!.content);
    expect(parsed.messageId).toBe(`<${input.messageId}>`);
    expect(parsed.headers.get('x-postdesk-interaction')).toBe('12');
    expect(parsed.headers.get('auto-submitted')).toBe('auto-replied');
    expect(parsed.subject).toBe('Réclamation [#SUP-12]');
    expect(got!.content).not.toContain('audit@support.example');
  });

  it('logs in when a username is set, and keeps the password out of the result', async () => {
    const peer = await sink();
    const result = await sendRaw(account(peer.port, { username: 'agent', password: PASSWORD }), envelope, simpleRaw);
    expect(result).toMatchObject({ ok: true, accepted: ['ana@customer.example'] });
    expect(JSON.stringify(result)).not.toContain(PASSWORD);
  });

  it('a 550 to RCPT is a permanent rejection of the message', async () => {
    const peer = await sink({ hardReject: ['RCPT'], hardReply: '550 5.1.1 <ana@customer.example>: Recipient address rejected' });
    expectFailure(await sendRaw(account(peer.port), envelope, simpleRaw), { permanent: true, scope: 'message', code: 'rejected', smtpCode: 550 });
    expect(await peer.messages()).toEqual([]);
  });

  it('a 451 to RCPT is a temporary rejection', async () => {
    const peer = await sink({ softReject: ['RCPT'], softReply: '451 4.7.1 Greylisted, try again later' });
    const result = await sendRaw(account(peer.port), envelope, simpleRaw);
    expectFailure(result, { permanent: false, scope: 'message', code: 'rejected', smtpCode: 451, response: '451 4.7.1 Greylisted, try again later' });
  });

  it('a 554 after the data is a permanent rejection', async () => {
    const peer = await sink({ hardReject: ['.'], hardReply: '554 5.7.1 Message rejected as spam' });
    expectFailure(await sendRaw(account(peer.port), envelope, simpleRaw), { permanent: true, scope: 'message', code: 'rejected', smtpCode: 554 });
  });

  it('a 421 hang-up holds the account back, temporarily', async () => {
    const peer = await sink({ disconnect: ['MAIL'] });
    expectFailure(await sendRaw(account(peer.port), envelope, simpleRaw), { permanent: false, scope: 'account', code: 'rejected', smtpCode: 421 });
  });

  it('a 535 is an auth failure for the admin, with any echoed password struck out', async () => {
    const echoed = Buffer.from(PASSWORD).toString('base64');
    const peer = await sink({ hardReject: ['AUTH'], hardReply: `535 5.7.8 Authentication failed for ${PASSWORD} ${echoed}` });
    const result = await sendRaw(account(peer.port, { username: 'agent', password: PASSWORD }), envelope, simpleRaw);
    expectFailure(result, { permanent: true, scope: 'account', code: 'auth_failed', smtpCode: 535 });
    expect(JSON.stringify(result)).not.toContain(echoed);
    expect(result.response).toContain('***');
  });

  it('logs in even when AUTH is not announced, so a relay cannot silently refuse', async () => {
    // not announced and refused: had the login been skipped, the message would have gone through
    const peer = await sink({ noAuth: true, hardReject: ['AUTH'], hardReply: '535 5.7.8 Authentication failed' });
    const result = await sendRaw(account(peer.port, { username: 'agent', password: PASSWORD }), envelope, simpleRaw);
    expectFailure(result, { permanent: true, scope: 'account', code: 'auth_failed' });
  });

  it('starttls against a server without STARTTLS fails as TLS, never falls back to plaintext', async () => {
    const peer = await sink();
    expectFailure(await sendRaw(account(peer.port, { security: 'starttls' }), envelope, simpleRaw), { permanent: false, scope: 'account', code: 'tls_failed' });
    expect(await peer.messages()).toEqual([]);
  });

  it('implicit TLS to a plaintext port fails as TLS', async () => {
    const peer = await sink();
    expectFailure(await sendRaw(account(peer.port, { security: 'tls' }), envelope, simpleRaw), { permanent: false, scope: 'account', code: 'tls_failed' });
  });
});

describe('sendRaw without a server', () => {
  let silent: SilentServer;
  beforeAll(async () => {
    silent = await startSilentServer();
  });
  afterAll(async () => {
    await silent?.stop();
  });

  it('a closed port is a temporary connection failure', async () => {
    expectFailure(await sendRaw(account(await closedPort()), envelope, simpleRaw), { permanent: false, scope: 'account', code: 'connection_failed' });
  });

  it('a server that never greets is a timeout, within the connection limit', async () => {
    const started = Date.now();
    expectFailure(await sendRaw(account(silent.port, { connectionTimeoutMs: 300 }), envelope, simpleRaw), { permanent: false, code: 'timeout' });
    // the library timer is ours plus a 1 s backstop
    expect(Date.now() - started).toBeLessThan(300 + 1_000 + 500);
  });

  it('the hard cap ends the attempt whatever the library timers say', async () => {
    const before = handles();
    const started = Date.now();
    const result = await sendRaw(account(silent.port, { connectionTimeoutMs: 20_000, sendTimeoutMs: 200 }), envelope, simpleRaw);
    expectFailure(result, { permanent: false, code: 'timeout' });
    expect(result.response).toContain('200 ms');
    expect(Date.now() - started).toBeLessThan(1_000);
    for (let i = 0; i < 25 && handles().sockets > before.sockets; i++) await new Promise((r) => setTimeout(r, 20));
    expect(handles().sockets).toBeLessThanOrEqual(before.sockets);
    expect(handles().timers).toBeLessThanOrEqual(before.timers);
  });

  it('the caller can abort an attempt (graceful shutdown)', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const result = await sendRaw(account(silent.port, { connectionTimeoutMs: 20_000 }), envelope, simpleRaw, { signal: controller.signal });
    expectFailure(result, { permanent: false, code: 'aborted' });
  });
});
