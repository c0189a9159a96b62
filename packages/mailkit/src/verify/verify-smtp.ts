import SMTPConnection, { type SMTPConnectionOptions } from 'nodemailer/lib/smtp-connection';
import { describeOAuthChallenge, OAUTH_ABORT, oauthInitialResponse, parseOAuthChallenge } from '../sasl/oauth-bearer.ts';
import { VerifyError } from './classify-error.ts';
import { runCheck } from './run-check.ts';
import type { CheckResult, SmtpSettings } from './types.ts';
import { tlsTrustOptions } from './tls-trust.ts';

// Library timers are backstops: ours fire first and say which phase stalled.
const BACKSTOP_MS = 1_000;

/**
 * The nodemailer connection options for these settings, shared with the code
 * that sends (createTransport accepts the same keys) so a check tests the
 * connection sending will make.
 *
 * - 'tls' → secure: TLS from the first byte (port 465).
 * - 'starttls' → requireTLS: the upgrade must happen, else the check fails
 *   before any AUTH; nothing falls back to plaintext.
 * - 'none' → ignoreTLS: never attempt STARTTLS, so the session is exactly as
 *   plain as the admin chose. Not nodemailer's default (opportunistic
 *   STARTTLS): that would fail 'none' on servers with a private certificate,
 *   and its protection is void anyway since an attacker can strip STARTTLS
 *   from the plaintext EHLO. Whoever wants encryption picks 'starttls'.
 */
export function smtpConnectionOptions(settings: SmtpSettings): SMTPConnectionOptions {
  const connectionMs = settings.connectionTimeoutSec * 1000;
  return {
    host: settings.host,
    port: settings.port,
    secure: settings.security === 'tls',
    requireTLS: settings.security === 'starttls',
    ignoreTLS: settings.security === 'none',
    tls: tlsTrustOptions(settings),
    logger: false,
    debug: false,
    transactionLog: false,
    connectionTimeout: connectionMs + BACKSTOP_MS,
    greetingTimeout: connectionMs + BACKSTOP_MS,
    socketTimeout: 2 * connectionMs + BACKSTOP_MS,
    dnsTimeout: connectionMs,
    socketCloseTimeout: 0,
    ...(settings.accessToken !== undefined ? { customAuth: { [TOKEN_LOGIN]: xoauth2Handler(settings.username, settings.accessToken, settings.host, settings.port) } } : {}),
  };
}

// Our XOAUTH2 login under a name of its own: asked for 'XOAUTH2' without a token generator,
// nodemailer silently switches to the first other mechanism the server offers (PLAIN).
const TOKEN_LOGIN = 'XOAUTH2-TOKEN';

/**
 * The credentials to log in with: the password, or for an access token a
 * custom XOAUTH2 login that smtpConnectionOptions' handler performs. Shared
 * with sending, like the options.
 */
export function smtpLoginCredentials(settings: Pick<SmtpSettings, 'username' | 'password' | 'accessToken'>): SMTPConnection.Credentials | SMTPConnection.AuthenticationTypeCustom {
  return settings.accessToken !== undefined
    ? { type: 'custom', method: TOKEN_LOGIN, user: settings.username, pass: '' }
    : { user: settings.username, pass: settings.password };
}

/**
 * XOAUTH2 with a token we already hold, as a nodemailer custom handler.
 * nodemailer's own XOAUTH2 wants a token generator and, on a refusal, asks
 * it for a new token and reports "Can't create new access token" instead of
 * the server's answer; here the server's refusal and its OAuth reason (the
 * 334 challenge, decoded) reach the caller, who owns refreshing.
 */
function xoauth2Handler(user: string, accessToken: string, host: string, port: number): NonNullable<SMTPConnectionOptions['customAuth']>[string] {
  return async (ctx) => {
    const first = await ctx.sendCommand(`AUTH XOAUTH2 ${oauthInitialResponse('XOAUTH2', { user, accessToken, host, port })}`);
    if (first.status === 235) return true;
    if (first.status !== 334) throw new Error('the server refused the login');
    // a refusal comes as a challenge first; an empty answer ends the exchange and brings the 535
    const challenge = parseOAuthChallenge(first.text);
    const last = await ctx.sendCommand(OAUTH_ABORT.XOAUTH2);
    if (last.status === 235) return true;
    throw Object.assign(new Error(challenge ? `the server refused the access token (${describeOAuthChallenge(challenge)})` : 'the server refused the access token'), {
      ...(challenge ? { oauthError: challenge } : {}),
    });
  };
}

/**
 * Checks an SMTP account: connect (TLS or STARTTLS as configured), EHLO, and
 * AUTH when `auth` is set — always attempted, even when the server does not
 * advertise AUTH, so a relay that would refuse the password cannot pass.
 * Uses nodemailer's SMTPConnection rather than transport.verify(): verify()
 * skips login when AUTH is not advertised and gives no handle on the socket
 * for the hard cap. SMTP has no separate auth timeout: login gets
 * connectionTimeoutSec again. Never throws, never retries.
 */
export function verifySmtp(settings: SmtpSettings): Promise<CheckResult> {
  let connection: SMTPConnection | undefined;
  return runCheck(
    'smtp',
    { ...settings, authTimeoutSec: settings.connectionTimeoutSec },
    {
      destroy: () => connection?.close(),
      run: async (progress) => {
        // built in here, so even a constructor that rejects the options becomes a result
        const conn = new SMTPConnection(smtpConnectionOptions(settings));
        connection = conn;
        // nodemailer reports most failures as 'error' events rather than through callbacks
        const failed = new Promise<never>((_resolve, reject) => {
          conn.on('error', reject);
          conn.once('end', () => reject(new VerifyError('protocol_error', 'the server closed the connection')));
        });
        failed.catch(() => undefined);

        await Promise.race([
          failed,
          new Promise<void>((resolve, reject) => conn.connect((err) => (err ? reject(err) : resolve()))),
        ]);
        progress.loggingIn();
        if (settings.auth) {
          await Promise.race([
            failed,
            new Promise<void>((resolve, reject) =>
              conn.login(smtpLoginCredentials(settings), (err) => (err ? reject(err) : resolve())),
            ),
          ]);
        }
        progress.verified();
        conn.quit();
      },
    },
  );
}
