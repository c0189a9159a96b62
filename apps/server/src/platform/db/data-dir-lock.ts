import { mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Another process holds the data directory; the message names it and what to do. */
export class DataDirBusyError extends Error {}

const LOCK_FILE = 'postdesk.pid';

// kill(pid, 0) tests existence without signalling; EPERM means it exists but is not ours.
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the data directory for this process (the embedded PostgreSQL can be
 * run by one process only) by creating `postdesk.pid` exclusively. A lock
 * left by a process that died is taken over; one held by a live process
 * refuses the start, naming its PID. release() removes the file if it is
 * still ours.
 */
export async function lockDataDir(dataDir: string): Promise<{ release(): Promise<void> }> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, LOCK_FILE);
  const mine = `${process.pid}\n`;
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(file, mine, { flag: 'wx', mode: 0o644 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new DataDirBusyError(
          `another Postdesk (PID ${pid}) is using the data directory ${dataDir}: stop it first, or give this one a data directory of its own (POSTDESK_DATA_DIR). ` +
            `If no Postdesk runs, remove ${file}.`,
        );
      }
      if (attempt > 0) throw new DataDirBusyError(`cannot take the data directory ${dataDir}: ${file} keeps coming back; is another Postdesk starting?`);
      // left by a process that is gone (killed, crashed): take it over
      await unlink(file).catch(() => undefined);
    }
  }
  return {
    async release() {
      const now = await readFile(file, 'utf8').catch(() => '');
      if (now === mine) await unlink(file).catch(() => undefined);
    },
  };
}
