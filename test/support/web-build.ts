import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const webRoot = fileURLToPath(new URL('../../apps/web/', import.meta.url));

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * Rebuilds the console when its sources are newer than the build, once per
 * run and before any test file starts, so no test drives a stale UI and no
 * test rebuilds dist/ under a server that is serving it.
 */
export async function ensureFreshWebBuild(): Promise<void> {
  let built = 0;
  try {
    built = statSync(path.join(webRoot, 'dist/index.html')).mtimeMs;
  } catch {
    built = 0;
  }
  const sources = Math.max(
    newestMtime(path.join(webRoot, 'src')),
    newestMtime(path.join(webRoot, 'public')),
    statSync(path.join(webRoot, 'index.html')).mtimeMs,
    statSync(path.join(webRoot, 'vite.config.ts')).mtimeMs,
  );
  if (sources <= built) return;
  const { build } = await import('vite');
  await build({ configFile: path.join(webRoot, 'vite.config.ts'), logLevel: 'warn' });
}
