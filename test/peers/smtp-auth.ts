import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { createSelfSignedCert } from './dovecot.ts';

/** Options for a throwaway SMTP submission server: its users, and how it offers TLS. */
export interface SmtpAuthOptions {
  users: Record<string, string>;
  /** TLS from the first byte (like port 465). */
  secure?: boolean;
  /** Offer STARTTLS on a plain connection; AUTH is then refused until the upgrade (like port 587). */
  starttls?: boolean;
}

/** A running throwaway SMTP server owned by this process. */
export interface SmtpAuthServer {
  port: number;
  /** Every AUTH a client tried, in order, accepted or not: what a hostile server would have collected. */
  authAttempts: Array<{ username: string; password: string }>;
  stop(): Promise<void>;
}

/**
 * Starts an SMTP server on a free loopback port that checks PLAIN/LOGIN
 * credentials against `users` and discards every message: the peer for
 * "does this SMTP account log in" checks. With neither `secure` nor
 * `starttls` it allows AUTH over plaintext; with `starttls` it refuses AUTH
 * before the upgrade, as a real submission server does.
 */
export async function startSmtpAuthServer(opts: SmtpAuthOptions): Promise<SmtpAuthServer> {
  const tls = opts.secure === true || opts.starttls === true;
  const authAttempts: SmtpAuthServer['authAttempts'] = [];
  const dir = tls ? await mkdtemp(path.join(os.tmpdir(), 'postdesk-smtp-')) : undefined;
  const cert = dir ? await createSelfSignedCert(dir) : undefined;
  const server = new SMTPServer({
    secure: opts.secure === true,
    ...(cert ? { key: cert.key, cert: cert.cert } : {}),
    disabledCommands: opts.starttls === true ? [] : ['STARTTLS'],
    allowInsecureAuth: !tls,
    authMethods: ['PLAIN', 'LOGIN'],
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 1_000,
    onAuth(auth, _session, callback) {
      authAttempts.push({ username: auth.username ?? '', password: auth.password ?? '' });
      const expected = auth.username !== undefined ? opts.users[auth.username] : undefined;
      if (expected !== undefined && auth.password === expected) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, _session, callback) {
      stream.on('end', () => callback());
      stream.resume();
    },
  });
  server.on('error', () => undefined);
  const port = await new Promise<number>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.server.address();
      if (addr && typeof addr === 'object') resolve(addr.port);
      else reject(new Error('smtp-server has no TCP address'));
    });
  });
  let stopped = false;
  return {
    port,
    authAttempts,
    async stop() {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}
