import { describe, expect, it } from 'vitest';
import { classifyError, serverSaid, VerifyError } from './classify-error.ts';
import { failureMessage, redactSecret, type CheckTarget } from './failure-message.ts';
import type { ConnectionErrorCode } from './types.ts';

// Builds an Error with the extra fields a library attaches, as they were seen
// in real runs against Dovecot and smtp-server (see verify.test.ts).
const libError = (message: string, fields: Record<string, unknown> = {}): Error => Object.assign(new Error(message), fields);

describe('classifyError', () => {
  const cases: Array<[string, unknown, ConnectionErrorCode]> = [
    // imapflow
    [
      'imapflow wrong password',
      libError('Command failed', {
        response: '2 NO [AUTHENTICATIONFAILED] Authentication failed.',
        responseText: 'Authentication failed.',
        serverResponseCode: 'AUTHENTICATIONFAILED',
        authenticationFailed: true,
      }),
      'auth_failed',
    ],
    ['imapflow LOGINDISABLED (TLS required, not sent)', libError('Login is disabled', { authenticationFailed: true }), 'tls_failed'],
    [
      'imapflow PRIVACYREQUIRED',
      libError('Command failed', {
        authenticationFailed: true,
        serverResponseCode: 'PRIVACYREQUIRED',
        responseText: 'Plaintext authentication disallowed on non-secure (SSL/TLS) connections.',
      }),
      'tls_failed',
    ],
    [
      'imapflow temporary failure (Dovecot cannot check the token)',
      libError('Command failed', {
        response: '2 NO [UNAVAILABLE] Temporary authentication failure.',
        serverResponseCode: 'UNAVAILABLE',
        authenticationFailed: true,
      }),
      'auth_unavailable',
    ],
    [
      'imapflow refused token',
      libError('Command failed', { serverResponseCode: 'AUTHENTICATIONFAILED', authenticationFailed: true, oauthError: { status: 'invalid_token' } }),
      'auth_failed',
    ],
    ['imapflow token for a server without OAuth', libError('Unsupported authentication mechanism'), 'auth_failed'],
    ['imapflow doSTARTTLS without STARTTLS', libError('Server does not support STARTTLS', { tlsFailed: true }), 'starttls_unavailable'],
    ['imapflow STARTTLS after PREAUTH', libError('STARTTLS is not possible after a PREAUTH greeting', { tlsFailed: true }), 'starttls_unavailable'],
    ['imapflow certificate rejected', libError('self-signed certificate', { code: 'DEPTH_ZERO_SELF_SIGNED_CERT', tlsFailed: true }), 'tls_failed'],
    ['imapflow STARTTLS injection', libError('Server sent data after the STARTTLS response', { code: 'STARTTLS_INJECTION', tlsFailed: true }), 'tls_failed'],
    [
      'imapflow EXAMINE of a missing folder',
      libError('Command failed', { responseText: "Mailbox doesn't exist: Nope", responseStatus: 'NO', mailboxMissing: true }),
      'mailbox_not_found',
    ],
    ['imapflow NONEXISTENT response code', libError('Command failed', { serverResponseCode: 'NONEXISTENT' }), 'mailbox_not_found'],
    ['imapflow greeting timeout', libError('Failed to receive greeting from server in required time', { code: 'GREETING_TIMEOUT' }), 'timeout'],
    ['imapflow connection timeout', libError('Failed to establish connection in required time', { code: 'CONNECT_TIMEOUT' }), 'timeout'],
    ['imapflow socket inactivity', libError('Socket timeout', { code: 'ETIMEOUT' }), 'timeout'],
    ['imapflow closed after connect', libError('Unexpected close', { code: 'ClosedAfterConnectText' }), 'protocol_error'],
    ['imapflow parser error', libError('Unexpected char', { code: 'ParserError3' }), 'protocol_error'],
    // Node
    ['Node ECONNREFUSED', libError('connect ECONNREFUSED 127.0.0.1:1', { code: 'ECONNREFUSED', syscall: 'connect' }), 'connection_refused'],
    ['Node EHOSTUNREACH', libError('connect EHOSTUNREACH 10.0.0.1:993', { code: 'EHOSTUNREACH' }), 'connection_refused'],
    ['Node ENOTFOUND', libError('getaddrinfo ENOTFOUND nohost.invalid', { code: 'ENOTFOUND' }), 'host_not_found'],
    ['Node EAI_AGAIN', libError('getaddrinfo EAI_AGAIN mail.example', { code: 'EAI_AGAIN' }), 'host_not_found'],
    ['Node ETIMEDOUT', libError('connect ETIMEDOUT 10.0.0.1:993', { code: 'ETIMEDOUT' }), 'timeout'],
    [
      'TLS to a plaintext port',
      libError('802C:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../ssl3_record.c:350:', {
        reason: 'wrong version number',
        code: 'ERR_SSL_WRONG_VERSION_NUMBER',
      }),
      'tls_failed',
    ],
    ['expired certificate', libError('certificate has expired', { code: 'CERT_HAS_EXPIRED' }), 'tls_failed'],
    ['certificate for another host', libError("Hostname/IP does not match certificate's altnames", { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }), 'tls_failed'],
    [
      'reset during the TLS handshake',
      libError('Client network socket disconnected before secure TLS connection was established', { code: 'ECONNRESET' }),
      'tls_failed',
    ],
    ['reset outside TLS', libError('read ECONNRESET', { code: 'ECONNRESET' }), 'protocol_error'],
    // nodemailer
    [
      'nodemailer refused',
      libError('connect ECONNREFUSED 127.0.0.1:43681', { code: 'ESOCKET', originalCode: 'ECONNREFUSED', command: 'CONN' }),
      'connection_refused',
    ],
    ['nodemailer DNS', libError('getaddrinfo ENOTFOUND nohost.invalid', { code: 'EDNS', originalCode: 'ENOTFOUND', command: 'CONN' }), 'host_not_found'],
    [
      'nodemailer TLS to a plaintext port',
      libError('wrong version number', { code: 'ESOCKET', originalCode: 'ERR_SSL_WRONG_VERSION_NUMBER', command: 'CONN' }),
      'tls_failed',
    ],
    [
      'nodemailer certificate rejected',
      libError('self-signed certificate', { code: 'ESOCKET', originalCode: 'DEPTH_ZERO_SELF_SIGNED_CERT', command: 'CONN' }),
      'tls_failed',
    ],
    [
      'nodemailer wrong password',
      libError('Invalid login: 535 Invalid username or password', {
        code: 'EAUTH',
        response: '535 Invalid username or password',
        responseCode: 535,
        command: 'AUTH PLAIN',
      }),
      'auth_failed',
    ],
    [
      'nodemailer AUTH before STARTTLS (538)',
      libError('Invalid login: 538 Error: Must issue a STARTTLS command first', {
        code: 'EAUTH',
        response: '538 Error: Must issue a STARTTLS command first',
        responseCode: 538,
        command: 'AUTH PLAIN',
      }),
      'tls_failed',
    ],
    [
      'nodemailer AUTH before STARTTLS (530)',
      libError('Invalid login: 530 5.7.0 Must issue a STARTTLS command first', { code: 'EAUTH', responseCode: 530, command: 'AUTH PLAIN' }),
      'tls_failed',
    ],
    [
      'nodemailer requireTLS, server refuses STARTTLS',
      libError('Error upgrading connection with STARTTLS: 500 Error: command not recognized', {
        code: 'ETLS',
        response: '500 Error: command not recognized',
        responseCode: 500,
        command: 'STARTTLS',
      }),
      'starttls_unavailable',
    ],
    [
      'nodemailer handshake after STARTTLS fails',
      libError('Error initiating TLS - self-signed certificate', { code: 'ETLS', command: 'STARTTLS' }),
      'tls_failed',
    ],
    ['nodemailer greeting timeout', libError('Greeting never received', { code: 'ETIMEDOUT', command: 'CONN' }), 'timeout'],
    ['nodemailer connection closed', libError('Connection closed unexpectedly', { code: 'ECONNECTION', command: 'CONN' }), 'protocol_error'],
    [
      'nodemailer 454 temporary authentication failure',
      libError('the server refused the login: 454 4.7.0 Temporary authentication failure', { code: 'EAUTH', responseCode: 454, command: 'AUTH XOAUTH2' }),
      'auth_unavailable',
    ],
    [
      'nodemailer refused token (XOAUTH2 handler)',
      libError('the server refused the access token: 535 Error', { code: 'EAUTH', responseCode: 535, command: 'AUTH XOAUTH2', oauthError: { status: '401' } }),
      'auth_failed',
    ],
    ['nodemailer no credentials', libError('Missing credentials for "PLAIN"', { code: 'EAUTH', command: 'API' }), 'auth_failed'],
    // ours, and odd values
    ['VerifyError keeps its code', new VerifyError('starttls_unavailable', 'STLS is not in CAPA'), 'starttls_unavailable'],
    ['a wrapped cause', libError('outer', { cause: libError('inner', { code: 'ECONNREFUSED' }) }), 'connection_refused'],
    ['a string', 'boom', 'protocol_error'],
    ['undefined', undefined, 'protocol_error'],
    ['null', null, 'protocol_error'],
    ['a plain object', { code: 42 }, 'protocol_error'],
  ];
  it.each(cases)('%s', (_name, err, code) => {
    expect(classifyError(err)).toBe(code);
  });
});

describe('serverSaid', () => {
  it('joins imapflow response code and text', () => {
    expect(serverSaid(libError('x', { serverResponseCode: 'AUTHENTICATIONFAILED', responseText: 'Authentication failed.' }))).toBe(
      '[AUTHENTICATIONFAILED] Authentication failed.',
    );
  });
  it('uses nodemailer reply as it is', () => {
    expect(serverSaid(libError('x', { response: '535 5.7.8  Error:\r\n bad' }))).toBe('535 5.7.8 Error: bad');
  });
  it("adds the OAuth reason a server gave before refusing a token", () => {
    expect(
      serverSaid(libError('x', { serverResponseCode: 'AUTHENTICATIONFAILED', responseText: 'Authentication failed.', oauthError: { status: 'invalid_token', scope: 'mail' } })),
    ).toBe('[AUTHENTICATIONFAILED] Authentication failed. (OAuth status invalid_token, scope mail)');
    expect(serverSaid(libError('x', { response: '535 Error: Username and Password not accepted', oauthError: { status: '401', schemes: 'bearer' } }))).toBe(
      '535 Error: Username and Password not accepted (OAuth status 401)',
    );
  });
  it('ignores an oauthError that is not an object of strings', () => {
    expect(serverSaid(libError('x', { response: '535 no', oauthError: 'invalid_token' }))).toBe('535 no');
  });
  it('is undefined for client-side errors', () => {
    expect(serverSaid(libError('connect ECONNREFUSED', { code: 'ECONNREFUSED' }))).toBeUndefined();
  });
});

describe('failureMessage', () => {
  const target: CheckTarget = {
    host: '127.0.0.1',
    port: 2525,
    username: 'alice',
    password: 'hunter22',
    mailbox: 'Support',
    connectionTimeoutSec: 2,
    authTimeoutSec: 5,
  };
  const cases: Array<[string, 'imap' | 'pop3' | 'smtp', unknown, string]> = [
    [
      'auth with the server words',
      'imap',
      libError('Command failed', { authenticationFailed: true, serverResponseCode: 'AUTHENTICATIONFAILED', responseText: 'Authentication failed.' }),
      'IMAP: authentication failed for user alice (server said: [AUTHENTICATIONFAILED] Authentication failed.)',
    ],
    ['refused', 'smtp', libError('connect ECONNREFUSED', { code: 'ESOCKET', originalCode: 'ECONNREFUSED' }), 'SMTP: connection refused by 127.0.0.1:2525'],
    ['library timeout', 'pop3', libError('timeout', { code: 'ETIMEDOUT' }), 'POP3: no answer from 127.0.0.1:2525 within 2 s'],
    [
      'our own phase timeout',
      'imap',
      new VerifyError('timeout', 'login to 127.0.0.1:2525 did not complete within 5 s'),
      'IMAP: login to 127.0.0.1:2525 did not complete within 5 s',
    ],
    [
      'TLS to a plaintext port',
      'imap',
      libError('80:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:x.c:350:', { code: 'ERR_SSL_WRONG_VERSION_NUMBER' }),
      'IMAP: TLS handshake failed: wrong version number (the server did not answer with TLS: is this a plain or STARTTLS port?)',
    ],
    [
      'certificate',
      'smtp',
      libError('self-signed certificate', { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
      'SMTP: TLS handshake failed: self-signed certificate',
    ],
    [
      'TLS required by the server',
      'smtp',
      libError('Invalid login: 538 Error: Must issue a STARTTLS command first', { code: 'EAUTH', responseCode: 538, response: '538 Error: Must issue a STARTTLS command first' }),
      'SMTP: the server at 127.0.0.1:2525 refuses login on an unencrypted connection; set security to STARTTLS or TLS (server said: 538 Error: Must issue a STARTTLS command first)',
    ],
    [
      'no STARTTLS',
      'pop3',
      new VerifyError('starttls_unavailable', 'STLS is not in CAPA'),
      'POP3: the server at 127.0.0.1:2525 does not offer STARTTLS (STLS is not in CAPA)',
    ],
    [
      'missing folder',
      'imap',
      libError('Command failed', { mailboxMissing: true, responseText: "Mailbox doesn't exist: Support" }),
      'IMAP: mailbox "Support" not found for user alice (server said: Mailbox doesn\'t exist: Support)',
    ],
    ['DNS', 'imap', libError('getaddrinfo ENOTFOUND', { code: 'ENOTFOUND' }), 'IMAP: host 127.0.0.1 not found (DNS lookup failed)'],
    [
      'the server could not check the login',
      'imap',
      libError('Command failed', { serverResponseCode: 'UNAVAILABLE', responseText: 'Temporary authentication failure.', authenticationFailed: true }),
      'IMAP: the server at 127.0.0.1:2525 could not complete the login now (a temporary failure on its side) (server said: [UNAVAILABLE] Temporary authentication failure.)',
    ],
  ];
  it.each(cases)('%s', (_name, protocol, err, message) => {
    expect(failureMessage(protocol, classifyError(err), err, target)).toBe(message);
  });

  it('never repeats the password, whatever the server echoed', () => {
    const plainB64 = Buffer.from('\u0000alice\u0000hunter22').toString('base64');
    const err = libError(`Invalid login: 535 bad password hunter22 (${plainB64}) ${Buffer.from('hunter22').toString('base64')}`, {
      code: 'EAUTH',
      response: `535 bad password hunter22 ${plainB64}`,
    });
    const message = failureMessage('smtp', classifyError(err), err, target);
    expect(message).not.toContain('hunter22');
    expect(message).not.toContain(plainB64);
    expect(message).toContain('***');
  });
});

describe('failureMessage for an OAuth2 login', () => {
  const token = 'ya29.secret-access-token';
  const target: CheckTarget = { host: '127.0.0.1', port: 2525, username: 'alice@example.test', password: '', accessToken: token, connectionTimeoutSec: 2, authTimeoutSec: 5 };
  it('says the token was refused, with the OAuth reason', () => {
    const err = libError('Command failed', { authenticationFailed: true, serverResponseCode: 'AUTHENTICATIONFAILED', responseText: 'Authentication failed.', oauthError: { status: 'invalid_token' } });
    expect(failureMessage('imap', classifyError(err), err, target)).toBe(
      'IMAP: the server refused the OAuth2 access token for user alice@example.test (server said: [AUTHENTICATIONFAILED] Authentication failed. (OAuth status invalid_token))',
    );
  });
  it('never repeats the token or the initial response that carried it', () => {
    const ir = Buffer.from(`user=alice@example.test\x01auth=Bearer ${token}\x01\x01`).toString('base64');
    const err = libError(`Invalid login: 535 bad ${token} ${ir}`, { code: 'EAUTH', responseCode: 535, response: `535 bad ${token} ${ir}` });
    const message = failureMessage('smtp', classifyError(err), err, target);
    expect(message).not.toContain(token);
    expect(message).not.toContain(ir);
    expect(message).toContain('***');
  });
});

describe('redactSecret', () => {
  it.each([
    ['plain', 'pw is s3cret!', 's3cret!', 'pw is ***'],
    ['every occurrence', 'a s3cret b s3cret', 's3cret', 'a *** b ***'],
    ['AUTH LOGIN base64', `got ${Buffer.from('s3cret').toString('base64')}`, 's3cret', 'got ***'],
    ['nothing to strike', 'all fine', 's3cret', 'all fine'],
    ['empty password', 'all fine', '', 'all fine'],
  ])('%s', (_name, text, password, out) => {
    expect(redactSecret(text, password, 'alice')).toBe(out);
  });
});
