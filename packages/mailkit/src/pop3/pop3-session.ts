import type net from 'node:net';
import { classifyError, messageOf } from '../verify/classify-error.ts';
import type { Pop3Settings } from '../verify/types.ts';
import { DotUnstuffer } from './dot-unstuffer.ts';
import { Pop3Error } from './pop3-error.ts';
import { pop3Login } from './pop3-login.ts';
import { announcedOctets, isOk, parseListLine, parseUidlLine, stripStatus, type Pop3ListEntry, type Pop3UidlEntry } from './pop3-reply.ts';
import { connectPop3, readCapabilities, type Pop3Wire, type ReadLimit } from './pop3-wire.ts';

/** Default bound on one command's reply; for bodies and listings, on each pause between chunks. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 60_000;
/** Default largest message retr() returns (60 MiB), matching the parser's limit on what it will read. */
export const DEFAULT_MAX_MESSAGE_BYTES = 60 * 1024 * 1024;
/** How far past maxBytes retr() keeps reading (and discarding) to keep the session; beyond it, reconnecting is cheaper. */
export const TOO_LARGE_DRAIN_BYTES = 8 * 1024 * 1024;
// A maildrop with more messages than this is refused rather than listed into memory.
const MAX_LISTING_LINES = 1_000_000;

/** How a session bounds its commands and when its owner stops it. */
export interface Pop3SessionOptions {
  /**
   * The longest wait for a reply (default 60 s). A single-line reply must
   * arrive whole within it; for a multi-line reply (UIDL, LIST, RETR) it
   * bounds each wait for the next chunk, so a large message on a slow link
   * is not cut off while bytes keep coming. A timeout closes the session.
   */
  commandTimeoutMs?: number;
  /** Aborting closes the session at once (no QUIT, so no deletions) and rejects pending commands with code 'aborted'. */
  signal?: AbortSignal;
}

/** Bounds one RETR. */
export interface Pop3RetrOptions {
  /** The largest message accepted, in decoded bytes (default DEFAULT_MAX_MESSAGE_BYTES). */
  maxBytes?: number;
}

/**
 * A logged-in POP3 maildrop, for a sync that downloads by UIDL and deletes
 * what it stored. Commands run one at a time in call order (pipelined when
 * the server offers PIPELINING). Deletions take effect only on quit(); close()
 * or any failure that ends the session leaves the maildrop unchanged — POP3's
 * rollback. Every rejection is a Pop3Error.
 */
export interface Pop3Session {
  /** The server's CAPA after login, or undefined when it does not support CAPA. */
  readonly capabilities: ReadonlySet<string> | undefined;
  /** True once the session has ended (quit, close, abort, timeout, or a broken connection). */
  readonly closed: boolean;
  /** Every message's number and unique id, the sync cursor; -ERR is code 'uidl_unsupported'. Line-by-line validated (RFC 1939). */
  uidl(): Promise<Pop3UidlEntry[]>;
  /** Every message's number and size, so a sync can skip a message too large to fetch before asking for it. */
  list(): Promise<Pop3ListEntry[]>;
  /**
   * The exact message bytes: dot-stuffing undone, CRLFs and 8-bit bytes kept,
   * the terminating "." line removed. Over maxBytes it rejects with
   * 'too_large'; the session stays usable when the rest of the message (up to
   * TOO_LARGE_DRAIN_BYTES more) can be read and discarded, otherwise it is
   * closed — check `closed` after the error. A message number below 1 or
   * not an integer rejects with a RangeError (a caller's bug).
   */
  retr(msg: number, opts?: Pop3RetrOptions): Promise<Buffer>;
  /** Marks a message deleted; it goes only when quit() succeeds. */
  dele(msg: number): Promise<void>;
  /**
   * Ends the session with QUIT, which applies the deletions; resolves only
   * when the server confirmed them. After a rejection it is unknown whether
   * they were applied (the reply may have been lost): the next UIDL tells.
   */
  quit(): Promise<void>;
  /** Drops the connection without QUIT: marked deletions are not applied. Idempotent. */
  close(): void;
}

/**
 * Connects, reads the greeting and CAPA, upgrades with STLS when security is
 * 'starttls' and logs in (USER/PASS, or SASL OAUTHBEARER/XOAUTH2 with an
 * access token: pop3Login), under the account's connection and
 * login time limits. Like the connection check it never sends the password
 * over plaintext to a server that offers only STLS. Rejects with a Pop3Error
 * whose code is verify's (auth_failed, auth_unavailable, connection_refused, host_not_found,
 * timeout, tls_failed, starttls_unavailable, protocol_error) or 'aborted'.
 */
export async function openPop3Session(settings: Pop3Settings, opts: Pop3SessionOptions = {}): Promise<Pop3Session> {
  const commandTimeoutMs = opts.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const { signal } = opts;
  if (signal?.aborted) throw aborted(signal);
  if (/[\r\n]/.test(settings.username + settings.password)) {
    throw new Pop3Error('auth_failed', 'the username or password contains a line break');
  }
  const where = `${settings.host}:${settings.port}`;
  const sockets: net.Socket[] = [];
  let wire: Pop3Wire | undefined;
  let stopped: Pop3Error | undefined;
  const stop = (err: Pop3Error): void => {
    stopped ??= err;
    wire?.destroy(err);
    for (const s of sockets) s.destroy();
  };
  const onAbort = (): void => stop(aborted(signal));
  signal?.addEventListener('abort', onAbort, { once: true });
  let timer = setTimeout(
    () => stop(new Pop3Error('timeout', `no answer from ${where} within ${settings.connectionTimeoutSec} s`)),
    Math.max(1, settings.connectionTimeoutSec * 1000),
  );
  try {
    wire = await connectPop3(settings, sockets);
    if (stopped) throw stopped;
    const greeting = await wire.readLine();
    if (!isOk(greeting)) throw new Pop3Error('protocol_error', 'the server did not greet with +OK', greeting);

    let caps = await readCapabilities(wire);
    if (settings.security === 'starttls') {
      if (caps && !caps.has('STLS')) throw new Pop3Error('starttls_unavailable', 'STLS is not in CAPA');
      const reply = await wire.command('STLS');
      if (!isOk(reply)) throw new Pop3Error('starttls_unavailable', 'the server refused STLS', stripStatus(reply));
      await wire.upgrade(settings, sockets);
      caps = await readCapabilities(wire);
    }
    if (settings.security === 'none' && caps && !caps.has('USER') && caps.has('STLS')) {
      throw new Pop3Error('tls_failed', 'the server requires TLS before login');
    }

    clearTimeout(timer);
    timer = setTimeout(
      () => stop(new Pop3Error('timeout', `login to ${where} did not complete within ${settings.authTimeoutSec} s`)),
      Math.max(1, settings.authTimeoutSec * 1000),
    );
    await pop3Login(wire, settings, caps);
    clearTimeout(timer);

    // capabilities may change after login (RFC 2449); this is the set that applies from now on
    const after = caps ? await readCapabilities(wire, { ms: commandTimeoutMs, what: 'CAPA' }) : undefined;
    if (stopped) throw stopped;
    signal?.removeEventListener('abort', onAbort);
    return new Session(wire, sockets, after, commandTimeoutMs, signal);
  } catch (err) {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    for (const s of sockets) s.destroy();
    throw stopped ?? toPop3Error(err);
  }
}

class Session implements Pop3Session {
  private ended: Pop3Error | undefined;
  private quitting = false;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly pipelining: boolean;
  private readonly onAbort = (): void => this.end(aborted(this.signal));

  constructor(
    private readonly wire: Pop3Wire,
    private readonly sockets: net.Socket[],
    readonly capabilities: ReadonlySet<string> | undefined,
    private readonly commandTimeoutMs: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.pipelining = capabilities?.has('PIPELINING') ?? false;
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  get closed(): boolean {
    return this.ended !== undefined || this.wire.failed !== undefined;
  }

  uidl(): Promise<Pop3UidlEntry[]> {
    return this.run('UIDL', async () => {
      const status = await this.wire.readLine(this.replyLimit('UIDL'));
      if (!isOk(status)) throw new Pop3Error('uidl_unsupported', 'the server does not support UIDL', stripStatus(status));
      return this.listing('UIDL', parseUidlLine);
    });
  }

  list(): Promise<Pop3ListEntry[]> {
    return this.run('LIST', async () => {
      const status = await this.wire.readLine(this.replyLimit('LIST'));
      if (!isOk(status)) throw new Pop3Error('command_refused', 'the server refused LIST', stripStatus(status));
      return this.listing('LIST', parseListLine);
    });
  }

  retr(msg: number, opts: Pop3RetrOptions = {}): Promise<Buffer> {
    const maxBytes = opts.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) return Promise.reject(new RangeError(`maxBytes must be a whole number of bytes: ${maxBytes}`));
    const bad = badMsg(msg);
    if (bad) return Promise.reject(bad);
    const what = `RETR ${msg}`;
    return this.run(what, async () => {
      const status = await this.wire.readLine(this.replyLimit(what));
      if (!isOk(status)) throw new Pop3Error('command_refused', `the server refused ${what}`, stripStatus(status));
      const giveUpAt = maxBytes + TOO_LARGE_DRAIN_BYTES;
      const announced = announcedOctets(status);
      if (announced !== undefined && announced > giveUpAt) {
        // the server says it is far too large: closing beats downloading it only to throw it away
        const err = new Pop3Error('too_large', `${what}: the server announced ${announced} bytes, over ${maxBytes}; connection closed`);
        this.end(err);
        throw err;
      }
      const body = new DotUnstuffer(maxBytes);
      await this.wire.readBody(what, body, giveUpAt, this.progressLimit(what));
      if (body.overflowed) throw new Pop3Error('too_large', `${what}: the message is larger than ${maxBytes} bytes`);
      return body.result();
    });
  }

  dele(msg: number): Promise<void> {
    const bad = badMsg(msg);
    if (bad) return Promise.reject(bad);
    const what = `DELE ${msg}`;
    return this.run(what, async () => {
      const status = await this.wire.readLine(this.replyLimit(what));
      if (!isOk(status)) throw new Pop3Error('command_refused', `the server refused ${what}`, stripStatus(status));
    });
  }

  async quit(): Promise<void> {
    const reply = this.run('QUIT', async () => {
      const status = await this.wire.readLine(this.replyLimit('QUIT'));
      // RFC 1939: -ERR here means some deleted messages were not removed
      if (!isOk(status)) throw new Pop3Error('command_refused', 'the server did not apply every deletion', stripStatus(status));
    }, false);
    this.quitting = true;
    try {
      await reply;
    } finally {
      this.end(new Pop3Error('session_closed', 'the POP3 session has ended (QUIT)'));
    }
  }

  close(): void {
    this.end(new Pop3Error('session_closed', 'the POP3 session was closed'));
  }

  // Queues a command behind the ones before it. With PIPELINING the line is
  // written at once and only the reading waits its turn; otherwise the line
  // is written when the previous reply has been read (always so for QUIT, which
  // must not commit deletions while an earlier reply could still end the
  // session). The command whose reply
  // was being read when the session ended gets the cause itself (timeout,
  // aborted, ...); commands still queued get session_closed (or aborted).
  private run<T>(line: string, readReply: () => Promise<T>, pipeline = true): Promise<T> {
    const gone = this.gone(false);
    if (gone) return Promise.reject(gone);
    const early = pipeline && this.pipelining;
    if (early) this.wire.send(line);
    const reply = this.chain.then(async () => {
      const before = this.gone(true);
      if (before) throw before;
      if (!early) this.wire.send(line);
      return readReply();
    });
    this.chain = reply.catch(() => undefined);
    return reply.catch((err: unknown) => {
      const failed = this.wire.failed;
      // a broken connection ends the session: release both sockets and the abort listener
      if (failed && !this.ended) this.end(toPop3Error(failed));
      throw toPop3Error(err);
    });
  }

  // Why a command cannot start: the session ended, or QUIT is already queued (`queued`: it was, before QUIT).
  private gone(queued: boolean): Pop3Error | undefined {
    const reason = this.ended ?? (this.wire.failed ? toPop3Error(this.wire.failed) : undefined);
    if (reason) {
      if (reason.code === 'aborted' || reason.code === 'session_closed') return reason;
      return new Pop3Error('session_closed', `the POP3 session has ended: ${reason.message}`, undefined, { cause: reason });
    }
    if (this.quitting && !queued) return new Pop3Error('session_closed', 'the POP3 session is ending (QUIT was sent)');
    return undefined;
  }

  private async listing<E extends { msg: number }>(what: string, parse: (line: string) => E | undefined): Promise<E[]> {
    const out: E[] = [];
    const seen = new Set<number>();
    let bad: string | undefined;
    await this.wire.readLines(
      what,
      MAX_LISTING_LINES,
      (line) => {
        const entry = parse(line);
        if (!entry || seen.has(entry.msg)) bad ??= line;
        else {
          seen.add(entry.msg);
          out.push(entry);
        }
      },
      this.progressLimit(what),
    );
    // read to the end first, so one bad line does not desynchronise the session
    if (bad !== undefined) throw new Pop3Error('protocol_error', `the server sent a malformed ${what} line`, bad.slice(0, 200));
    return out;
  }

  private replyLimit(what: string): ReadLimit {
    return { ms: this.commandTimeoutMs, what };
  }

  private progressLimit(what: string): ReadLimit {
    return { ms: this.commandTimeoutMs, idle: true, what };
  }

  private end(err: Pop3Error): void {
    this.ended ??= err;
    this.signal?.removeEventListener('abort', this.onAbort);
    this.wire.destroy(this.ended);
    for (const s of this.sockets) s.destroy();
  }
}

// A caller's bug, not the server's: a RangeError rather than a coded Pop3Error.
function badMsg(msg: number): RangeError | undefined {
  return Number.isSafeInteger(msg) && msg >= 1 ? undefined : new RangeError(`not a POP3 message number: ${msg}`);
}

function aborted(signal: AbortSignal | undefined): Pop3Error {
  return new Pop3Error('aborted', 'the POP3 session was aborted', undefined, { cause: signal?.reason });
}

// Node's socket and TLS errors become Pop3Errors with verify's classification.
function toPop3Error(err: unknown): Pop3Error {
  if (err instanceof Pop3Error) return err;
  return new Pop3Error(classifyError(err), messageOf(err), undefined, { cause: err });
}
