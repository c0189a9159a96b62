import { describeOAuthChallenge, toOAuthChallenge } from '../sasl/oauth-bearer.ts';
import type { ConnectionErrorCode } from './types.ts';

/**
 * An error our own checks raise when they already know the cause (the POP3
 * client, the time limits), so classification never has to guess from text.
 */
export class VerifyError extends Error {
  override readonly name = 'VerifyError';
  constructor(
    readonly verifyCode: ConnectionErrorCode,
    message: string,
    /** The server's own words, when it said something. */
    readonly serverText?: string,
  ) {
    super(message);
  }
}

// Node's codes for "the TCP connection could not be made" other than an outright refusal.
const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'EHOSTDOWN', 'ENETDOWN']);
const DNS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA', 'EDNS', 'ENODATA', 'ESERVFAIL']);
const TIMEOUT = new Set([
  'ETIMEDOUT', // Node, nodemailer
  'ESOCKETTIMEDOUT',
  'CONNECT_TIMEOUT', // imapflow, nodemailer's phase timers
  'GREETING_TIMEOUT',
  'UPGRADE_TIMEOUT',
  'ETIMEOUT', // imapflow socket inactivity
  'ERR_TLS_HANDSHAKE_TIMEOUT',
]);
// OpenSSL's certificate verdicts as Node reports them.
const CERTIFICATE = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
  'ETLS', // nodemailer
  'STARTTLS_INJECTION', // imapflow
]);

/**
 * Maps an error thrown by imapflow, nodemailer, Node's net/tls/dns or our own
 * checks to one stable code, so callers branch on a code and never on a
 * library's message text. Anything unrecognised is a protocol_error.
 */
export function classifyError(err: unknown): ConnectionErrorCode {
  if (err instanceof VerifyError) return err.verifyCode;
  const codes = errorCodes(err);
  const has = (set: ReadonlySet<string>): boolean => codes.some((c) => set.has(c));

  if (bool(err, 'mailboxMissing') || str(err, 'serverResponseCode')?.toUpperCase() === 'NONEXISTENT') return 'mailbox_not_found';
  // Before auth_failed: a server that refuses to take a password in the clear
  // is a security setting to change, not a wrong password.
  if (isTlsRequiredRefusal(err)) return 'tls_failed';
  if (isStarttlsUnavailable(err)) return 'starttls_unavailable';
  // before auth_failed: imapflow flags a temporary NO as authenticationFailed too
  if (isTemporaryAuthFailure(err)) return 'auth_unavailable';
  if (isAuthFailure(err, codes)) return 'auth_failed';
  if (has(TIMEOUT)) return 'timeout';
  if (has(UNREACHABLE)) return 'connection_refused';
  if (has(DNS)) return 'host_not_found';
  if (bool(err, 'tlsFailed') || has(CERTIFICATE) || codes.some((c) => c.startsWith('ERR_SSL_') || c.startsWith('ERR_TLS_'))) return 'tls_failed';
  if (/\b(SSL|TLS)\b|certificate|wrong version number|secure TLS connection/i.test(messageOf(err))) return 'tls_failed';
  return 'protocol_error';
}

/**
 * True when the server refused a login because the connection is not
 * encrypted (IMAP PRIVACYREQUIRED or LOGINDISABLED, POP3/SMTP "must issue
 * STARTTLS first"), so the message can say "use STARTTLS or TLS".
 */
export function isTlsRequiredRefusal(err: unknown): boolean {
  if (err instanceof VerifyError) return err.verifyCode === 'tls_failed' && TLS_REQUIRED.test(`${err.message} ${err.serverText ?? ''}`);
  if (str(err, 'serverResponseCode')?.toUpperCase() === 'PRIVACYREQUIRED') return true;
  if (num(err, 'responseCode') === 538) return true;
  return TLS_REQUIRED.test(`${messageOf(err)} ${serverSaid(err) ?? ''}`);
}

const TLS_REQUIRED =
  /PRIVACYREQUIRED|LOGINDISABLED|Login is disabled|plaintext auth\w* (is )?(disallowed|not allowed)|requires? (SSL\/TLS|TLS|encryption) before (login|auth)|refuses login on an unencrypted|must issue a STARTTLS command first|encryption required/i;

function isStarttlsUnavailable(err: unknown): boolean {
  const message = messageOf(err);
  // imapflow with doSTARTTLS: true, when STARTTLS is not in the capabilities
  if (bool(err, 'tlsFailed') && /does not support STARTTLS|STARTTLS is not possible|can not start TLS/i.test(message)) return true;
  // nodemailer with requireTLS: the server answered STARTTLS with an error
  if (str(err, 'command') === 'STARTTLS' && num(err, 'responseCode') !== undefined) return true;
  return /Error upgrading connection with STARTTLS|HELO does not support required STARTTLS/i.test(message);
}

// RFC 5530's UNAVAILABLE (IMAP) and RFC 4954's 454 (SMTP): the server could not check the
// credentials right now; they may well be right, so this is no reason to stop for the admin.
function isTemporaryAuthFailure(err: unknown): boolean {
  if (str(err, 'serverResponseCode')?.toUpperCase() === 'UNAVAILABLE') return true;
  return num(err, 'responseCode') === 454;
}

function isAuthFailure(err: unknown, codes: string[]): boolean {
  if (bool(err, 'authenticationFailed')) return true;
  // imapflow given a token by a server that offers neither OAUTHBEARER nor XOAUTH2 (nor a password to fall back on)
  if (/^Unsupported authentication mechanism/.test(messageOf(err))) return true;
  if (codes.includes('EAUTH') || codes.includes('ENOAUTH')) return true;
  const response = str(err, 'serverResponseCode')?.toUpperCase();
  if (response === 'AUTHENTICATIONFAILED' || response === 'AUTHORIZATIONFAILED') return true;
  const reply = num(err, 'responseCode');
  return reply === 535 || reply === 534;
}

/**
 * The server's own words carried by an error (imapflow response text,
 * nodemailer's SMTP reply, our POP3 -ERR line), trimmed to one short line,
 * or undefined when the error came from the client side.
 */
export function serverSaid(err: unknown): string | undefined {
  if (err instanceof VerifyError) return err.serverText ? oneLine(err.serverText) : undefined;
  const code = str(err, 'serverResponseCode');
  const text = str(err, 'responseText') ?? str(err, 'response');
  // the OAuth challenge a server sent before refusing a token (imapflow and our SMTP handler keep it)
  const oauth = toOAuthChallenge(field(err, 'oauthError'));
  const suffix = oauth ? ` (${describeOAuthChallenge(oauth)})` : '';
  if (text === undefined || text.trim() === '') return code ? `[${code}]${suffix}` : oauth ? describeOAuthChallenge(oauth) : undefined;
  const line = oneLine(text);
  return (code && !line.includes(`[${code}`) ? `[${code}] ${line}` : line) + suffix;
}

/** An error's message as one short line, for "what went wrong" in plain words. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return oneLine(err.message);
  return typeof err === 'string' ? oneLine(err) : 'unknown error';
}

/** Every code an error or the error it wraps carries: Node's, the library's, the original. */
export function errorCodes(err: unknown): string[] {
  const out: string[] = [];
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    for (const key of ['code', 'originalCode']) {
      const v = str(current, key);
      if (v) out.push(v.toUpperCase());
    }
    current = field(current, '_err') ?? field(current, 'cause');
  }
  return out;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

function field(obj: unknown, key: string): unknown {
  return obj && typeof obj === 'object' && key in obj ? (obj as Record<string, unknown>)[key] : undefined;
}
function str(obj: unknown, key: string): string | undefined {
  const v = field(obj, key);
  return typeof v === 'string' ? v : undefined;
}
function num(obj: unknown, key: string): number | undefined {
  const v = field(obj, key);
  return typeof v === 'number' ? v : undefined;
}
function bool(obj: unknown, key: string): boolean {
  return field(obj, key) === true;
}
