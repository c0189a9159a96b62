import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer, type SMTPServerAuthentication } from 'smtp-server';
import { createSelfSignedCert } from './dovecot.ts';

/** A reply the capture server gives to chosen recipients at RCPT TO. */
export interface Refusal {
  code: number;
  message: string;
}

/** How a capturing SMTP server behaves. */
export interface SmtpCaptureOptions {
  /** Recipients (lower case) refused at RCPT TO with the given reply, e.g. 450 or 550. */
  refuse?: Record<string, Refusal>;
  /** Users that may log in (PLAIN, LOGIN); unset: no AUTH offered. */
  users?: Record<string, string>;
  /** Access tokens accepted by XOAUTH2 (offered only when set), per user. */
  oauthTokens?: Record<string, string>;
  /** TLS from the first byte. */
  secure?: boolean;
  /** Offer STARTTLS on a plain connection. */
  starttls?: boolean;
  /** Do not announce PIPELINING, so a client must send one command at a time. */
  noPipelining?: boolean;
}

/** One accepted message. */
export interface CapturedMessage {
  from: string;
  to: string[];
  raw: Buffer;
}

/** A running capture server owned by this process. */
export interface SmtpCapture {
  port: number;
  /** Accepted messages in the order their DATA ended. */
  readonly messages: CapturedMessage[];
  /** Waits until at least `count` messages were accepted; bounded by lack of progress, not total time. */
  waitForMessages(count: number, idleMs?: number): Promise<CapturedMessage[]>;
  stop(): Promise<void>;
}

/**
 * Starts an smtp-server on a free loopback port that keeps every accepted
 * message in memory and refuses chosen recipients with chosen replies: the
 * peer for per-recipient 4xx/5xx handling, AUTH (PLAIN, LOGIN, XOAUTH2) and
 * TLS. Note smtp-server waits ~100 ms before greeting each new connection.
 */
export async function startSmtpCapture(opts: SmtpCaptureOptions = {}): Promise<SmtpCapture> {
  const tls = opts.secure === true || opts.starttls === true;
  const dir = tls ? await mkdtemp(path.join(os.tmpdir(), 'postdesk-smtp-capture-')) : undefined;
  const cert = dir ? await createSelfSignedCert(dir) : undefined;
  const messages: CapturedMessage[] = [];
  const methods = [...(opts.users ? ['PLAIN', 'LOGIN'] : []), ...(opts.oauthTokens ? ['XOAUTH2'] : [])];
  const server = new SMTPServer({
    secure: opts.secure === true,
    ...(cert ? { key: cert.key, cert: cert.cert } : {}),
    disabledCommands: [...(opts.starttls === true ? [] : ['STARTTLS']), ...(methods.length === 0 ? ['AUTH'] : [])],
    hidePIPELINING: opts.noPipelining === true,
    allowInsecureAuth: !tls,
    authOptional: methods.length === 0,
    authMethods: methods,
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 1_000,
    size: 10 * 1024 * 1024,
    onAuth(auth: SMTPServerAuthentication, _session, callback) {
      if (auth.method === 'XOAUTH2') {
        const ok = auth.username !== undefined && opts.oauthTokens?.[auth.username] === auth.accessToken;
        if (ok) callback(null, { user: auth.username });
        else callback(null, { data: { status: '401', schemes: 'bearer', scope: 'https://mail.example/' } });
        return;
      }
      const expected = auth.username !== undefined ? opts.users?.[auth.username] : undefined;
      if (expected !== undefined && auth.password === expected) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onRcptTo(address, _session, callback) {
      const refusal = opts.refuse?.[address.address.toLowerCase()];
      if (!refusal) return callback();
      const err = new Error(refusal.message) as Error & { responseCode: number };
      err.responseCode = refusal.code;
      callback(err);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks),
        });
        callback();
      });
    },
  });
  const port = await listenOnLoopback(server);
  let stopped = false;
  return {
    port,
    messages,
    async waitForMessages(count, idleMs = 5_000) {
      let seen = messages.length;
      let since = Date.now();
      while (messages.length < count) {
        if (messages.length !== seen) {
          seen = messages.length;
          since = Date.now();
        } else if (Date.now() - since > idleMs) {
          throw new Error(`the capture server accepted ${messages.length} of ${count} messages and nothing more for ${idleMs} ms`);
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      return messages;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Starts an smtp-server peer on a free loopback port and answers that port. */
export function listenOnLoopback(server: SMTPServer): Promise<number> {
  server.on('error', () => undefined);
  return new Promise<number>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.server.address();
      if (addr && typeof addr === 'object') resolve(addr.port);
      else reject(new Error('smtp-server has no TCP address'));
    });
  });
}
