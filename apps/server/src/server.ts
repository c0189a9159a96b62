import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DestinationStream } from 'pino';
import type { FastifyInstance } from 'fastify';
import { buildApp, webDist } from './app.ts';
import type { Config } from './config.ts';
import type { Deps } from './deps.ts';
import { createMailConnectionChecker, type ConnectionChecker } from './modules/campaigns/connection-checker.ts';
import { ensureFirstAdmin } from './modules/users/ensure-first-admin.ts';
import { createDb, type Db } from './platform/db/db.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from './platform/db/embedded.ts';
import { migrate } from './platform/db/migrate.ts';
import { createMetrics } from './platform/http/metrics.ts';
import { createLogger } from './platform/log/logger.ts';
import { createSecretBox, loadOrCreateMasterKey } from './platform/secrets/secret-box.ts';

/** A running Postdesk: its address, the first admin (when just created) and how to stop it. */
export interface RunningServer {
  url: string;
  app: FastifyInstance;
  db: Db;
  firstAdmin: { username: string; password?: string; generated: boolean } | null;
  stop(): Promise<void>;
}

/** Builds the console with Vite when it has not been built, so `npm start` works on a fresh checkout. */
export async function ensureWebBuilt(log: (msg: string) => void): Promise<void> {
  if (existsSync(path.join(webDist, 'index.html'))) return;
  log('building the web console (first start)…');
  const { build } = await import('vite');
  await build({ configFile: path.resolve(webDist, '../vite.config.ts'), logLevel: 'warn' });
}

/**
 * Starts everything the configured roles need: the database (embedded unless
 * DATABASE_URL is set), migrations, the first admin, and the HTTP server.
 */
export async function startServer(
  config: Config,
  opts: { logDestination?: DestinationStream; checker?: ConnectionChecker; serveWeb?: boolean } = {},
): Promise<RunningServer> {
  const log = createLogger(config.logLevel, opts.logDestination);
  let embedded: EmbeddedServer | null = null;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres(path.join(config.dataDir, 'postgres'), {
      port: config.embeddedPgPort,
      log: (line) => log.debug({ component: 'postgres' }, line.trim()),
    });
    databaseUrl = embedded.url;
  }
  const db = createDb(databaseUrl);
  try {
    const applied = await migrate(db);
    if (applied.length) log.info({ applied }, 'database migrated');
    const masterKey = await loadOrCreateMasterKey(config.masterKey, config.dataDir);
    const deps: Deps = {
      db,
      config,
      log,
      secrets: createSecretBox(masterKey),
      metrics: createMetrics(),
      checker: opts.checker ?? createMailConnectionChecker(),
      now: () => new Date(),
    };
    const first = await ensureFirstAdmin(db, { username: config.adminUsername, password: config.adminPassword });
    if (opts.serveWeb !== false) await ensureWebBuilt((m) => log.info(m));
    const app = await buildApp(deps, { serveWeb: opts.serveWeb });
    await app.listen({ host: config.host, port: config.port });
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : config.port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
    let stopped = false;
    return {
      url: config.publicUrl ?? `http://${host}:${port}`,
      app,
      db,
      firstAdmin: first.created ? { username: first.username, password: first.password, generated: first.generated } : null,
      async stop() {
        if (stopped) return;
        stopped = true;
        await app.close();
        await db.close();
        if (embedded) await embedded.stop();
      },
    };
  } catch (err) {
    await db.close().catch(() => undefined);
    if (embedded) await embedded.stop().catch(() => undefined);
    throw err;
  }
}
