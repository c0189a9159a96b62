import net from 'node:net';
import tls from 'node:tls';
import { VerifyError } from './classify-error.ts';
import { runCheck } from './run-check.ts';
import type { CheckResult, Pop3Settings } from './types.ts';

const MAX_LINE = 8 * 1024;
const MAX_CAPA_LINES = 200;
const QUIT_MS = 1_000;

/**
 * Checks a POP3 account: connect (TLS from the first byte, or STLS), log in
 * with USER/PASS, QUIT. A small client of our own rather than node-pop3,
 * which has no STLS and reads one reply per TCP packet. Bounded in time,
 * never throws, never retries; with security 'none' it never sends the
 * password when the server's CAPA says plaintext login is off.
 */
export function verifyPop3(settings: Pop3Settings): Promise<CheckResult> {
  const sockets: net.Socket[] = [];
  return runCheck(
    'pop3',
    { ...settings },
    {
      destroy: () => {
        for (const s of sockets) s.destroy();
      },
      run: async (progress) => {
        if (/[\r\n]/.test(settings.username + settings.password)) {
          throw new VerifyError('auth_failed', 'the username or password contains a line break');
        }
        const wire = await connect(settings, sockets);
        const greeting = await wire.readLine();
        if (!greeting.startsWith('+OK')) throw new VerifyError('protocol_error', 'the server did not greet with +OK', greeting);

        let caps = await capabilities(wire);
        if (settings.security === 'starttls') {
          if (caps && !caps.has('STLS')) throw new VerifyError('starttls_unavailable', 'STLS is not in CAPA');
          const reply = await wire.command('STLS');
          if (!reply.startsWith('+OK')) throw new VerifyError('starttls_unavailable', 'the server refused STLS', stripStatus(reply));
          await wire.upgrade(settings, sockets);
          caps = await capabilities(wire);
        }
        if (settings.security === 'none' && caps && !caps.has('USER') && caps.has('STLS')) {
          throw new VerifyError('tls_failed', 'the server requires TLS before login');
        }

        progress.loggingIn();
        const user = await wire.command(`USER ${settings.username}`);
        if (!user.startsWith('+OK')) throw loginRefused(user);
        const pass = await wire.command(`PASS ${settings.password}`);
        if (!pass.startsWith('+OK')) throw loginRefused(pass);
        progress.verified();

        await wire.quit(QUIT_MS);
      },
    },
  );
}

// A -ERR to USER or PASS: Dovecot says "[AUTH] Plaintext authentication
// disallowed ..." when TLS is required, "[IN-USE]" when another session holds
// the maildrop (the password was right), "[AUTH] Authentication failed." otherwise.
function loginRefused(line: string): VerifyError {
  const text = stripStatus(line);
  if (/plaintext auth\w* (is )?(disallowed|not allowed)|requires? (SSL\/TLS|TLS)/i.test(text)) {
    return new VerifyError('tls_failed', 'the server refuses login on an unencrypted connection', text);
  }
  if (/^\[(IN-USE|SYS\/TEMP)\]/i.test(text)) return new VerifyError('protocol_error', 'the server could not open the maildrop', text);
  return new VerifyError('auth_failed', 'authentication failed', text);
}

const stripStatus = (line: string): string => line.replace(/^[-+](OK|ERR)\s?/i, '');

// CAPA (RFC 2449): the set of capability names, or undefined when the server does not know CAPA.
async function capabilities(wire: Pop3Wire): Promise<Set<string> | undefined> {
  const reply = await wire.command('CAPA');
  if (!reply.startsWith('+OK')) return undefined;
  const caps = new Set<string>();
  for (let i = 0; i < MAX_CAPA_LINES; i++) {
    const line = await wire.readLine();
    if (line === '.') return caps;
    caps.add(line.split(' ')[0]!.toUpperCase());
  }
  throw new VerifyError('protocol_error', 'the CAPA list did not end');
}

function tlsOptions(settings: Pop3Settings): tls.ConnectionOptions {
  return {
    rejectUnauthorized: settings.tlsRejectUnauthorized ?? true,
    ...(net.isIP(settings.host) ? {} : { servername: settings.host }),
  };
}

// Opens TCP (and TLS for 'tls'); Node's own errors (ECONNREFUSED, ENOTFOUND, TLS
// alerts) pass through untouched for classifyError.
function connect(settings: Pop3Settings, sockets: net.Socket[]): Promise<Pop3Wire> {
  return new Promise((resolve, reject) => {
    const secure = settings.security === 'tls';
    const socket = secure
      ? tls.connect({ host: settings.host, port: settings.port, ...tlsOptions(settings) })
      : net.connect({ host: settings.host, port: settings.port });
    sockets.push(socket);
    const onError = (err: Error): void => reject(err);
    socket.once('error', onError);
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      socket.off('error', onError);
      resolve(new Pop3Wire(socket));
    });
  });
}

/** Reads CRLF lines from the current socket; swaps to a TLS socket for STLS. */
class Pop3Wire {
  private buffer = '';
  private lines: string[] = [];
  private failure: Error | undefined;
  private waiter: { resolve: (line: string) => void; reject: (err: Error) => void } | undefined;
  private readonly onData = (chunk: Buffer): void => this.push(chunk.toString('latin1'));
  private readonly onError = (err: Error): void => this.fail(err);
  private readonly onClose = (): void => this.fail(new VerifyError('protocol_error', 'the server closed the connection'));

  constructor(private socket: net.Socket) {
    this.listen(socket);
  }

  readLine(): Promise<string> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  command(line: string): Promise<string> {
    this.socket.write(`${line}\r\n`);
    return this.readLine();
  }

  /** STLS succeeded: the rest of the session runs over TLS on the same TCP connection. */
  async upgrade(settings: Pop3Settings, sockets: net.Socket[]): Promise<void> {
    if (this.lines.length > 0 || this.buffer !== '') {
      // a compliant server says nothing between +OK and the handshake: this was injected
      throw new VerifyError('tls_failed', 'the server sent data after +OK to STLS, before the TLS handshake');
    }
    const plain = this.socket;
    this.unlisten(plain);
    plain.on('error', () => undefined);
    const secured = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const socket = tls.connect({ socket: plain, ...tlsOptions(settings) });
      sockets.push(socket);
      socket.once('error', reject);
      socket.once('secureConnect', () => {
        socket.off('error', reject);
        resolve(socket);
      });
    });
    this.socket = secured;
    this.listen(secured);
  }

  async quit(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([this.command('QUIT').catch(() => ''), new Promise((r) => (timer = setTimeout(r, ms)))]);
    } finally {
      clearTimeout(timer);
      this.socket.end();
    }
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

  private push(text: string): void {
    this.buffer += text;
    let at: number;
    while ((at = this.buffer.indexOf('\r\n')) >= 0) {
      this.lines.push(this.buffer.slice(0, at));
      this.buffer = this.buffer.slice(at + 2);
    }
    if (this.buffer.length > MAX_LINE) {
      this.fail(new VerifyError('protocol_error', `the server sent a line longer than ${MAX_LINE} bytes`));
      this.socket.destroy();
      return;
    }
    this.deliver();
  }

  private deliver(): void {
    if (!this.waiter) return;
    const line = this.lines.shift();
    if (line !== undefined) {
      const { resolve } = this.waiter;
      this.waiter = undefined;
      resolve(line);
    } else if (this.failure) {
      const { reject } = this.waiter;
      this.waiter = undefined;
      reject(this.failure);
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.deliver();
  }
}
