import { classifyError, errorCodes, isTlsRequiredRefusal, messageOf } from '../verify/classify-error.ts';

/** Stable reasons a send failed, so the outbox branches on a code and never on a library's text. */
export type SendFailureCode =
  | 'rejected' // the server answered with a 4xx/5xx reply
  | 'auth_failed'
  | 'connection_failed'
  | 'timeout'
  | 'tls_failed'
  | 'aborted' // the caller's signal (shutdown) stopped the attempt
  | 'invalid_message' // refused before reaching the server: no recipients, too large for SIZE, …
  | 'protocol_error';

/**
 * Whose problem a failure is: 'message' — this message (a recipient, its
 * content) and the account may keep sending; 'account' — the connection,
 * credentials or server, so every message of the account must wait.
 */
export type FailureScope = 'message' | 'account';

/** A failed send as data: retry or not, whose problem, why, and what the server said. */
export interface SendFailure {
  ok: false;
  /** true: sending this message again as is will fail again; do not retry on a timer. */
  permanent: boolean;
  scope: FailureScope;
  code: SendFailureCode;
  /** The SMTP reply code, when the server answered. */
  smtpCode?: number;
  /** The server's reply line, or what went wrong on our side; one line, never the password. */
  response: string;
}

// Errors that mean the TCP connection went away or never came up properly.
const CONNECTION = new Set(['ECONNECTION', 'ESOCKET', 'ECONNRESET', 'EPIPE', 'ECONNABORTED', 'EDNS', 'EPROXY']);
// Replies to these commands judge the message, not the account.
const MESSAGE_COMMANDS = new Set(['MAIL FROM', 'RCPT TO', 'DATA']);

/**
 * Turns whatever nodemailer, Node or an AbortSignal threw into a SendFailure,
 * following RFC 5321: a 5xx reply is permanent, a 4xx temporary (503, "bad
 * sequence", is a session fault and temporary; 421 closes the session and
 * holds the account back). Network, timeout and TLS failures are temporary
 * and account-wide.
 *
 * Authentication failures (535, 534, 530 "authentication required") are
 * permanent AND account-wide: retrying the same password only spins and may
 * get the account locked, and the message itself is fine. The outbox should
 * hold the account's messages (not fail them) and show the admin, and resume
 * when the credentials change; a 454 temporary auth failure is retried.
 */
export function classifySmtpFailure(err: unknown): SendFailure {
  const smtpCode = replyCode(err);
  const response = responseOf(err);
  const withCode = smtpCode === undefined ? {} : { smtpCode };
  const fail = (code: SendFailureCode, permanent: boolean, scope: FailureScope): SendFailure => ({
    ok: false,
    permanent,
    scope,
    code,
    ...withCode,
    response,
  });

  if (isAbort(err)) {
    const cause = abortCause(err);
    // our own deadline says how long it waited; a caller's abort keeps the library's words
    if (cause?.name === 'TimeoutError') return { ...fail('timeout', false, 'account'), response: oneLine(cause.message || response) };
    return fail('aborted', false, 'account');
  }

  const command = field(err, 'command');
  const verdict = classifyError(err);
  if (command === 'STARTTLS' || isTlsRequiredRefusal(err)) return fail('tls_failed', false, 'account');
  // 454: the server could not check the credentials now (e.g. its token check is down)
  if (verdict === 'auth_failed' || verdict === 'auth_unavailable' || smtpCode === 530) {
    return fail('auth_failed', smtpCode === undefined || smtpCode >= 500, 'account');
  }
  if (smtpCode !== undefined) {
    if (smtpCode === 503) return fail('protocol_error', false, 'account');
    if (smtpCode === 421) return fail('rejected', false, 'account');
    const scope: FailureScope = typeof command === 'string' && MESSAGE_COMMANDS.has(command) ? 'message' : 'account';
    return fail('rejected', smtpCode >= 500, scope);
  }
  switch (verdict) {
    case 'timeout':
      return fail('timeout', false, 'account');
    case 'connection_refused':
    case 'host_not_found':
      return fail('connection_failed', false, 'account');
    case 'tls_failed':
    case 'starttls_unavailable':
      return fail('tls_failed', false, 'account');
    default:
      break;
  }
  const codes = errorCodes(err);
  if (codes.some((c) => CONNECTION.has(c))) return fail('connection_failed', false, 'account');
  if (codes.includes('EENVELOPE') || codes.includes('EMESSAGE')) return fail('invalid_message', true, 'message');
  return fail('protocol_error', false, 'account');
}

// The reply code of a server answer: nodemailer's responseCode, else the leading digits of its response.
function replyCode(err: unknown): number | undefined {
  const own = field(err, 'responseCode');
  const code = typeof own === 'number' ? own : Number(/^([2-5][0-9]{2})[ -]/.exec(String(field(err, 'response') ?? ''))?.[1]);
  return Number.isInteger(code) && code >= 400 && code <= 599 ? code : undefined;
}

function responseOf(err: unknown): string {
  const said = field(err, 'response');
  return oneLine(typeof said === 'string' && said.trim() !== '' ? said : messageOf(err));
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

function isAbort(err: unknown): boolean {
  return errorCodes(err).includes('EABORT') || (err instanceof Error && err.name === 'AbortError');
}

function abortCause(err: unknown): { name: string; message: string } | undefined {
  const cause = field(err, 'cause');
  const name = field(cause, 'name');
  const message = field(cause, 'message');
  return typeof name === 'string' ? { name, message: typeof message === 'string' ? message : '' } : undefined;
}

function field(obj: unknown, key: string): unknown {
  return obj && typeof obj === 'object' && key in obj ? (obj as Record<string, unknown>)[key] : undefined;
}
