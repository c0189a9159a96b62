import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../apps/server/src/platform/db/embedded.ts';

const run = promisify(execFile);

/** The bin folder of Debian's PostgreSQL server, newest version first, if installed. */
export function systemPostgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : null;
}

/**
 * A throwaway cluster of the machine's own PostgreSQL (not the embedded one),
 * so DATABASE_URL is tested against a separately installed server. Runs as
 * the `postgres` system user when we are root.
 */
export async function startSystemPostgres(): Promise<{ url: string; version: string; stop(): Promise<void> }> {
  const bin = systemPostgresBin();
  if (!bin) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql (Debian package: postgresql)');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'postdesk-syspg-'));
  const asRoot = process.getuid?.() === 0;
  const prefix: string[] = [];
  if (asRoot) {
    const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const uid = Number(id.stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    if (!Number.isInteger(uid) || id.status !== 0) throw new Error('running as root but there is no postgres system user');
    await chmod(dir, 0o700);
    await chown(dir, uid, gid);
    prefix.push('runuser', '-u', 'postgres', '--');
  }
  const exec = (file: string, args: string[]) =>
    prefix.length ? run(prefix[0]!, [...prefix.slice(1), path.join(bin, file), ...args]) : run(path.join(bin, file), args);
  const data = path.join(dir, 'data');
  await exec('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const port = await freePort();
  await exec('pg_ctl', ['-D', data, '-w', '-l', path.join(dir, 'log'), '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start']);
  const version = path.basename(path.dirname(bin));
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    version,
    async stop() {
      await exec('pg_ctl', ['-D', data, '-w', '-m', 'fast', 'stop']).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
