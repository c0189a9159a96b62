// `npm run bench -- <name>`: runs one benchmark, prints one line per figure
// with its limit measured in the same run, and writes bench/results/<name>.json.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const benches: Record<string, () => Promise<Record<string, number | string | null>>> = {
  api: async () => (await import('./api.bench.ts')).run(),
  dialer: async () => (await import('./dialer.bench.ts')).run(),
  ingest: async () => (await import('./ingest.bench.ts')).run(),
  outbox: async () => (await import('./outbox.bench.ts')).run(),
  routing: async () => (await import('./routing.bench.ts')).run(),
  supervisor: async () => (await import('./supervisor.bench.ts')).run(),
  workspace: async () => (await import('./workspace.bench.ts')).run(),
};

const name = process.argv[2];
if (!name || !benches[name]) {
  process.stderr.write(`usage: npm run bench -- <${Object.keys(benches).join('|')}>\n`);
  process.exit(2);
}
const results = await benches[name]!();
const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
await mkdir(dir, { recursive: true });
await writeFile(path.join(dir, `${name}.json`), JSON.stringify({ ...results, measured_at: new Date().toISOString() }, null, 2) + '\n');
process.stdout.write(`wrote bench/results/${name}.json\n`);
process.exit(0);
