import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirBusyError, lockDataDir } from './data-dir-lock.ts';

// One process per data directory (the embedded database): a live holder is
// named, a lock left by a process that died is taken over.
const dirs: string[] = [];
const tmp = async () => {
  const d = await mkdtemp(path.join(os.tmpdir(), 'postdesk-lock-'));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('lockDataDir', () => {
  it('refuses while another live process holds it, naming its PID', async () => {
    const dir = await tmp();
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await writeFile(path.join(dir, 'postdesk.pid'), `${other.pid}\n`);
      const err = await lockDataDir(dir).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DataDirBusyError);
      expect((err as Error).message).toContain(`another Postdesk (PID ${other.pid}) is using the data directory ${dir}`);
      expect(await readFile(path.join(dir, 'postdesk.pid'), 'utf8')).toBe(`${other.pid}\n`);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('takes over a lock left by a process that is gone, and releases only its own', async () => {
    const dir = await tmp();
    const gone = spawn('true', { stdio: 'ignore' });
    await new Promise((r) => gone.once('exit', r));
    await writeFile(path.join(dir, 'postdesk.pid'), `${gone.pid}\n`);
    const lock = await lockDataDir(dir);
    expect(await readFile(path.join(dir, 'postdesk.pid'), 'utf8')).toBe(`${process.pid}\n`);
    await lock.release();
    await expect(readFile(path.join(dir, 'postdesk.pid'))).rejects.toThrow(/ENOENT/);
  });
});
