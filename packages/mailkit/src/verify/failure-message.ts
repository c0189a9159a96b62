import { tokenForms } from '../sasl/oauth-bearer.ts';
import { errorCodes, isTlsRequiredRefusal, messageOf, serverSaid, VerifyError } from './classify-error.ts';
import type { CheckProtocol, ConnectionErrorCode } from './types.ts';

/** What a message may name about the attempt; the password is here only so it can be struck out. */
export interface CheckTarget {
  host: string;
  port: number;
  username: string;
  password: string;
  /** Set when the login is by OAuth2 token: the message says so, and the token is struck out like the password. */
  accessToken?: string;
  mailbox?: string;
  /** The security the check connected with: a silent port is probed for implicit TLS unless it was already TLS. */
  security?: 'tls' | 'starttls' | 'none';
  connectionTimeoutSec: number;
  authTimeoutSec: number;
}

/**
 * Says in plain words which protocol failed and why, for the admin who just
 * saved a campaign: "IMAP: authentication failed for user alice (server said:
 * ...)". The password is struck out of the whole text, whatever echoed it.
 */
export function failureMessage(protocol: CheckProtocol, code: ConnectionErrorCode, err: unknown, target: CheckTarget): string {
  const said = serverSaid(err);
  const serverSuffix = said ? ` (server said: ${said})` : '';
  // the server's words when it said something, else what our own check found
  const saidSuffix = said ? serverSuffix : err instanceof VerifyError ? ` (${err.message})` : '';
  const where = `${target.host}:${target.port}`;
  let text: string;
  switch (code) {
    case 'auth_failed':
      text = target.accessToken !== undefined
        ? `the server refused the OAuth2 access token for user ${target.username}${saidSuffix}`
        : `authentication failed for user ${target.username}${saidSuffix}`;
      break;
    case 'auth_unavailable':
      text = `the server at ${where} could not complete the login now (a temporary failure on its side)${saidSuffix}`;
      break;
    case 'connection_refused':
      text = errorCodes(err).includes('ECONNREFUSED') || /refused/i.test(messageOf(err))
        ? `connection refused by ${where}`
        : `cannot reach ${where} (${messageOf(err)})`;
      break;
    case 'host_not_found':
      text = `host ${target.host} not found (DNS lookup failed)`;
      break;
    case 'timeout':
      // our own deadlines know the phase; a library's timer fired in the connection phase
      text = err instanceof VerifyError ? err.message : `no answer from ${where} within ${target.connectionTimeoutSec} s`;
      break;
    case 'tls_failed':
      text = isTlsRequiredRefusal(err)
        ? `the server at ${where} refuses login on an unencrypted connection; set security to STARTTLS or TLS${serverSuffix}`
        : `TLS handshake failed: ${tlsDetail(err)}`;
      break;
    case 'tls_expected':
      text = `the server at ${where} speaks TLS from the first byte (implicit TLS), so it never greeted a ${target.security === 'none' ? 'plain' : 'STARTTLS'} connection; set security to TLS, or use the server's ${target.security === 'none' ? 'plain' : 'STARTTLS'} port`;
      break;
    case 'starttls_unavailable':
      text = `the server at ${where} does not offer STARTTLS${saidSuffix}`;
      break;
    case 'mailbox_not_found':
      text = `mailbox "${target.mailbox ?? ''}" not found for user ${target.username}${saidSuffix}`;
      break;
    case 'protocol_error':
      text = `unexpected answer from ${where}: ${messageOf(err)}${said && !messageOf(err).includes(said) ? saidSuffix : ''}`;
      break;
    default: {
      const never: never = code;
      text = String(never);
    }
  }
  const tokens = target.accessToken !== undefined ? tokenForms({ user: target.username, accessToken: target.accessToken, host: target.host, port: target.port }) : [];
  return redactSecret(`${protocol.toUpperCase()}: ${text}`, target.password, target.username, tokens);
}

// OpenSSL's "80CC…:error:0A00010B:SSL routines:ssl3_get_record:wrong version
// number:../deps/…" becomes "wrong version number", with what it usually means.
function tlsDetail(err: unknown): string {
  const message = messageOf(err);
  const own = err && typeof err === 'object' && 'reason' in err && typeof err.reason === 'string' ? err.reason : undefined;
  const reason = own ?? /SSL routines:[^:]*:([^:]+)/.exec(message)?.[1]?.trim() ?? message;
  return /wrong version number|packet length too long|unknown protocol|http request/i.test(reason)
    ? `${reason} (the server did not answer with TLS: is this a plain or STARTTLS port?)`
    : reason;
}

/**
 * Replaces every occurrence of the password with *** — also its base64 forms
 * as sent by AUTH LOGIN and AUTH PLAIN, and any `more` secrets (an access
 * token and its SASL forms) — in case a server or a library echoed it. An
 * empty password has nothing to strike.
 */
export function redactSecret(text: string, password: string, username = '', more: readonly string[] = []): string {
  const forms = new Set(more.filter((f) => f !== ''));
  if (password !== '') {
    forms.add(password);
    forms.add(Buffer.from(password, 'utf8').toString('base64'));
    forms.add(Buffer.from(`\u0000${username}\u0000${password}`, 'utf8').toString('base64'));
  }
  let out = text;
  // longest first, so a form that contains another is struck whole
  for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join('***');
  return out;
}
