import net from 'node:net';
import os from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import tls from 'node:tls';
import type { SendFailure, SendFailureCode } from '../smtp/classify-smtp-failure.ts';

// A minimal SMTP client for bulk sending over one long-lived connection with
// PIPELINING (RFC 2920). Written by hand because nodemailer's SMTPConnection
// pipelines only within one message: its send() takes one message at a time
// and waits for the reply to the final "." before the next may start (two
// round trips and at least two writes per message), and every message goes
// through a dot-stuffing stream. Here the content of message n, its final
// ".", and MAIL/RCPT/DATA of message n+1 leave in one write, so a message
// costs one round trip and one write; replies are matched to commands in
// order (a FIFO of waiters, as RFC 2920 §3.1 requires of a client).
//
// What it does: TLS from the first byte or STARTTLS, AUTH PLAIN / LOGIN /
// XOAUTH2 (an access-token callback, for OAuth2 mailboxes), per-recipient
// 4xx/5xx replies reported per message with RSET before the next
// transaction, 421 (the server closing: every waiting message fails
// temporarily), reply timeouts, and lock-step sending for a server without
// PIPELINING. What it does not: more than one recipient per message (a
// dialer message has one), CHUNKING, DSN parameters.

/** How to reach and log in to one SMTP account. */
export interface PipelineAccount {
  host: string;
  port: number;
  /** tls: TLS from the first byte (465); starttls: the upgrade is required (587); none: plaintext, no upgrade attempted. */
  security: 'tls' | 'starttls' | 'none';
  auth?: PipelineAuth;
  /** The name given in EHLO; this machine's host name by default. */
  clientName?: string;
  /** Bounds each step of opening: TCP, TLS, the greeting, EHLO, STARTTLS, AUTH. */
  connectionTimeoutMs: number;
  /** Bounds the wait for any reply once open; default max(60 s, 2 × connectionTimeoutMs). */
  replyTimeoutMs?: number;
  /** Verify the server certificate (default true); false only for test servers. */
  tlsRejectUnauthorized?: boolean;
}

/** A password (PLAIN, or LOGIN where PLAIN is not offered), or an OAuth2 access token (XOAUTH2). */
export type PipelineAuth =
  | { user: string; pass: string; method?: 'PLAIN' | 'LOGIN' }
  | { user: string; method: 'XOAUTH2'; accessToken: () => Promise<string> };

/** One message with one recipient; data is the raw message with CRLF line ends, without the final ".". */
export interface PipelineMessage {
  from: string;
  to: string;
  data: string | Buffer;
  /** The caller promises a 7-bit string (as the bulk composer writes): it is written byte for byte, no UTF-8 encoding pass. */
  ascii?: boolean;
}

/**
 * The outcome of one message. On failure, `delivery` says whether the server
 * may have taken it anyway: 'unknown' when the connection ended after the
 * whole content was written and before the server's verdict (a resend may
 * duplicate it), 'not_sent' otherwise.
 */
export type PipelineResult = { ok: true; reply: string } | (SendFailure & { delivery: 'not_sent' | 'unknown' });

/** Why a connection could not be opened, classified like a send failure. */
export class SmtpPipelineError extends Error {
  override readonly name = 'SmtpPipelineError';
  constructor(readonly failure: SendFailure) {
    super(failure.response);
  }
}

/** What the server said it supports after EHLO. */
export interface PipelineCapabilities {
  pipelining: boolean;
  smtputf8: boolean;
  /** The SIZE limit in bytes; 0 when none was announced. */
  maxSize: number;
  auth: string[];
  starttls: boolean;
}

interface Reply {
  code: number;
  text: string;
}

interface Pending {
  msg: PipelineMessage;
  resolve: (r: PipelineResult) => void;
  mail?: Reply;
  rcpt?: Reply;
  contentSent: boolean;
}

const MAX_REPLY_BYTES = 64 * 1024;

/**
 * One open SMTP connection that sends many messages, each a one-recipient
 * transaction, pipelined. send() never rejects: every message gets a
 * PipelineResult. Open it with SmtpPipeline.open().
 */
export class SmtpPipeline {
  #socket: net.Socket;
  #buffer = '';
  #lines: string[] = [];
  #waiters: Array<(r: Reply) => void> = [];
  #queue: Pending[] = [];
  #envelopeOut = false;
  #needRset = false;
  #closed = false;
  #closeReason: SendFailure | null = null;
  #awaitingFinal: Pending[] = [];
  #envelopes: Pending[] = [];
  #inflight = new Set<Promise<PipelineResult>>();
  readonly #decoder = new StringDecoder('utf8');
  readonly capabilities: PipelineCapabilities;
  readonly #replyTimeoutMs: number;
  readonly #scrub: (s: string) => string;

  private constructor(socket: net.Socket, caps: PipelineCapabilities, replyTimeoutMs: number, scrub: (s: string) => string, leftover: { buffer: string; lines: string[] }) {
    this.#socket = socket;
    this.capabilities = caps;
    this.#replyTimeoutMs = replyTimeoutMs;
    this.#scrub = scrub;
    this.#buffer = leftover.buffer;
    this.#lines = leftover.lines;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(this.#decoder.write(chunk)));
    socket.on('timeout', () => {
      if (this.#waiters.length > 0) this.#fail({ code: 'timeout', smtpCode: undefined, response: `no reply from the server within ${this.#replyTimeoutMs} ms` });
    });
    socket.on('error', (err) => this.#fail({ code: 'connection_failed', smtpCode: undefined, response: scrub(err.message) }));
    socket.on('close', () => this.#fail({ code: 'connection_failed', smtpCode: undefined, response: 'the server closed the connection' }));
  }

  /** Connects, reads the greeting, says EHLO, upgrades with STARTTLS and logs in; throws SmtpPipelineError. */
  static async open(account: PipelineAccount): Promise<SmtpPipeline> {
    const secrets = account.auth ? [account.auth.user, 'pass' in account.auth ? account.auth.pass : ''] : [];
    const scrub = (s: string): string => redact(s, secrets);
    const t = account.connectionTimeoutMs;
    let socket: net.Socket | null = null;
    const reader = new OpeningReader(scrub);
    try {
      socket = await step(connectSocket(account), t, 'connecting', scrub);
      reader.attach(socket);
      const greeting = await step(reader.next(), t, 'waiting for the greeting', scrub);
      if (greeting.code !== 220) throw refusal(greeting, 'greeting', scrub);
      let caps = await ehlo(socket, reader, account, t, scrub);
      if (account.security === 'starttls') {
        if (!caps.starttls) throw new SmtpPipelineError(failure('tls_failed', false, 'account', 'the server does not offer STARTTLS'));
        socket.write('STARTTLS\r\n');
        const ready = await step(reader.next(), t, 'STARTTLS', scrub);
        if (ready.code !== 220) throw new SmtpPipelineError(failure('tls_failed', false, 'account', scrub(line(ready)), ready.code));
        reader.detach(socket);
        socket = await step(upgrade(socket, account), t, 'the TLS handshake', scrub);
        reader.attach(socket);
        caps = await ehlo(socket, reader, account, t, scrub);
      }
      if (account.auth) await login(socket, reader, account.auth, caps, t, scrub);
      reader.detach(socket);
      return new SmtpPipeline(socket, caps, account.replyTimeoutMs ?? Math.max(60_000, 2 * t), scrub, reader.leftover());
    } catch (err) {
      socket?.destroy();
      if (err instanceof SmtpPipelineError) throw err;
      throw new SmtpPipelineError(failure('connection_failed', false, 'account', scrub(err instanceof Error ? err.message : String(err))));
    }
  }

  /** Whether the connection can still take messages. */
  get isOpen(): boolean {
    return !this.#closed;
  }

  /** Messages handed in and not yet answered. */
  get pending(): number {
    return this.#queue.length + this.#envelopes.length + this.#awaitingFinal.length;
  }

  /** Queues one message; resolves with its outcome, never rejects. */
  send(msg: PipelineMessage): Promise<PipelineResult> {
    const result = this.#enqueue(msg);
    this.#inflight.add(result);
    void result.then(() => this.#inflight.delete(result));
    return result;
  }

  #enqueue(msg: PipelineMessage): Promise<PipelineResult> {
    return new Promise((resolve) => {
      if (this.#closed) {
        resolve({ ...(this.#closeReason ?? failure('connection_failed', false, 'account', 'the connection is closed')), delivery: 'not_sent' });
        return;
      }
      const p: Pending = { msg, resolve, contentSent: false };
      const problem = this.#refusedLocally(msg);
      if (problem) {
        resolve({ ...problem, delivery: 'not_sent' });
        return;
      }
      this.#queue.push(p);
      if (!this.#envelopeOut) this.#startNext([]);
    });
  }

  /** Sends QUIT after the messages already handed in, and closes. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await Promise.all([...this.#inflight]);
    if (this.#closed) return;
    const done = new Promise<void>((resolve) => this.#socket.once('close', () => resolve()));
    this.#waiters.push(() => this.#socket.end());
    this.#socket.setTimeout(this.#replyTimeoutMs);
    this.#socket.write('QUIT\r\n');
    await done;
  }

  /** Drops the connection at once; waiting messages fail with delivery 'unknown' or 'not_sent'. */
  destroy(): void {
    this.#fail({ code: 'aborted', smtpCode: undefined, response: 'the connection was closed by the sender' });
  }

  #refusedLocally(msg: PipelineMessage): SendFailure | null {
    for (const [field, address] of [['from', msg.from], ['to', msg.to]] as const) {
      if (/[\r\n\0<>\s]/.test(address) || (field === 'to' && address === '')) {
        return failure('invalid_message', true, 'message', `${field}: not a usable address`);
      }
      if (!this.capabilities.smtputf8 && !isAscii(address)) {
        return failure('invalid_message', true, 'message', `${field}: the server does not accept non-ASCII addresses (no SMTPUTF8)`);
      }
    }
    const size = this.capabilities.maxSize === 0 ? 0 : typeof msg.data === 'string' ? Buffer.byteLength(msg.data) : msg.data.length;
    if (this.capabilities.maxSize > 0 && size > this.capabilities.maxSize) {
      return failure('invalid_message', true, 'message', `the message (${size} bytes) is larger than the server's limit of ${this.capabilities.maxSize}`);
    }
    return null;
  }

  // Writes the next envelope (after `prefix`, the previous message's content) when one is queued.
  #startNext(prefix: Array<string | Buffer>, prefixAscii = true): void {
    const p = this.#queue.shift();
    if (!p) {
      this.#envelopeOut = false;
      if (prefix.length > 0) this.#write(prefix, prefixAscii);
      return;
    }
    this.#envelopeOut = true;
    this.#envelopes.push(p);
    const utf8 = !isAscii(p.msg.from) || !isAscii(p.msg.to);
    const ascii = prefixAscii && !utf8;
    const mail = `MAIL FROM:<${p.msg.from}>${utf8 ? ' SMTPUTF8' : ''}\r\n`;
    const rcpt = `RCPT TO:<${p.msg.to}>\r\n`;
    const out = prefix;
    if (this.#needRset) {
      out.push('RSET\r\n');
      this.#waiters.push(() => undefined);
      this.#needRset = false;
    }
    if (this.capabilities.pipelining) {
      this.#waiters.push((r) => (p.mail = r));
      this.#waiters.push((r) => (p.rcpt = r));
      this.#waiters.push((r) => this.#onDataReply(p, r));
      out.push(mail + rcpt + 'DATA\r\n');
      this.#write(out, ascii);
      return;
    }
    // lock-step: each command waits for the reply to the one before
    this.#waiters.push((r) => {
      p.mail = r;
      if (r.code !== 250) return this.#onDataReply(p, r);
      this.#waiters.push((r2) => {
        p.rcpt = r2;
        if (r2.code !== 250 && r2.code !== 251) return this.#onDataReply(p, r2);
        this.#waiters.push((r3) => this.#onDataReply(p, r3));
        this.#write(['DATA\r\n'], true);
      });
      this.#write([rcpt], !utf8);
    });
    out.push(mail);
    this.#write(out, ascii);
  }

  #onDataReply(p: Pending, data: Reply): void {
    this.#envelopes.shift();
    const mailOk = p.mail?.code === 250;
    const rcptOk = p.rcpt?.code === 250 || p.rcpt?.code === 251;
    if (data.code === 354 && mailOk && rcptOk) {
      p.contentSent = true;
      this.#awaitingFinal.push(p);
      this.#waiters.push((r) => {
        this.#awaitingFinal.shift();
        if (r.code === 250) p.resolve({ ok: true, reply: this.#scrub(line(r)) });
        else p.resolve({ ...replyFailure(r, 'DATA', this.#scrub), delivery: 'not_sent' });
        if (!this.capabilities.pipelining && !this.#closed) this.#startNext([]);
      });
      const content = contentOf(p.msg.data);
      const ascii = p.msg.ascii === true && typeof p.msg.data === 'string';
      if (this.capabilities.pipelining) this.#startNext(content, ascii);
      else this.#write(content, ascii);
      return;
    }
    // the transaction failed: report the first refusal; "." ends a DATA the server opened anyway
    const refused = !mailOk ? p.mail! : !rcptOk ? p.rcpt! : data;
    const stage = !mailOk ? 'MAIL FROM' : !rcptOk ? 'RCPT TO' : 'DATA';
    p.resolve({ ...replyFailure(refused, stage, this.#scrub), delivery: 'not_sent' });
    const prefix: string[] = [];
    if (data.code === 354) {
      prefix.push('.\r\n');
      this.#waiters.push(() => undefined);
    }
    this.#needRset = mailOk;
    if (this.#closed) return;
    this.#startNext(prefix);
  }

  // One write (one system call) for everything that goes out together; 7-bit text is written as latin1, byte for byte.
  #write(parts: ReadonlyArray<string | Buffer>, ascii: boolean): void {
    if (this.#closed) return;
    this.#socket.setTimeout(this.#replyTimeoutMs);
    if (parts.length === 1) {
      const only = parts[0]!;
      if (typeof only === 'string') this.#socket.write(only, ascii ? 'latin1' : 'utf8');
      else this.#socket.write(only);
      return;
    }
    this.#socket.cork();
    for (const part of parts) {
      if (typeof part === 'string') this.#socket.write(part, ascii ? 'latin1' : 'utf8');
      else this.#socket.write(part);
    }
    this.#socket.uncork();
  }

  #onData(chunk: string): void {
    this.#buffer += chunk;
    let start = 0;
    for (;;) {
      const end = this.#buffer.indexOf('\n', start);
      if (end < 0) break;
      const l = this.#buffer.slice(start, this.#buffer.charCodeAt(end - 1) === 13 ? end - 1 : end);
      start = end + 1;
      this.#onLine(l);
      if (this.#closed) return;
    }
    this.#buffer = this.#buffer.slice(start);
    if (this.#buffer.length > MAX_REPLY_BYTES) this.#fail({ code: 'protocol_error', smtpCode: undefined, response: 'the server sent a reply line longer than 64 KiB' });
  }

  #onLine(l: string): void {
    // "250-…" continues a reply; "250 …" or "250" ends it
    if (l.length >= 4 && l.charCodeAt(3) === 45) {
      this.#lines.push(l);
      if (this.#lines.length > 100) this.#fail({ code: 'protocol_error', smtpCode: undefined, response: 'the server sent a reply of more than 100 lines' });
      return;
    }
    const c0 = l.charCodeAt(0) - 48;
    const c1 = l.charCodeAt(1) - 48;
    const c2 = l.charCodeAt(2) - 48;
    if (!(c0 >= 2 && c0 <= 5 && c1 >= 0 && c1 <= 9 && c2 >= 0 && c2 <= 9) || (l.length > 3 && l.charCodeAt(3) !== 32)) {
      return this.#fail({ code: 'protocol_error', smtpCode: undefined, response: `not an SMTP reply: ${this.#scrub(l.slice(0, 200))}` });
    }
    const code = c0 * 100 + c1 * 10 + c2;
    // the usual one-line reply costs no array
    let text = l.slice(4);
    if (this.#lines.length > 0) {
      this.#lines.push(l);
      text = this.#lines.map((x) => x.slice(4)).join(' ');
      this.#lines = [];
    }
    const reply = { code, text };
    const waiter = this.#waiters.shift();
    if (!waiter) {
      if (code === 421) return this.#fail({ code: 'rejected', smtpCode: 421, response: this.#scrub(line(reply)) });
      return this.#fail({ code: 'protocol_error', smtpCode: code, response: `an unexpected reply: ${this.#scrub(line(reply))}` });
    }
    waiter(reply);
    // 421: the server is closing; whatever else waits fails temporarily
    if (code === 421) this.#fail({ code: 'rejected', smtpCode: 421, response: this.#scrub(line(reply)) });
    else if (this.#waiters.length === 0) this.#socket.setTimeout(0);
  }

  // Ends the connection and answers every message still waiting.
  #fail(why: { code: SendFailureCode; smtpCode: number | undefined; response: string }): void {
    if (this.#closed) return;
    this.#closed = true;
    const f = failure(why.code, false, 'account', why.response, why.smtpCode);
    this.#closeReason = f;
    this.#waiters = [];
    for (const p of this.#awaitingFinal) p.resolve({ ...f, delivery: 'unknown' });
    for (const p of this.#envelopes) p.resolve({ ...f, delivery: 'not_sent' });
    for (const p of this.#queue) p.resolve({ ...f, delivery: 'not_sent' });
    this.#awaitingFinal = [];
    this.#envelopes = [];
    this.#queue = [];
    this.#socket.destroy();
  }
}

// The message content followed by the end-of-data line; a line starting with
// "." is doubled (RFC 5321 §4.5.2) — our composer never writes one, so this
// is a native search that finds nothing.
function contentOf(data: string | Buffer): Array<string | Buffer> {
  const end = (last: number): string => (last === 0x0a ? '.\r\n' : '\r\n.\r\n');
  if (typeof data === 'string') {
    let text = data;
    if (text.startsWith('.') || text.includes('\n.')) text = (text.startsWith('.') ? '.' : '') + text.replace(/\n\./g, '\n..');
    return [text, end(text.charCodeAt(text.length - 1))];
  }
  let buf = data;
  if (buf[0] === 0x2e || buf.includes('\n.')) {
    const text = buf.toString('latin1');
    buf = Buffer.from((text.startsWith('.') ? '.' : '') + text.replace(/\n\./g, '\n..'), 'latin1');
  }
  return [buf, end(buf[buf.length - 1] ?? 0)];
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

function line(r: Reply): string {
  const s = `${r.code} ${r.text}`.replace(/\s+/g, ' ').trim();
  return s.length > 300 ? `${s.slice(0, 297)}...` : s;
}

function failure(code: SendFailureCode, permanent: boolean, scope: 'message' | 'account', response: string, smtpCode?: number): SendFailure {
  return { ok: false, permanent, scope, code, ...(smtpCode !== undefined ? { smtpCode } : {}), response };
}

// RFC 5321: 5xx permanent, 4xx temporary; a refusal of MAIL, RCPT or DATA judges the message, 421 the connection.
function replyFailure(r: Reply, stage: 'MAIL FROM' | 'RCPT TO' | 'DATA', scrub: (s: string) => string): SendFailure {
  if (r.code === 421) return failure('rejected', false, 'account', scrub(line(r)), r.code);
  return failure('rejected', r.code >= 500, 'message', `${stage}: ${scrub(line(r))}`, r.code);
}

function refusal(r: Reply, what: string, scrub: (s: string) => string): SmtpPipelineError {
  return new SmtpPipelineError(failure(r.code === 421 || r.code < 500 ? 'rejected' : 'protocol_error', r.code >= 500, 'account', `${what}: ${scrub(line(r))}`, r.code));
}

function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length < 3) continue;
    out = out.split(s).join('***');
    const b64 = Buffer.from(s).toString('base64');
    out = out.split(b64).join('***');
  }
  return out;
}

async function step<T>(work: Promise<T>, ms: number, what: string, scrub: (s: string) => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SmtpPipelineError(failure('timeout', false, 'account', `no answer within ${ms} ms while ${what}`))), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } catch (err) {
    if (err instanceof SmtpPipelineError) throw err;
    const e = err as NodeJS.ErrnoException;
    const tlsProblem = typeof e.code === 'string' && (e.code.startsWith('ERR_SSL') || e.code.includes('CERT') || e.code === 'ERR_TLS_CERT_ALTNAME_INVALID');
    throw new SmtpPipelineError(failure(tlsProblem ? 'tls_failed' : 'connection_failed', false, 'account', `${what}: ${scrub(e.message ?? String(err))}`));
  } finally {
    clearTimeout(timer);
  }
}

function connectSocket(account: PipelineAccount): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s =
      account.security === 'tls'
        ? tls.connect({ host: account.host, port: account.port, servername: net.isIP(account.host) ? undefined : account.host, rejectUnauthorized: account.tlsRejectUnauthorized ?? true })
        : net.connect({ host: account.host, port: account.port });
    s.once(account.security === 'tls' ? 'secureConnect' : 'connect', () => {
      s.removeListener('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

function upgrade(socket: net.Socket, account: PipelineAccount): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ socket, servername: net.isIP(account.host) ? undefined : account.host, rejectUnauthorized: account.tlsRejectUnauthorized ?? true });
    s.once('secureConnect', () => {
      s.removeListener('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

// Reads replies while the connection opens (one command at a time).
class OpeningReader {
  #buffer = '';
  #lines: string[] = [];
  #ready: Reply[] = [];
  #decoder = new StringDecoder('utf8');
  #wait: ((r: Reply) => void) | null = null;
  #error: ((e: Error) => void) | null = null;
  #failed: Error | null = null;
  readonly #onData = (chunk: Buffer): void => this.#push(this.#decoder.write(chunk));
  readonly #onEnd = (): void => this.#fatal(new Error('the server closed the connection'));
  readonly #onError = (e: Error): void => this.#fatal(e);
  constructor(private readonly scrub: (s: string) => string) {}

  attach(s: net.Socket): void {
    this.#decoder = new StringDecoder('utf8');
    s.on('data', this.#onData);
    s.on('close', this.#onEnd);
    s.on('error', this.#onError);
  }

  detach(s: net.Socket): void {
    s.removeListener('data', this.#onData);
    s.removeListener('close', this.#onEnd);
    s.removeListener('error', this.#onError);
  }

  next(): Promise<Reply> {
    const r = this.#ready.shift();
    if (r) return Promise.resolve(r);
    if (this.#failed) return Promise.reject(this.#failed);
    return new Promise((resolve, reject) => {
      this.#wait = resolve;
      this.#error = reject;
    });
  }

  leftover(): { buffer: string; lines: string[] } {
    return { buffer: this.#buffer, lines: this.#lines };
  }

  #push(chunk: string): void {
    this.#buffer += chunk;
    let nl: number;
    while ((nl = this.#buffer.indexOf('\n')) >= 0) {
      const l = this.#buffer.slice(0, this.#buffer.charCodeAt(nl - 1) === 13 ? nl - 1 : nl);
      this.#buffer = this.#buffer.slice(nl + 1);
      this.#lines.push(l);
      if (l.length >= 4 && l[3] === '-') continue;
      const lines = this.#lines;
      this.#lines = [];
      if (!/^[2-5][0-9]{2}/.test(l)) return this.#fatal(new Error(`not an SMTP reply: ${this.scrub(l.slice(0, 200))}`));
      const reply = { code: Number(l.slice(0, 3)), text: lines.map((x) => x.slice(4)).join('\n') };
      const w = this.#wait;
      this.#wait = null;
      this.#error = null;
      if (w) w(reply);
      else this.#ready.push(reply);
    }
    if (this.#buffer.length > MAX_REPLY_BYTES) this.#fatal(new Error('the server sent a reply line longer than 64 KiB'));
  }

  #fatal(e: Error): void {
    this.#failed = e;
    const reject = this.#error;
    this.#wait = null;
    this.#error = null;
    reject?.(e);
  }
}

async function ehlo(socket: net.Socket, reader: OpeningReader, account: PipelineAccount, t: number, scrub: (s: string) => string): Promise<PipelineCapabilities> {
  const name = heloName(account.clientName);
  socket.write(`EHLO ${name}\r\n`);
  const r = await step(reader.next(), t, 'EHLO', scrub);
  if (r.code === 250) return capabilitiesOf(r.text);
  if (r.code === 421 || r.code < 500) throw refusal(r, 'EHLO', scrub);
  // an old server without ESMTP: HELO, and no extensions at all
  socket.write(`HELO ${name}\r\n`);
  const h = await step(reader.next(), t, 'HELO', scrub);
  if (h.code !== 250) throw refusal(h, 'HELO', scrub);
  return { pipelining: false, smtputf8: false, maxSize: 0, auth: [], starttls: false };
}

function capabilitiesOf(text: string): PipelineCapabilities {
  const lines = text.split('\n').map((l) => l.trim().toUpperCase());
  const auth = lines.find((l) => l.startsWith('AUTH ') || l.startsWith('AUTH='));
  const size = lines.find((l) => l.startsWith('SIZE'));
  return {
    pipelining: lines.includes('PIPELINING'),
    smtputf8: lines.includes('SMTPUTF8'),
    maxSize: size ? Number(size.slice(4).trim()) || 0 : 0,
    auth: auth ? auth.slice(5).split(/\s+/).filter(Boolean) : [],
    starttls: lines.includes('STARTTLS'),
  };
}

function heloName(name: string | undefined): string {
  const n = name ?? os.hostname();
  return /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})$/.test(n) ? n : '[127.0.0.1]';
}

async function login(socket: net.Socket, reader: OpeningReader, auth: PipelineAuth, caps: PipelineCapabilities, t: number, scrub: (s: string) => string): Promise<void> {
  const ask = async (command: string, what: string): Promise<Reply> => {
    socket.write(`${command}\r\n`);
    return step(reader.next(), t, what, scrub);
  };
  const refused = (r: Reply): SmtpPipelineError =>
    // 454 is a temporary failure; 535, 534 and 530 mean the credentials: retrying them only risks a lock-out
    new SmtpPipelineError(failure('auth_failed', r.code >= 500, 'account', `AUTH: ${scrub(line(r))}`, r.code));
  if (auth.method === 'XOAUTH2') {
    const token = await step(auth.accessToken(), t, 'getting an access token', scrub);
    const initial = Buffer.from(`user=${auth.user}\x01auth=Bearer ${token}\x01\x01`).toString('base64');
    const s = (x: string): string => redact(scrub(x), [token, initial]);
    socket.write(`AUTH XOAUTH2 ${initial}\r\n`);
    let r = await step(reader.next(), t, 'AUTH XOAUTH2', s);
    // a refused token gets "334 <base64 JSON>"; an empty line asks for the final reply
    if (r.code === 334) {
      socket.write('\r\n');
      r = await step(reader.next(), t, 'AUTH XOAUTH2', s);
    }
    if (r.code !== 235) throw new SmtpPipelineError(failure('auth_failed', r.code >= 500, 'account', `AUTH: ${s(line(r))}`, r.code));
    return;
  }
  const method = auth.method ?? (caps.auth.includes('PLAIN') ? 'PLAIN' : caps.auth.includes('LOGIN') ? 'LOGIN' : null);
  if (method === null || (caps.auth.length > 0 && !caps.auth.includes(method))) {
    throw new SmtpPipelineError(failure('auth_failed', true, 'account', `the server offers no usable AUTH method (${caps.auth.join(' ') || 'none'})`));
  }
  if (method === 'PLAIN') {
    const r = await ask(`AUTH PLAIN ${Buffer.from(`\u0000${auth.user}\u0000${auth.pass}`).toString('base64')}`, 'AUTH PLAIN');
    if (r.code !== 235) throw refused(r);
    return;
  }
  let r = await ask('AUTH LOGIN', 'AUTH LOGIN');
  if (r.code !== 334) throw refused(r);
  r = await ask(Buffer.from(auth.user).toString('base64'), 'AUTH LOGIN');
  if (r.code !== 334) throw refused(r);
  r = await ask(Buffer.from(auth.pass).toString('base64'), 'AUTH LOGIN');
  if (r.code !== 235) throw refused(r);
}
