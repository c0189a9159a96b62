import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';
import { ConfigError, loadConfig } from '../../config.ts';
import { startServer } from '../../server.ts';

// The master key can live outside the data directory (POSTDESK_MASTER_KEY_FILE);
// an installation whose database is elsewhere (DATABASE_URL, as the test
// servers are) is warned at start when the key sits in its data directory.
const dirs: string[] = [];
const servers: TestServer[] = [];
const tmp = async () => {
  const d = await mkdtemp(path.join(os.tmpdir(), 'postdesk-keys-'));
  dirs.push(d);
  return d;
};
const start = async (env: Record<string, string> = {}) => {
  const s = await startTestServer({ env });
  servers.push(s);
  return s;
};
afterAll(async () => {
  for (const s of servers) await s.stop().catch(() => undefined);
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const warnings = (s: TestServer) =>
  s.logs.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 40 && l.msg.includes('master key'));

describe('where the master key is kept', () => {
  it('warns at start when it sits in the data directory of an installation with an external database', async () => {
    const s = await start();
    expect((await stat(path.join(s.dataDir, 'master.key'))).mode & 0o777).toBe(0o600);
    const w = warnings(s);
    expect(w).toHaveLength(1);
    expect(w[0]!.msg).toContain(`the master key is kept in the data directory (${path.join(s.dataDir, 'master.key')})`);
    expect(w[0]!.msg).toContain('POSTDESK_MASTER_KEY_FILE');
  });

  it('keeps it in POSTDESK_MASTER_KEY_FILE instead, owner-only, created once and reused, without a warning', async () => {
    const keys = await tmp();
    const file = path.join(keys, 'vault', 'postdesk.key');
    const first = await start({ POSTDESK_MASTER_KEY_FILE: file });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await expect(stat(path.join(first.dataDir, 'master.key'))).rejects.toThrow(/ENOENT/);
    expect(warnings(first)).toEqual([]);
    const sealed = first.deps.secrets.seal('imap-secret', 'campaign:x:inbound');

    const second = await start({ POSTDESK_MASTER_KEY_FILE: file });
    expect(second.deps.secrets.open(sealed, 'campaign:x:inbound')).toBe('imap-secret');
    expect(second.logs.some((l) => l.includes('master key created'))).toBe(false);
    expect(first.logs.some((l) => l.includes('master key created'))).toBe(true);
  });

  it('warns when the key file can be read by other users', async () => {
    const keys = await tmp();
    const file = path.join(keys, 'open.key');
    await writeFile(file, randomBytes(32).toString('base64') + '\n');
    await chmod(file, 0o644);
    const s = await start({ POSTDESK_MASTER_KEY_FILE: file });
    expect(warnings(s).map((w) => w.msg)).toEqual([`the master key file ${file} can be read by other users (mode 644): chmod 600 it`]);
  });

  it('refuses both POSTDESK_MASTER_KEY and POSTDESK_MASTER_KEY_FILE', () => {
    expect(() => loadConfig({ POSTDESK_MASTER_KEY: randomBytes(32).toString('hex'), POSTDESK_MASTER_KEY_FILE: '/tmp/k' })).toThrow(ConfigError);
  });

  it('refuses to start a node whose key is not the one the database was sealed with, and removes a key that start generated', async () => {
    const first = await start();
    const databaseUrl = first.deps.config.databaseUrl!;
    const fresh = await tmp();
    const quiet = new Writable({ write: (_c, _e, cb) => cb() });
    const node = (env: Record<string, string>) =>
      startServer(loadConfig({ DATABASE_URL: databaseUrl, POSTDESK_DATA_DIR: fresh, POSTDESK_PORT: '0', POSTDESK_ROLES: 'api', POSTDESK_ADMIN_PASSWORD: ADMIN_PASSWORD, ...env }), { logDestination: quiet, serveWeb: false });

    // a second node given a data directory of its own, and no key: it would generate one
    const generated = path.join(fresh, 'master.key');
    await expect(node({})).rejects.toThrow(`the master key this start generated in ${generated} (removed again) is not the one this database's secrets were sealed with`);
    await expect(stat(generated)).rejects.toThrow(/ENOENT/);
    // a wrong key passed in is refused the same way
    await expect(node({ POSTDESK_MASTER_KEY: randomBytes(32).toString('hex') })).rejects.toThrow(/the master key in POSTDESK_MASTER_KEY is not the one/);

    // given the first node's key, it starts and opens what the first sealed
    const sealed = first.deps.secrets.seal('smtp-secret', 'campaign:y:smtp');
    const second = await start({ DATABASE_URL: databaseUrl, POSTDESK_MASTER_KEY_FILE: path.join(first.dataDir, 'master.key') });
    expect(second.deps.secrets.open(sealed, 'campaign:y:smtp')).toBe('smtp-secret');
  });
});
