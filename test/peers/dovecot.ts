import { execFile, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freeLoopbackPorts, portAcceptsConnections, waitForPort } from './silent-server.ts';

const run = promisify(execFile);
const DOVECOT = '/usr/sbin/dovecot';

/**
 * How the throwaway Dovecot offers TLS: 'none' (plain ports, no TLS at all),
 * 'starttls-only' (ssl = required: plain ports that offer STARTTLS/STLS and
 * refuse login before it), 'implicit' (ssl = yes: plain ports with STARTTLS,
 * plus imaps/pop3s ports that speak TLS from the first byte).
 */
export type DovecotTls = 'none' | 'starttls-only' | 'implicit';

/** Options for a throwaway Dovecot: its users (name → password) and its TLS mode. */
export interface DovecotOptions {
  users: Record<string, string>;
  tls?: DovecotTls;
  /** Replaces the IMAP CAPABILITY list (e.g. to play a server without IDLE). */
  imapCapability?: string;
  /**
   * Also log users in with OAuth2 bearer tokens (SASL XOAUTH2 and
   * OAUTHBEARER), each checked at the provider's introspection endpoint
   * (Dovecot's oauth2 passdb); the token's `email` is the user name. The
   * users with passwords keep PLAIN/LOGIN, e.g. to put mail in a mailbox.
   */
  oauth2?: DovecotOAuth2;
}

/** Where and as whom Dovecot introspects a bearer token (RFC 7662), and the scope a token must carry. */
export interface DovecotOAuth2 {
  url: string;
  clientId: string;
  clientSecret: string;
  scope: string;
  /** The SASL mechanisms offered for tokens (default both), e.g. ['xoauth2'] to play Outlook's POP3. */
  mechanisms?: Array<'xoauth2' | 'oauthbearer'>;
  /**
   * Shared mailboxes (Microsoft 365): each gets an oauth2 passdb of its own
   * (username_filter) whose introspection URL names it (`?mailbox=`), so the
   * provider can answer with the mailbox as the email of a token whose user
   * may open it (oidc peer's `delegates`). Dovecot 2.3 sends nothing but the
   * token when it introspects, hence one passdb per mailbox.
   */
  sharedMailboxes?: string[];
}

/** A running throwaway Dovecot owned by this process; stop() removes every trace of it. */
export interface DovecotPeer {
  /**
   * Where it listens: 127.0.0.1, except 127.0.0.2 for 'starttls-only'.
   * Dovecot counts a connection whose client and server IPs are equal as
   * secure and then allows plaintext login despite ssl = required; from
   * 127.0.0.1 to 127.0.0.2 (still loopback) they differ, so the rule bites.
   */
  host: string;
  imapPort: number;
  pop3Port: number;
  /** Set when tls is 'implicit'. */
  imapsPort?: number;
  /** Set when tls is 'implicit'. */
  pop3sPort?: number;
  /** The instance's own directory: config, users, mail, logs, run files. */
  dir: string;
  /** The self-signed certificate (PEM) when TLS is on, for clients that want to trust it explicitly. */
  certPem?: string;
  stop(): Promise<void>;
  /** Stops the server but keeps its files, so restart() can bring it back (an outage). */
  halt(): Promise<void>;
  /** Stops (if running) and starts the same instance again on the same ports (mail is kept). */
  restart(): Promise<void>;
  /** Changes a user's password; Dovecot re-reads its passwd file on the next login. */
  setPassword(user: string, password: string): Promise<void>;
  /** Every wrong password a client gave this server so far (from its log): what a hostile server would have collected. */
  refusedPasswords(): Promise<string[]>;
  /**
   * Drops messages straight into a user's INBOX as a local delivery agent
   * does (a file each in Maildir/new, named the maildir way), many times
   * faster than IMAP APPEND for thousands of messages. Dovecot gives them
   * UIDs when it next looks (and tells IDLE sessions). The bytes are kept as
   * given, so IMAP FETCH BODY[] returns exactly them when they have CRLF line ends.
   */
  deliver(user: string, raws: Buffer[]): Promise<void>;
}

/** A throwaway certificate and key for CN=localhost (and 127.0.0.1, 127.0.0.2), valid two days. */
export interface SelfSignedCert {
  certPath: string;
  keyPath: string;
  cert: string;
  key: string;
}

/**
 * Makes a throwaway self-signed certificate with openssl in dir, so TLS test
 * peers need no fixture files that could expire or leak into production.
 */
export async function createSelfSignedCert(dir: string): Promise<SelfSignedCert> {
  const certPath = path.join(dir, 'cert.pem');
  const keyPath = path.join(dir, 'key.pem');
  // valid for the loopback addresses the peers listen on, so a client that trusts it can verify it
  const san = 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:127.0.0.2';
  await run('openssl', ['req', '-x509', '-nodes', '-newkey', 'rsa:2048', '-subj', '/CN=localhost', '-addext', san, '-days', '2', '-keyout', keyPath, '-out', certPath]);
  return { certPath, keyPath, cert: await readFile(certPath, 'utf8'), key: await readFile(keyPath, 'utf8') };
}

/**
 * Starts an unprivileged Dovecot (IMAP + POP3) on free loopback ports with a
 * config of its own in a fresh temp dir, and resolves once its ports accept
 * connections. Several can run at once: each has its own instance_name and
 * base_dir. Follows the tested recipe in docs TEST-PEERS.md.
 */
export async function startDovecot(opts: DovecotOptions): Promise<DovecotPeer> {
  const tls = opts.tls ?? 'none';
  const dir = await mkdtemp(path.join(os.tmpdir(), 'postdesk-dovecot-'));
  try {
    return await setUp(dir, opts.users, tls, opts.imapCapability, opts.oauth2);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function setUp(dir: string, users: Record<string, string>, tls: DovecotTls, imapCapability?: string, oauth2?: DovecotOAuth2): Promise<DovecotPeer> {
  await chmod(dir, 0o755);
  for (const sub of ['run', 'state', 'mail']) await mkdir(path.join(dir, sub));
  const account = await runAccount();

  for (const name of Object.keys(users)) {
    if (!/^[A-Za-z0-9._@+-]+$/.test(name)) throw new Error(`dovecot peer: unsupported user name ${JSON.stringify(name)}`);
  }
  const passwords = new Map(Object.entries(users));
  // Dovecot re-reads a passwd file when its size or mtime (whole seconds)
  // changes; a same-length password written within the same second would go
  // unnoticed, so every write moves the mtime at least one second on (the
  // first write is at start, which no login can precede).
  let mtime = 0;
  const writeUsers = async (): Promise<void> => {
    const file = path.join(dir, 'users');
    const passwd = [...passwords].map(([name, pass]) => `${name}:{PLAIN}${pass.replace(/[:\n]/g, '')}`).join('\n');
    await writeFile(file, passwd + '\n', { mode: 0o644 });
    mtime = Math.max(mtime + 1, Math.floor(Date.now() / 1000));
    await utimes(file, mtime, mtime);
  };
  await writeUsers();

  const cert = tls === 'none' ? undefined : await createSelfSignedCert(dir);
  if (cert) await chmod(cert.keyPath, 0o600);

  const host = tls === 'starttls-only' ? '127.0.0.2' : '127.0.0.1';
  const [imapPort, pop3Port, imapsPort, pop3sPort] = (await freeLoopbackPorts(tls === 'implicit' ? 4 : 2, host)) as [number, number, number?, number?];
  if (imapCapability !== undefined && !/^[A-Za-z0-9 =+._-]+$/.test(imapCapability)) throw new Error('dovecot peer: unsupported capability list');
  if (oauth2) await writeFile(path.join(dir, 'dovecot-oauth2.conf.ext'), oauth2Conf(oauth2), { mode: 0o644 });
  const shared = oauth2?.sharedMailboxes ?? [];
  for (const [i, mailbox] of shared.entries()) {
    if (!/^[A-Za-z0-9._@+-]+$/.test(mailbox)) throw new Error(`dovecot peer: unsupported mailbox ${JSON.stringify(mailbox)}`);
    await writeFile(path.join(dir, `dovecot-oauth2-shared-${i}.conf.ext`), oauth2Conf(oauth2!, mailbox), { mode: 0o644 });
  }
  const oauthMechanisms = oauth2 ? (oauth2.mechanisms ?? ['xoauth2', 'oauthbearer']).join(' ') : undefined;
  const conf = dovecotConf({ dir, host, tls, account, cert, imapPort, pop3Port, imapsPort, pop3sPort, oauthMechanisms, sharedMailboxes: shared }) + (imapCapability ? `imap_capability = ${imapCapability}\n` : '');
  const confPath = path.join(dir, 'dovecot.conf');
  await writeFile(confPath, conf);
  if (account.uid !== undefined) await chown(path.join(dir, 'mail'), account.uid, account.gid!);

  const ports = [imapPort, pop3Port, imapsPort, pop3sPort].filter((p): p is number => p !== undefined);
  const start = async (): Promise<void> => {
    // a run/ left by the last instance (its anvil socket) stalls the first login by 5 s
    await rm(path.join(dir, 'run'), { recursive: true, force: true });
    await mkdir(path.join(dir, 'run'));
    const status = await launch(confPath, path.join(dir, 'startup.log'));
    if (status !== 0) {
      const startup = await readFile(path.join(dir, 'startup.log'), 'utf8').catch(() => '');
      throw new Error(`dovecot did not start (exit ${status}): ${startup.trim()}\n${await logTail(dir)}`);
    }
    try {
      // the listeners come up before the master writes its PID file; stop() needs both
      await Promise.all([...ports.map((p) => waitForPort(p, 10_000, host)), waitForPidFile(dir, 10_000)]);
    } catch (err) {
      await stopMaster(dir, host, ports);
      throw new Error(`${errorText(err)}\n${await logTail(dir)}`);
    }
  };
  await start();

  let stopped = false;
  let deliveries = 0;
  return {
    host,
    imapPort,
    pop3Port,
    ...(imapsPort !== undefined ? { imapsPort } : {}),
    ...(pop3sPort !== undefined ? { pop3sPort } : {}),
    dir,
    ...(cert ? { certPem: cert.cert } : {}),
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopMaster(dir, host, ports);
      await rm(dir, { recursive: true, force: true });
    },
    async halt() {
      if (stopped) throw new Error('dovecot peer already stopped');
      await stopMaster(dir, host, ports);
    },
    async restart() {
      if (stopped) throw new Error('dovecot peer already stopped');
      await stopMaster(dir, host, ports);
      await start();
    },
    async refusedPasswords() {
      const log = await readFile(path.join(dir, 'dovecot.log'), 'utf8').catch(() => '');
      return [...log.matchAll(/Password mismatch \(given password: (.*)\)$/gm)].map((m) => m[1]!);
    },
    async deliver(user, raws) {
      if (!passwords.has(user)) throw new Error(`dovecot peer: no user ${user}`);
      const maildir = path.join(dir, 'mail', user, 'Maildir');
      const home = path.join(dir, 'mail', user);
      for (const d of [home, maildir, ...['cur', 'new', 'tmp'].map((s) => path.join(maildir, s))]) {
        await mkdir(d, { recursive: true });
        if (account.uid !== undefined) await chown(d, account.uid, account.gid!);
      }
      const stamp = Math.floor(Date.now() / 1000);
      for (let i = 0; i < raws.length; i++) {
        // written in tmp, then renamed into new: Dovecot never sees half a message
        const name = `${stamp}.P${process.pid}Q${deliveries++}.postdesk-test`;
        const tmp = path.join(maildir, 'tmp', name);
        await writeFile(tmp, raws[i]!, { mode: 0o600 });
        if (account.uid !== undefined) await chown(tmp, account.uid, account.gid!);
        await rename(tmp, path.join(maildir, 'new', name));
      }
    },
    async setPassword(user, password) {
      if (!passwords.has(user)) throw new Error(`dovecot peer: no user ${user}`);
      passwords.set(user, password);
      await writeUsers();
      // Dovecot stats the file at most once per second of its clock, so a
      // login in the same second as the last one could still see the old file
      await sleep(1_100);
    },
  };
}

interface RunAccount {
  user: string;
  group: string;
  /** Set when we are root and mail files must belong to the unprivileged user. */
  uid?: number;
  gid?: number;
}

// As root, Dovecot's processes run as nobody (the tested recipe); as an
// ordinary user everything simply runs as that user.
async function runAccount(): Promise<RunAccount> {
  if (process.getuid?.() === 0) {
    const uid = Number((await run('id', ['-u', 'nobody'])).stdout.trim());
    const group = existsSync('/etc/debian_version') ? 'nogroup' : 'nobody';
    const gid = Number((await run('getent', ['group', group])).stdout.split(':')[2]);
    return { user: 'nobody', group, uid, gid };
  }
  const user = os.userInfo().username;
  const group = (await run('id', ['-gn'])).stdout.trim();
  return { user, group };
}

interface ConfInput {
  dir: string;
  host: string;
  tls: DovecotTls;
  account: RunAccount;
  cert: SelfSignedCert | undefined;
  imapPort: number;
  pop3Port: number;
  imapsPort: number | undefined;
  pop3sPort: number | undefined;
  /** Set when tokens are accepted: the SASL mechanisms for them. */
  oauthMechanisms: string | undefined;
  /** Mailboxes whose tokens are introspected naming them (their own passdb each, before the general one). */
  sharedMailboxes: string[];
}

function dovecotConf(c: ConfInput): string {
  const ssl = c.tls === 'none' ? 'no' : c.tls === 'starttls-only' ? 'required' : 'yes';
  const sslFiles = c.cert ? `ssl_cert = <${c.cert.certPath}\nssl_key = <${c.cert.keyPath}\n` : '';
  const tlsListener = (name: string, port: number | undefined): string =>
    port === undefined
      ? `  inet_listener ${name} {\n    port = 0\n  }\n`
      : `  inet_listener ${name} {\n    address = ${c.host}\n    port = ${port}\n    ssl = yes\n  }\n`;
  const uid = c.account.uid ?? c.account.user;
  const gid = c.account.gid ?? c.account.group;
  return `# throwaway test instance, see docs TEST-PEERS.md
instance_name = postdesk-test-${path.basename(c.dir)}
base_dir = ${c.dir}/run
state_dir = ${c.dir}/state
protocols = imap pop3
listen = ${c.host}
ssl = ${ssl}
${sslFiles}disable_plaintext_auth = ${c.tls === 'starttls-only' ? 'yes' : 'no'}
auth_mechanisms = plain login${c.oauthMechanisms ? ` ${c.oauthMechanisms}` : ''}
# tests check wrong passwords; the default 2 s delay would only slow them down
auth_failure_delay = 0
# a refused login logs the password it was given (tests read what reached the
# server), and why a token was refused (scope, user, inactive)
auth_verbose = yes
auth_verbose_passwords = plain
log_path = ${c.dir}/dovecot.log
mail_location = maildir:${c.dir}/mail/%u/Maildir
mail_fsync = never
default_login_user = ${c.account.user}
default_internal_user = ${c.account.user}
default_internal_group = ${c.account.group}
first_valid_uid = 1
pop3_uidl_format = %08Xu%08Xv
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${c.dir}/users
${c.oauthMechanisms ? '  mechanisms = plain login\n' : ''}}
${c.oauthMechanisms ? c.sharedMailboxes.map((m, i) => `passdb {\n  driver = oauth2\n  mechanisms = ${c.oauthMechanisms}\n  username_filter = ${m}\n  args = ${c.dir}/dovecot-oauth2-shared-${i}.conf.ext\n}\n`).join('') : ''}${c.oauthMechanisms ? `passdb {\n  driver = oauth2\n  mechanisms = ${c.oauthMechanisms}\n  args = ${c.dir}/dovecot-oauth2.conf.ext\n}\n` : ''}userdb {
  driver = static
  args = uid=${uid} gid=${gid} home=${c.dir}/mail/%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = ${c.host}
    port = ${c.imapPort}
  }
${tlsListener('imaps', c.imapsPort)}}
service pop3-login {
  chroot =
  inet_listener pop3 {
    address = ${c.host}
    port = ${c.pop3Port}
  }
${tlsListener('pop3s', c.pop3sPort)}}
service anvil {
  chroot =
  # no per-IP auth penalty: after a few wrong passwords every login from
  # 127.0.0.1 would otherwise wait up to 15 s (documented way to turn it off)
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
`;
}

// Dovecot 2.3's oauth2 passdb (tested recipe, shared/recipes/oauth2-dovecot):
// credentials in the URL (HTTP Basic) and not also as client_id/secret
// settings, or the provider sees two methods and Dovecot fails temporarily;
// active_attribute, or an expired token fails temporarily instead of being
// refused; the introspection reply's email is the login name.
function oauth2Conf(o: DovecotOAuth2, mailbox?: string): string {
  const url = new URL(o.url);
  url.username = encodeURIComponent(o.clientId);
  url.password = encodeURIComponent(o.clientSecret);
  if (mailbox) url.searchParams.set('mailbox', mailbox);
  if (!/^[A-Za-z0-9:/._~%@?=-]+$/.test(url.href) || !/^[A-Za-z0-9._:/-]+$/.test(o.scope)) throw new Error('dovecot peer: unsupported introspection URL or scope');
  return `introspection_mode = post
introspection_url = ${url.href}
username_attribute = email
active_attribute = active
active_value = true
scope = ${o.scope}
timeout_msecs = 5000
`;
}

// The master daemonizes and its child keeps the parent's stdio: with pipes,
// execFile would wait for them forever. So output goes to a file and we wait
// for the launcher's exit, not for its streams to close.
async function launch(confPath: string, outPath: string): Promise<number | null> {
  const fd = openSync(outPath, 'a');
  try {
    const child = spawn(DOVECOT, ['-c', confPath], { stdio: ['ignore', fd, fd] });
    return await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => resolve(code));
    });
  } finally {
    closeSync(fd);
  }
}

async function readPid(dir: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(path.join(dir, 'run', 'master.pid'), 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

// A master that exited is reparented to PID 1, which may be slow to reap it:
// a zombie still answers kill(pid, 0), so its /proc state decides.
async function alive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X' && state !== '';
}

// Stops exactly this instance: its master wrote its PID, and the master leads
// a process group of its own that holds all of this instance's processes
// (and nobody else's). The group gets SIGTERM; whatever is left once the
// master is gone (a login process still holding a listener) gets SIGKILL.
async function stopMaster(dir: string, host: string, ports: number[]): Promise<void> {
  const pid = await readPid(dir);
  if (pid === undefined || !(await alive(pid))) return;
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + 1_000;
  while ((await alive(pid)) && Date.now() < deadline) await sleep(20);
  signalGroup(pid, 'SIGKILL');
  await rm(path.join(dir, 'run', 'master.pid'), { force: true });
  await Promise.all(ports.map((p) => waitForPortClosed(p, host, 3_000)));
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

async function waitForPidFile(dir: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await readPid(dir)) === undefined) {
    if (Date.now() > deadline) throw new Error(`dovecot wrote no run/master.pid within ${timeoutMs} ms`);
    await sleep(10);
  }
}

async function waitForPortClosed(port: number, host: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await portAcceptsConnections(port, host)) && Date.now() < deadline) await sleep(20);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function logTail(dir: string): Promise<string> {
  try {
    return (await readFile(path.join(dir, 'dovecot.log'), 'utf8')).split('\n').slice(-20).join('\n');
  } catch {
    return '(no dovecot.log)';
  }
}

function errorText(err: unknown): string {
  if (err && typeof err === 'object' && 'stderr' in err && typeof err.stderr === 'string' && err.stderr) return err.stderr.trim();
  return err instanceof Error ? err.message : String(err);
}
