import { describe, expect, it } from 'vitest';
import { classifySmtpFailure, type SendFailure } from './classify-smtp-failure.ts';

// Errors shaped as nodemailer, Node and AbortSignal produce them; the shapes
// were taken from real runs against smtp-sink and loopback sockets (send-raw.test.ts).
const libError = (message: string, fields: Record<string, unknown> = {}): Error => Object.assign(new Error(message), fields);
const reply = (code: 'EENVELOPE' | 'EMESSAGE' | 'EAUTH' | 'EPROTOCOL' | 'ECONNECTION', response: string, command: string): Error =>
  libError(`failed: ${response}`, { code, response, responseCode: Number(response.slice(0, 3)), command });
const abortError = (cause: unknown): Error => libError('Message sending aborted', { name: 'AbortError', code: 'EABORT', cause });

type Expected = Omit<SendFailure, 'ok' | 'response'>;

describe('classifySmtpFailure', () => {
  const cases: Array<[string, unknown, Expected]> = [
    // replies to the message: RFC 5321 classes
    ['550 unknown recipient', reply('EENVELOPE', '550 5.1.1 No such user', 'RCPT TO'), { permanent: true, scope: 'message', code: 'rejected', smtpCode: 550 }],
    ['553 sender not allowed', reply('EENVELOPE', '553 5.7.1 Sender address rejected', 'MAIL FROM'), { permanent: true, scope: 'message', code: 'rejected', smtpCode: 553 }],
    ['552 too big at end of DATA', reply('EMESSAGE', '552 5.3.4 Message size exceeds fixed limit', 'DATA'), { permanent: true, scope: 'message', code: 'rejected', smtpCode: 552 }],
    ['554 content refused', reply('EMESSAGE', '554 5.7.1 Spam', 'DATA'), { permanent: true, scope: 'message', code: 'rejected', smtpCode: 554 }],
    ['451 greylisted recipient', reply('EENVELOPE', '451 4.7.1 Greylisted, try again', 'RCPT TO'), { permanent: false, scope: 'message', code: 'rejected', smtpCode: 451 }],
    ['452 mailbox full', reply('EENVELOPE', '452 4.2.2 Mailbox full', 'RCPT TO'), { permanent: false, scope: 'message', code: 'rejected', smtpCode: 452 }],
    ['450 at DATA', reply('EMESSAGE', '450 4.3.0 Error: command failed', 'DATA'), { permanent: false, scope: 'message', code: 'rejected', smtpCode: 450 }],
    // replies about the session or the account
    ['554 at the greeting', reply('EPROTOCOL', '554 5.7.1 No SMTP service here', 'CONN'), { permanent: true, scope: 'account', code: 'rejected', smtpCode: 554 }],
    ['421 at the greeting', reply('EPROTOCOL', '421 4.3.2 Too many connections', 'CONN'), { permanent: false, scope: 'account', code: 'rejected', smtpCode: 421 }],
    ['421 mid-transaction', reply('EENVELOPE', '421 4.0.0 Server closing connection', 'MAIL FROM'), { permanent: false, scope: 'account', code: 'rejected', smtpCode: 421 }],
    ['503 bad sequence', reply('EENVELOPE', '503 5.5.1 Error: need MAIL command', 'RCPT TO'), { permanent: false, scope: 'account', code: 'protocol_error', smtpCode: 503 }],
    // authentication
    ['535 wrong password', reply('EAUTH', '535 5.7.8 Authentication credentials invalid', 'AUTH PLAIN'), { permanent: true, scope: 'account', code: 'auth_failed', smtpCode: 535 }],
    ['534 web login required', reply('EAUTH', '534 5.7.9 Application-specific password required', 'AUTH PLAIN'), { permanent: true, scope: 'account', code: 'auth_failed', smtpCode: 534 }],
    ['454 temporary auth failure', reply('EAUTH', '454 4.7.0 Temporary authentication failure', 'AUTH LOGIN'), { permanent: false, scope: 'account', code: 'auth_failed', smtpCode: 454 }],
    ['530 authentication required at MAIL', reply('EENVELOPE', '530 5.7.0 Authentication required', 'MAIL FROM'), { permanent: true, scope: 'account', code: 'auth_failed', smtpCode: 530 }],
    ['EAUTH with no reply', libError('Invalid login sequence', { code: 'EAUTH' }), { permanent: true, scope: 'account', code: 'auth_failed' }],
    ['ENOAUTH, no credentials', libError('Missing credentials for "PLAIN"', { code: 'ENOAUTH' }), { permanent: true, scope: 'account', code: 'auth_failed' }],
    // TLS
    ['530 must issue STARTTLS first', reply('EENVELOPE', '530 5.7.0 Must issue a STARTTLS command first', 'MAIL FROM'), { permanent: false, scope: 'account', code: 'tls_failed', smtpCode: 530 }],
    ['STARTTLS refused (requireTLS)', reply('EPROTOCOL', '500 5.5.1 Error: unknown command', 'STARTTLS'), { permanent: false, scope: 'account', code: 'tls_failed', smtpCode: 500 }],
    ['538 encryption required', reply('EAUTH', '538 5.7.11 Encryption required for requested authentication mechanism', 'AUTH PLAIN'), { permanent: false, scope: 'account', code: 'tls_failed', smtpCode: 538 }],
    ['TLS to a plaintext port', libError('80AC:error:0A00010B:SSL routines:ssl3_get_record:wrong version number', { code: 'ESOCKET', originalCode: 'ERR_SSL_WRONG_VERSION_NUMBER' }), { permanent: false, scope: 'account', code: 'tls_failed' }],
    ['self-signed certificate', libError('self-signed certificate', { code: 'ESOCKET', originalCode: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), { permanent: false, scope: 'account', code: 'tls_failed' }],
    ['ETLS upgrade failure', libError('Error initiating TLS - socket hang up', { code: 'ETLS' }), { permanent: false, scope: 'account', code: 'tls_failed' }],
    // network and time
    ['connection refused', libError('connect ECONNREFUSED 127.0.0.1:25', { code: 'ESOCKET', originalCode: 'ECONNREFUSED', command: 'CONN' }), { permanent: false, scope: 'account', code: 'connection_failed' }],
    ['host not found', libError('getaddrinfo ENOTFOUND smtp.nohost.invalid', { code: 'EDNS', originalCode: 'ENOTFOUND' }), { permanent: false, scope: 'account', code: 'connection_failed' }],
    ['connection closed unexpectedly', libError('Connection closed unexpectedly', { code: 'ECONNECTION', command: 'CONN' }), { permanent: false, scope: 'account', code: 'connection_failed' }],
    ['connection reset', libError('read ECONNRESET', { code: 'ECONNRESET' }), { permanent: false, scope: 'account', code: 'connection_failed' }],
    ['connection timeout', libError('Connection timeout', { code: 'ETIMEDOUT', command: 'CONN' }), { permanent: false, scope: 'account', code: 'timeout' }],
    ['greeting never received', libError('Greeting never received', { code: 'ETIMEDOUT', command: 'CONN' }), { permanent: false, scope: 'account', code: 'timeout' }],
    ['our send deadline', abortError(new DOMException('no result within the send time limit of 300 ms', 'TimeoutError')), { permanent: false, scope: 'account', code: 'timeout' }],
    ['the caller aborted (shutdown)', abortError(new DOMException('This operation was aborted', 'AbortError')), { permanent: false, scope: 'account', code: 'aborted' }],
    // refused before reaching the server
    ['no recipients', libError('No recipients defined', { code: 'EENVELOPE', command: 'API' }), { permanent: true, scope: 'message', code: 'invalid_message' }],
    ['bigger than the SIZE limit', libError('Message size larger than allowed 1000', { code: 'EMESSAGE', command: 'MAIL FROM' }), { permanent: true, scope: 'message', code: 'invalid_message' }],
    // anything else: retry with backoff, do not lose the message
    ['an unknown error', new Error('boom'), { permanent: false, scope: 'account', code: 'protocol_error' }],
    ['a thrown string', 'boom', { permanent: false, scope: 'account', code: 'protocol_error' }],
    ['undefined', undefined, { permanent: false, scope: 'account', code: 'protocol_error' }],
  ];
  it.each(cases)('%s', (_name, err, expected) => {
    const { response, ...rest } = classifySmtpFailure(err);
    expect(rest).toEqual({ ok: false, ...expected });
    expect(response).not.toBe('');
  });

  it('reports the server\u2019s reply line, on one line', () => {
    const err = reply('EENVELOPE', '550-5.1.1 The email account does not exist.\r\n550 5.1.1 Please try again', 'RCPT TO');
    expect(classifySmtpFailure(err).response).toBe('550-5.1.1 The email account does not exist. 550 5.1.1 Please try again');
  });

  it('falls back to the error message when the server said nothing', () => {
    expect(classifySmtpFailure(libError('connect ECONNREFUSED 127.0.0.1:25', { code: 'ESOCKET' })).response).toBe('connect ECONNREFUSED 127.0.0.1:25');
  });

  it('names our own deadline in the response', () => {
    expect(classifySmtpFailure(abortError(new DOMException('no result within the send time limit of 300 ms', 'TimeoutError'))).response).toContain('300 ms');
  });

  it('caps a long reply', () => {
    expect(classifySmtpFailure(reply('EMESSAGE', `554 ${'x'.repeat(1000)}`, 'DATA')).response.length).toBeLessThanOrEqual(300);
  });

  it('reads the reply code from the response when responseCode is missing', () => {
    expect(classifySmtpFailure(libError('failed', { code: 'EENVELOPE', response: '550 5.1.1 no', command: 'RCPT TO' }))).toMatchObject({ smtpCode: 550, permanent: true });
  });
});
