import net from 'node:net';
import tls from 'node:tls';
import type { Pop3Settings } from '../verify/types.ts';
import { tlsTrustOptions } from '../verify/tls-trust.ts';
import { DotUnstuffer } from './dot-unstuffer.ts';
import { Pop3Error } from './pop3-error.ts';
import { isOk } from './pop3-reply.ts';

/** The longest status or listing line accepted (RFC 2449 allows 512 octets); message bodies have no line limit. */
export const MAX_LINE = 8 * 1024;
const MAX_CAPA_LINES = 200;
// Unread bytes at which the socket is paused until a reader takes them: a
// server that sends without being asked cannot fill our memory.
const HIGH_WATER = 1024 * 1024;
const CRLF = Buffer.from('\r\n');

/** How long one read may wait: for the whole reply, or with `idle` for each next chunk of it. */
export interface ReadLimit {
  ms: number;
  /** Restart the clock whenever bytes arrive: a large body is bounded by progress, not by its total time. */
  idle?: boolean;
  /** Names the command in the timeout message, e.g. "RETR 3". */
  what: string;
}

// One parsing step over the unread bytes: how many it used, and the value once the reply is complete.
type Step<T> = { used: number; done: false } | { used: number; done: true; value: T };

/**
 * The POP3 byte stream of one connection: a buffered reader over whatever
 * socket is current (swapped to TLS by STLS) that serves status lines,
 * dot-terminated listings and raw message bodies from the same buffer, so a
 * reply may span many packets and one packet may carry many replies
 * (pipelining). Lines are bounded by MAX_LINE; bodies are streamed through a
 * DotUnstuffer as bytes. Once it fails (socket error, close, timeout,
 * framing error) every later read rejects with that first error.
 */
export class Pop3Wire {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private reading = false;
  private readonly onData = (chunk: Buffer): void => this.push(chunk);
  private readonly onError = (err: Error): void => this.fail(err);
  private readonly onClose = (): void => this.fail(new Pop3Error('protocol_error', 'the server closed the connection'));

  constructor(private socket: net.Socket) {
    this.listen(socket);
  }

  /** The error that ended this connection, if it has ended. */
  get failed(): Error | undefined {
    return this.failure;
  }

  /** Reads one CRLF-terminated line (without the CRLF). */
  readLine(limit?: ReadLimit): Promise<string> {
    return this.read<string>((view) => {
      const at = view.indexOf(CRLF);
      if (at < 0 ? view.length > MAX_LINE : at > MAX_LINE) throw lineTooLong();
      return at < 0 ? { used: 0, done: false } : { used: at + 2, done: true, value: view.toString('utf8', 0, at) };
    }, limit);
  }

  /** Writes one command line; the reply is read separately, so commands can be pipelined. */
  send(line: string): void {
    if (!this.socket.destroyed && this.failure === undefined) this.socket.write(`${line}\r\n`);
  }

  /** Sends a command and reads its status line. */
  command(line: string, limit?: ReadLimit): Promise<string> {
    this.send(line);
    return this.readLine(limit);
  }

  /**
   * Reads the lines of a dot-terminated listing (CAPA, UIDL, LIST), undoing
   * byte-stuffing, and hands each to onLine as latin1 text; the terminating
   * "." is not passed. More than maxLines lines is a protocol error.
   */
  readLines(what: string, maxLines: number, onLine: (line: string) => void, limit?: ReadLimit): Promise<void> {
    let count = 0;
    return this.read<void>((view) => {
      let off = 0;
      for (;;) {
        const at = view.indexOf(CRLF, off);
        if (at < 0 ? view.length - off > MAX_LINE : at - off > MAX_LINE) throw lineTooLong();
        if (at < 0) return { used: off, done: false };
        const line = view.toString('latin1', off, at);
        off = at + 2;
        if (line === '.') return { used: off, done: true, value: undefined };
        if (++count > maxLines) throw new Pop3Error('protocol_error', `the ${what} listing did not end within ${maxLines} lines`);
        onLine(line.startsWith('.') ? line.slice(1) : line);
      }
    }, limit);
  }

  /**
   * Streams a dot-terminated message body into `body`. When the decoded size
   * passes giveUpAt the connection is closed (too_large): draining that much
   * more is not worth it.
   */
  readBody(what: string, body: DotUnstuffer, giveUpAt: number, limit?: ReadLimit): Promise<void> {
    return this.read<void>((view) => {
      const step = body.push(view);
      if (step.done) return { used: step.used, done: true, value: undefined };
      if (body.size > giveUpAt) throw new Pop3Error('too_large', `${what}: more than ${giveUpAt} bytes; connection closed`);
      return { used: step.used, done: false };
    }, limit);
  }

  /** STLS succeeded: the rest of the session runs over TLS on the same TCP connection. */
  async upgrade(settings: Pop3Settings, sockets: net.Socket[]): Promise<void> {
    if (this.pos < this.buf.length) {
      // a compliant server says nothing between +OK and the handshake: this was injected
      throw new Pop3Error('tls_failed', 'the server sent data after +OK to STLS, before the TLS handshake');
    }
    if (this.failure) throw this.failure;
    const plain = this.socket;
    this.unlisten(plain);
    plain.on('error', () => undefined);
    const secured = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const socket = tls.connect({ socket: plain, ...tlsOptions(settings) });
      sockets.push(socket);
      const onClose = (): void => reject(new Pop3Error('tls_failed', 'the connection closed during the TLS handshake'));
      socket.once('error', reject);
      socket.once('close', onClose);
      socket.once('secureConnect', () => {
        socket.off('error', reject);
        socket.off('close', onClose);
        resolve(socket);
      });
    });
    this.socket = secured;
    this.listen(secured);
  }

  /** Says QUIT and ends the connection, waiting at most ms for the reply; for callers that need no answer. */
  async quit(ms: number): Promise<void> {
    try {
      await this.command('QUIT', { ms, what: 'QUIT' }).catch(() => '');
    } finally {
      this.socket.end();
    }
  }

  /** Ends the connection now: pending and later reads reject with err. */
  destroy(err: Error): void {
    this.fail(err);
    this.socket.destroy();
  }

  // The one read loop: run the step over the unread bytes, wait for more, repeat.
  private async read<T>(step: (view: Buffer) => Step<T>, limit?: ReadLimit): Promise<T> {
    if (this.reading) throw new Error('Pop3Wire: a read is already in progress');
    this.reading = true;
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      if (!limit) return;
      clearTimeout(timer);
      const text = limit.idle ? `the server sent nothing for ${limit.ms} ms` : `no reply within ${limit.ms} ms`;
      timer = setTimeout(() => this.destroy(new Pop3Error('timeout', `${limit.what}: ${text}`)), limit.ms);
    };
    arm();
    try {
      for (;;) {
        if (this.pos < this.buf.length) {
          let r: Step<T>;
          try {
            r = step(this.buf.subarray(this.pos));
          } catch (err) {
            // the reply can no longer be framed: the connection is unusable
            this.destroy(err instanceof Error ? err : new Error(String(err)));
            throw err;
          }
          this.pos += r.used;
          if (r.done) return r.value;
        }
        if (this.failure) throw this.failure;
        await this.more();
        if (limit?.idle) arm();
      }
    } finally {
      clearTimeout(timer);
      this.reading = false;
    }
  }

  private more(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      if (this.socket.isPaused()) this.socket.resume();
    });
  }

  private push(chunk: Buffer): void {
    if (this.pos >= this.buf.length) this.buf = chunk;
    else this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
    this.pos = 0;
    if (this.buf.length > HIGH_WATER) this.socket.pause();
    this.wakeUp();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.wakeUp();
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private listen(socket: net.Socket): void {
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  private unlisten(socket: net.Socket): void {
    socket.off('data', this.onData);
    socket.off('error', this.onError);
    socket.off('close', this.onClose);
  }
}

const lineTooLong = (): Pop3Error => new Pop3Error('protocol_error', `the server sent a line longer than ${MAX_LINE} bytes`);

/**
 * Opens TCP (and TLS for 'tls'), pushing each socket onto `sockets` so a
 * caller's deadline can destroy it. Node's own errors (ECONNREFUSED,
 * ENOTFOUND, TLS alerts) pass through untouched for classifyError.
 */
export function connectPop3(settings: Pop3Settings, sockets: net.Socket[]): Promise<Pop3Wire> {
  return new Promise((resolve, reject) => {
    const secure = settings.security === 'tls';
    const socket = secure
      ? tls.connect({ host: settings.host, port: settings.port, ...tlsOptions(settings) })
      : net.connect({ host: settings.host, port: settings.port });
    sockets.push(socket);
    const onError = (err: Error): void => reject(err);
    // destroyed by a deadline before connecting: no 'error' follows, only 'close'
    const onClose = (): void => reject(new Pop3Error('protocol_error', 'the connection closed before it was established'));
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      socket.off('error', onError);
      socket.off('close', onClose);
      resolve(new Pop3Wire(socket));
    });
  });
}

/** CAPA (RFC 2449): the set of capability names (and SASL=<mechanism> per SASL mechanism), or undefined when the server does not know CAPA. */
export async function readCapabilities(wire: Pop3Wire, limit?: ReadLimit): Promise<Set<string> | undefined> {
  const reply = await wire.command('CAPA', limit);
  if (!isOk(reply)) return undefined;
  const caps = new Set<string>();
  await wire.readLines(
    'CAPA',
    MAX_CAPA_LINES,
    (line) => {
      const [name = '', ...args] = line.split(' ');
      caps.add(name.toUpperCase());
      // "SASL PLAIN XOAUTH2" also becomes SASL=PLAIN, SASL=XOAUTH2, as IMAP writes AUTH=…
      if (name.toUpperCase() === 'SASL') for (const m of args) if (m !== '') caps.add(`SASL=${m.toUpperCase()}`);
    },
    limit,
  );
  return caps;
}

function tlsOptions(settings: Pop3Settings): tls.ConnectionOptions {
  return {
    ...tlsTrustOptions(settings),
    ...(net.isIP(settings.host) ? {} : { servername: settings.host }),
  };
}
