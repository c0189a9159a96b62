import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkPeer } from './support/peers.ts';
import { startSystemPostgres } from './support/system-postgres.ts';

// The product as a user starts it: `npm start`'s command, in a child process.

interface Started {
  child: ChildProcess;
  out: string[];
  url: string;
}

async function start(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/server/src/main.ts'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', POSTDESK_PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  child.stdout!.on('data', (d: Buffer) => out.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => out.push(d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 120 s:\n${out.join('')}`)), 120_000);
    const onData = () => {
      const m = /running at (http:\/\/\S+)/.exec(out.join(''));
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${out.join('')}`));
    });
  });
  return { child, out, url };
}

/** Runs a start that must fail; its exit code and everything it wrote. */
async function failedStart(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/server/src/main.ts'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', POSTDESK_PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, out };
}

async function stopGracefully(s: Started): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => s.child.once('exit', (code) => resolve(code)));
  s.child.kill('SIGTERM');
  return exited;
}

async function login(url: string, username: string, password: string): Promise<number> {
  const res = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  return res.status;
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('npm start', () => {
  it('runs on an embedded PostgreSQL, prints the URL and a one-time admin password, and restarts on the same data', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'postdesk-start-'));
    dirs.push(dataDir);
    const first = await start({ POSTDESK_DATA_DIR: dataDir });
    try {
      const m = /log in as "admin" with the password\s+(\S+)/.exec(first.out.join(''));
      expect(m, first.out.join('')).not.toBeNull();
      const password = m![1]!;
      expect(await login(first.url, 'admin', password)).toBe(200);
      expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
      const index = await fetch(`${first.url}/`);
      expect(index.status).toBe(200);
      expect(await index.text()).toContain('<div id="root">');
      expect((await stat(path.join(dataDir, 'master.key'))).mode & 0o777).toBe(0o600);

      // a second start on the same data says who holds it, and leaves the first one running
      const twin = await failedStart({ POSTDESK_DATA_DIR: dataDir });
      expect(twin.code).toBe(1);
      expect(twin.out).toContain(`another Postdesk (PID ${first.child.pid}) is using the data directory ${dataDir}`);
      expect(twin.out).not.toContain('undefined');
      expect(await login(first.url, 'admin', password)).toBe(200);

      expect(await stopGracefully(first)).toBe(0);
      expect(first.out.join('')).not.toContain('MaxListenersExceededWarning');

      const second = await start({ POSTDESK_DATA_DIR: dataDir });
      expect(second.out.join('')).not.toContain('log in as');
      expect(await login(second.url, 'admin', password)).toBe(200);
      expect(await stopGracefully(second)).toBe(0);
    } finally {
      first.child.kill('SIGKILL');
    }
  }, 240_000);

  it('refuses a bad setting with a message naming the variable', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'apps/server/src/main.ts'], {
      env: { PATH: process.env.PATH ?? '', POSTDESK_PORT: 'eighty', POSTDESK_MASTER_KEY: 'short' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(err).toContain('POSTDESK_PORT');
  }, 60_000);
});

const syspg = checkPeer('postgresql');
describe.skipIf(!syspg.available)('npm start with DATABASE_URL', () => {
  it("uses the machine's own PostgreSQL server instead of the embedded one", async () => {
    const pg = await startSystemPostgres();
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'postdesk-start-ext-'));
    dirs.push(dataDir);
    try {
      const s = await start({ DATABASE_URL: pg.url, POSTDESK_DATA_DIR: dataDir, POSTDESK_ADMIN_PASSWORD: 'external-admin-pass' });
      try {
        expect(await login(s.url, 'admin', 'external-admin-pass')).toBe(200);
        const { default: pgLib } = await import('pg');
        const c = new pgLib.Client(pg.url);
        await c.connect();
        const v = await c.query<{ server_version: string }>('SHOW server_version');
        const users = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM users');
        await c.end();
        expect(v.rows[0]!.server_version.startsWith(pg.version)).toBe(true);
        expect(users.rows[0]!.n).toBe(1);
        // No embedded cluster was created.
        await expect(stat(path.join(dataDir, 'postgres'))).rejects.toThrow();
        expect(await stopGracefully(s)).toBe(0);
      } finally {
        s.child.kill('SIGKILL');
      }
    } finally {
      await pg.stop();
    }
  }, 180_000);
});
