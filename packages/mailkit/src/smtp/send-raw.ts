import { createTransport } from 'nodemailer';
import { tokenForms } from '../sasl/oauth-bearer.ts';
import { redactSecret, smtpConnectionOptions, smtpLoginCredentials, type Security } from '../verify/index.ts';
import { classifySmtpFailure, type SendFailure } from './classify-smtp-failure.ts';

/** One campaign's outgoing SMTP account, as sending needs it (the password already decrypted). */
export interface SmtpAccount {
  host: string;
  port: number;
  /** tls: TLS from the first byte (465); starttls: the upgrade is required (587); none: plaintext, no upgrade attempted. */
  security: Security;
  /** Set to log in (AUTH is then always attempted, as the connection check does); unset for a trusted relay. */
  username?: string;
  password?: string;
  /** Log in as `username` with this OAuth2 access token (SASL XOAUTH2) instead of the password. */
  accessToken?: string;
  /** Covers TCP, TLS, the greeting, EHLO and STARTTLS; every later reply must come within twice this. */
  connectionTimeoutMs: number;
  /** Hard cap on the whole attempt, whatever the server does; default max(60 s, 4 × connectionTimeoutMs). */
  sendTimeoutMs?: number;
  /** Verify the server certificate (default true); false only for test servers with a self-signed certificate. */
  tlsRejectUnauthorized?: boolean;
  /** PEM certificates trusted besides the system's (a private authority's). */
  tlsCa?: string;
  /** The name we give in EHLO; nodemailer uses this machine's host name by default. */
  clientName?: string;
}

/** The SMTP envelope: the bounce address (may be "" for a null sender) and every recipient, Bcc included. */
export interface SmtpEnvelope {
  from: string;
  to: readonly string[];
}

/** What a send reports: accepted (possibly with some recipients refused), or a classified failure. */
export type SendResult = { ok: true; response: string; accepted: string[]; rejected: string[] } | SendFailure;

/** Lets the caller stop an attempt, e.g. on graceful shutdown. */
export interface SendOptions {
  signal?: AbortSignal;
}

const MIN_SEND_TIMEOUT_MS = 60_000;

/**
 * Sends stored raw bytes exactly as they are, one connection per call, and
 * returns the outcome as data — it never throws and never retries: the
 * caller owns retries (see backoffDelay) and stores the result. Every phase
 * has a library timeout, and the whole attempt a hard cap that closes the
 * socket. Partial acceptance is ok: true with the refused recipients listed.
 * The password or access token is struck out of every text returned, whatever echoed it.
 */
export async function sendRaw(account: SmtpAccount, envelope: SmtpEnvelope, raw: Buffer, options: SendOptions = {}): Promise<SendResult> {
  const password = account.password ?? '';
  const username = account.username ?? '';
  const { accessToken } = account;
  const tokens = accessToken !== undefined ? tokenForms({ user: username, accessToken, host: account.host, port: account.port }) : [];
  const scrub = (text: string): string => redactSecret(text, password, username, tokens);
  const hardCap = account.sendTimeoutMs ?? Math.max(MIN_SEND_TIMEOUT_MS, 4 * account.connectionTimeoutMs);
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new DOMException(`no result within the send time limit of ${hardCap} ms`, 'TimeoutError')), hardCap);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline.signal]) : deadline.signal;
  let transport: ReturnType<typeof createTransport> | undefined;
  try {
    transport = createTransport({
      ...smtpConnectionOptions({
        host: account.host,
        port: account.port,
        security: account.security,
        auth: username !== '',
        username,
        password,
        ...(accessToken !== undefined ? { accessToken } : {}),
        connectionTimeoutSec: account.connectionTimeoutMs / 1000,
        ...(account.tlsRejectUnauthorized !== undefined ? { tlsRejectUnauthorized: account.tlsRejectUnauthorized } : {}),
        ...(account.tlsCa ? { tlsCa: account.tlsCa } : {}),
      }),
      ...(account.clientName ? { name: account.clientName } : {}),
      ...(username !== '' ? { auth: smtpLoginCredentials({ username, password, accessToken }), forceAuth: true } : {}),
    });
    const info = await transport.sendMail({ envelope: { from: envelope.from, to: [...envelope.to] }, raw, signal });
    return {
      ok: true,
      response: scrub(oneLine(info.response)),
      accepted: info.accepted.map(String),
      rejected: info.rejected.map(String),
    };
  } catch (err) {
    const failure = classifySmtpFailure(err);
    return { ...failure, response: scrub(failure.response) };
  } finally {
    clearTimeout(timer);
    transport?.close();
  }
}

function oneLine(text: string): string {
  const line = String(text ?? '').replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
