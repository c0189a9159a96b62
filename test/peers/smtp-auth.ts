import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { createSelfSignedCert } from './dovecot.ts';
import { listenOnLoopback } from './smtp-capture.ts';

/** Options for a throwaway SMTP submission server: its users, and how it offers TLS. */
export interface SmtpAuthOptions {
  users: Record<string, string>;
  /** TLS from the first byte (like port 465). */
  secure?: boolean;
  /** Offer STARTTLS on a plain connection; AUTH is then refused until the upgrade (like port 587). */
  starttls?: boolean;
  /**
   * Also accept SASL XOAUTH2 bearer tokens (as Gmail and Microsoft 365 do),
   * each checked at the provider's introspection endpoint like Dovecot's
   * oauth2 passdb: active, carrying `scope`, and issued to the user whose
   * email is the login name. An endpoint that cannot answer is a temporary
   * failure (454), a refused token the XOAUTH2 error dance then 535.
   */
  oauth2?: SmtpOAuth2;
}

/** Where and as whom the SMTP peer introspects a bearer token (RFC 7662), and the scope a token must carry. */
export interface SmtpOAuth2 {
  url: string;
  clientId: string;
  clientSecret: string;
  scope: string;
}

/** One message the server accepted: who logged in, the envelope, the bytes. */
export interface SmtpReceived {
  user: string | undefined;
  from: string;
  to: string[];
  raw: Buffer;
}

/** A running throwaway SMTP server owned by this process. */
export interface SmtpAuthServer {
  port: number;
  /** Every message accepted so far, in order. */
  received: SmtpReceived[];
  /** How many logins were refused and failed temporarily, so a test can tell the two apart. */
  readonly authFailures: { refused: number; temporary: number };
  /** Every password AUTH a client tried, in order, accepted or not: what a hostile server would have collected. */
  authAttempts: Array<{ username: string; password: string }>;
  /** The self-signed certificate (PEM) when TLS is on, for clients that want to trust it explicitly. */
  certPem?: string;
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
  const received: SmtpReceived[] = [];
  const authFailures = { refused: 0, temporary: 0 };
  const oauth2 = opts.oauth2;
  const server = new SMTPServer({
    secure: opts.secure === true,
    ...(cert ? { key: cert.key, cert: cert.cert } : {}),
    disabledCommands: opts.starttls === true ? [] : ['STARTTLS'],
    allowInsecureAuth: !tls,
    authMethods: oauth2 ? ['PLAIN', 'LOGIN', 'XOAUTH2'] : ['PLAIN', 'LOGIN'],
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 1_000,
    onAuth(auth, _session, callback) {
      if (auth.method !== 'XOAUTH2') authAttempts.push({ username: auth.username ?? '', password: auth.password ?? '' });
      if (auth.method === 'XOAUTH2' && oauth2) {
        checkBearer(oauth2, auth.username ?? '', auth.accessToken ?? '').then(
          (verdict) => {
            if (verdict === 'ok') return callback(null, { user: auth.username });
            if (verdict === 'temporary') {
              authFailures.temporary++;
              return callback(Object.assign(new Error('4.7.0 Temporary authentication failure'), { responseCode: 454 }));
            }
            authFailures.refused++;
            // XOAUTH2's error dance: 334 + the JSON Google sends, the client answers with an empty line, then 535
            callback(null, { data: { status: '401', schemes: 'bearer', scope: oauth2.scope } });
          },
          (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
        );
        return;
      }
      const expected = auth.username !== undefined ? opts.users[auth.username] : undefined;
      if (expected !== undefined && auth.password === expected) callback(null, { user: auth.username });
      else {
        authFailures.refused++;
        callback(new Error('Invalid username or password'));
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        received.push({ user: typeof session.user === 'string' ? session.user : undefined, from, to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks) });
        callback();
      });
    },
  });
  const port = await listenOnLoopback(server);
  let stopped = false;
  return {
    port,
    received,
    authFailures,
    authAttempts,
    ...(cert ? { certPem: cert.cert } : {}),
    async stop() {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

// Asks the provider about a bearer token the way Dovecot's oauth2 passdb does
// (POST token=… with HTTP Basic as the resource server's client), naming the
// mailbox in the query as Dovecot's per-mailbox passdb does (sharedMailboxes).
async function checkBearer(o: SmtpOAuth2, username: string, token: string): Promise<'ok' | 'refused' | 'temporary'> {
  let body: unknown;
  try {
    // naming the mailbox, so the provider may answer with it for a delegate's token (shared mailboxes)
    const url = new URL(o.url);
    url.searchParams.set('mailbox', username);
    const res = await fetch(url, {
      method: 'POST',
      signal: AbortSignal.timeout(5_000),
      headers: {
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(o.clientId)}:${encodeURIComponent(o.clientSecret)}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ token }),
    });
    if (!res.ok) return 'temporary';
    body = await res.json();
  } catch {
    return 'temporary';
  }
  const claims = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  if (claims.active !== true) return 'refused';
  const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
  const email = typeof claims.email === 'string' ? claims.email.toLowerCase() : undefined;
  return scopes.includes(o.scope) && email === username.toLowerCase() ? 'ok' : 'refused';
}
