// The dialer's sender in a process of its own, so the benchmark measures its
// CPU and peak RSS alone: runs one dialer until every row is recorded and
// prints one JSON line. Arguments: a JSON object (see Args).
import { readdir, readFile } from 'node:fs/promises';
import { createDb } from '../apps/server/src/platform/db/db.ts';
import { sendDialer } from '../apps/server/src/modules/dialer/send-dialer.ts';
import type { SendThreadInit } from '../apps/server/src/modules/dialer/send-protocol.ts';

interface Args {
  databaseUrl: string;
  dialerId: string;
  initFile: string;
  threads: number;
  connectionsPerThread: number;
  batchSize: number;
}

const args = JSON.parse(process.argv[2]!) as Args;
const init = JSON.parse(await readFile(args.initFile, 'utf8'), (k, v: unknown) => (k === 'secret' && typeof v === 'string' ? Buffer.from(v, 'base64') : v)) as Omit<SendThreadInit, 'type'>;
const db = createDb(args.databaseUrl, { max: 4, applicationName: 'postdesk-bench-dialer' });
// CPU by thread (Linux task names), sampled while it runs since sending threads are gone at the end
const tasks: Record<string, number> = {};
const sampleTasks = async (): Promise<void> => {
  for (const tid of await readdir('/proc/self/task').catch(() => [] as string[])) {
    const stat = await readFile(`/proc/self/task/${tid}/stat`, 'utf8').catch(() => '');
    if (!stat) continue;
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ms = (Number(f[11]) + Number(f[12])) * 10;
    if (ms > 0) tasks[`${name}#${tid}`] = Math.max(tasks[`${name}#${tid}`] ?? 0, ms);
  }
};
const sampler = setInterval(() => void sampleTasks(), 250);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let readyCpu = { user: 0, system: 0 };
let readyAt = 0;
const report = await sendDialer({ db, now: () => new Date() }, args.dialerId, { ...init, connections: args.connectionsPerThread }, { maxPerSecond: 0, intervalMs: 0 }, new AbortController().signal, {
  threads: args.threads,
  connectionsPerThread: args.connectionsPerThread,
  batchSize: args.batchSize,
  untilEmpty: true,
  onReady: () => {
    readyCpu = process.cpuUsage(cpu0);
    readyAt = performance.now();
  },
});
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const status = await readFile('/proc/self/status', 'utf8');
const hwm = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
await db.close();
const startupCpuMs = (readyCpu.user + readyCpu.system) / 1000;
clearInterval(sampler);
await sampleTasks();
process.stderr.write(`[dialer] sender threads' CPU (ms): ${JSON.stringify(tasks)}\n`);
process.stdout.write(
  JSON.stringify({ ...report, ms, sendMs: performance.now() - readyAt, cpuMs: (cpu.user + cpu.system) / 1000, startupCpuMs, userMs: cpu.user / 1000, systemMs: cpu.system / 1000, peakRssMb: hwm }) + '\n',
);
process.exit(0);
