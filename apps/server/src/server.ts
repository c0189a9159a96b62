import { hkdfSync } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DestinationStream } from 'pino';
import type { FastifyInstance } from 'fastify';
import { createParserPool } from '@postdesk/mailkit/parse';
import { createRenderPool } from '@postdesk/mailkit/render';
import { buildApp, webDist } from './app.ts';
import type { Config } from './config.ts';
import type { Deps } from './deps.ts';
import { createMailConnectionChecker, type ConnectionChecker } from './modules/campaigns/connection-checker.ts';
import { DEFAULT_SYNC_TIMING } from './modules/ingestion/mailbox-runner.ts';
import { startMailboxSupervisor, type MailboxSupervisor } from './modules/ingestion/mailbox-supervisor.ts';
import { startOutboxWorker, type OutboxDeps, type OutboxWorker } from './modules/outbound/outbox-worker.ts';
import { sentCopyHandler } from './modules/outbound/sent-copy.ts';
import { startDialerRunner, type DialerRunner } from './modules/dialer/index.ts';
import { createRealtimeHub, type RealtimeHub } from './modules/realtime/realtime-hub.ts';
import { startRouter, type Router, type RouterOptions } from './modules/routing/router.ts';
import { startStorageHousekeeping } from './modules/uploads/index.ts';
import { ensureFirstAdmin } from './modules/users/ensure-first-admin.ts';
import { countFileBlobs } from './platform/blobs/blob-store.repo.ts';
import { blobsDir, createBlobStore } from './platform/blobs/create-blob-store.ts';
import { createEventBus } from './platform/events/event-bus.ts';
import { createDb, type Db } from './platform/db/db.ts';
import { lockDataDir } from './platform/db/data-dir-lock.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from './platform/db/embedded.ts';
import { migrate } from './platform/db/migrate.ts';
import { startJobWorker, type JobWorker } from './platform/jobs/jobs.ts';
import { countEvent, createMetrics } from './platform/http/metrics.ts';
import { mailboxSyncLag } from './modules/ingestion/index.ts';
import { outboxWaitingCounts } from './modules/outbound/index.ts';
import { createLogger } from './platform/log/logger.ts';
import { checkMasterKey } from './platform/secrets/key-check.ts';
import { createSecretBox, loadOrCreateMasterKey, masterKeyWarnings } from './platform/secrets/secret-box.ts';
import { createOAuthRuntime, startTokenRefresher, type TokenRefresher } from './modules/oauth/index.ts';

/** A running Postdesk: its address, the first admin (when just created) and how to stop it. */
export interface RunningServer {
  /** The console's URL; null when this process does not play the api role. */
  url: string | null;
  app: FastifyInstance | null;
  deps: Deps;
  sync: MailboxSupervisor | null;
  outbox: OutboxWorker | null;
  /** The shared jobs table's worker (the Sent-folder copies; the dialer's work later). */
  jobs: JobWorker | null;
  router: Router | null;
  realtime: RealtimeHub | null;
  /** Refreshes OAuth2 tokens before they expire (nodes that sync or send). */
  oauthRefresher: TokenRefresher | null;
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
 * DATABASE_URL is set), migrations, the first admin, and then per role the
 * HTTP server (api), the mailbox supervisor (sync) and the outbox (worker).
 */
export async function startServer(
  config: Config,
  opts: {
    logDestination?: DestinationStream;
    checker?: ConnectionChecker;
    serveWeb?: boolean;
    /** Trust self-signed certificates of mail servers: tests only. */
    tlsRejectUnauthorized?: boolean;
    /** Observe routing decisions (the benchmark). */
    onRoutingDecision?: RouterOptions['onDecision'];
    /** Observe outbox claims (the benchmark). */
    onOutboxClaim?: OutboxDeps['onClaim'];
  } = {},
): Promise<RunningServer> {
  const log = createLogger(config.logLevel, opts.logDestination);
  let embedded: EmbeddedServer | null = null;
  let dataDirLock: { release(): Promise<void> } | null = null;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    // one process runs the embedded database: a second start says who holds it
    dataDirLock = await lockDataDir(config.dataDir);
    try {
      embedded = await startEmbeddedPostgres(path.join(config.dataDir, 'postgres'), {
        port: config.embeddedPgPort,
        log: (line) => log.debug({ component: 'postgres' }, line.trim()),
      });
    } catch (err) {
      await dataDirLock.release();
      throw err;
    }
    databaseUrl = embedded.url;
  }
  const db = createDb(databaseUrl);
  const closers: Array<() => Promise<void>> = [];
  try {
    const applied = await migrate(db);
    if (applied.length) log.info({ applied }, 'database migrated');
    const master = await loadOrCreateMasterKey({ key: config.masterKey, file: config.masterKeyFile, dataDir: config.dataDir });
    const secrets = createSecretBox(master.key);
    await checkMasterKey(db, secrets, master);
    if (master.created) log.info({ file: master.file }, 'master key created');
    for (const warning of await masterKeyWarnings(master, { dataDir: config.dataDir, externalDatabase: !!config.databaseUrl })) log.warn({ file: master.file }, warning);
    const masterKey = master.key;
    const events = createEventBus(databaseUrl, (err) => log.error({ err: String(err) }, 'event handler failed'));
    const parser = createParserPool({ maxThreads: config.parserThreads, timeoutMs: config.parseTimeoutMs });
    // agents' requests are what render: a process without the api role starts a thread only if asked
    const render = createRenderPool({ maxThreads: config.renderThreads, minThreads: config.roles.has('api') ? 1 : 0, timeoutMs: config.renderTimeoutMs });
    closers.push(() => parser.close(), () => render.close(), () => events.close());
    await events.ready;
    const deps: Deps = {
      db,
      config,
      log,
      secrets,
      metrics: createMetrics(),
      checker: opts.checker ?? createMailConnectionChecker(config.mailCa ? { mailCa: config.mailCa } : {}),
      now: () => new Date(),
      blobs: createBlobStore(config.blobStore, { db, dataDir: config.dataDir }),
      parser,
      render,
      mailSecret: Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'postdesk message-id v1', 32)),
      events,
      oauth: createOAuthRuntime({ publicUrl: config.publicUrl }),
    };
    // /metrics: events counted as they arrive (every node hears all), the outbox and the mailboxes read at each scrape
    events.on((e) => countEvent(deps.metrics, e));
    deps.metrics.setSources({ outbox: () => outboxWaitingCounts(db), syncLag: () => mailboxSyncLag(db, deps.now()) });
    const first = await ensureFirstAdmin(db, { username: config.adminUsername, password: config.adminPassword });
    const roles = config.roles;
    let app: FastifyInstance | null = null;
    let url: string | null = null;
    let realtime: RealtimeHub | null = null;
    if (roles.has('api')) {
      if (opts.serveWeb !== false) await ensureWebBuilt((m) => log.info(m));
      realtime = createRealtimeHub({
        db, log, now: deps.now, nodeId: config.nodeId, onEvent: (h) => events.on(h),
        onConnections: (n) => deps.metrics.websocketConnections.set(n),
      });
      const hub = realtime;
      closers.push(() => hub.close());
      app = await buildApp(deps, { serveWeb: opts.serveWeb, realtime });
      await app.listen({ host: config.host, port: config.port });
      const addr = app.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : config.port;
      const host = config.host.includes(':') ? `[${config.host}]` : config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
      url = config.publicUrl ?? `http://${host}:${port}`;
    }
    const mailCa = config.mailCa ? { mailCa: config.mailCa } : {};
    const runnerDeps = { ...deps, parseLimits: {}, ...mailCa, ...(opts.tlsRejectUnauthorized === false ? { tlsRejectUnauthorized: false } : {}) };
    const sync = roles.has('sync')
      ? startMailboxSupervisor(runnerDeps, {
          node: config.nodeId,
          leaseSec: config.leaseSec,
          tickMs: Math.max(500, Math.floor((config.leaseSec * 1000) / 3)),
          timing: {
            ...DEFAULT_SYNC_TIMING,
            resyncMs: config.resyncSec * 1000,
            pop3PollMs: config.pop3PollSec * 1000,
            noIdlePollMs: config.imapPollSec * 1000,
          },
          onEvent: (h) => events.on(h),
        })
      : null;
    const outbox = roles.has('worker')
      ? startOutboxWorker({
          db,
          blobs: deps.blobs,
          secrets: deps.secrets,
          oauth: deps.oauth,
          log,
          now: deps.now,
          onEvent: (h) => events.on(h),
          ...mailCa,
          ...(opts.tlsRejectUnauthorized === false ? { tlsRejectUnauthorized: false } : {}),
          ...(opts.onOutboxClaim ? { onClaim: opts.onOutboxClaim } : {}),
        })
      : null;
    const jobs = roles.has('worker')
      ? startJobWorker({ db, log, node: config.nodeId, onEvent: (h) => events.on(h) }, [sentCopyHandler({ ...deps, ...mailCa })])
      : null;
    const housekeeping = roles.has('worker')
      ? startStorageHousekeeping(deps, { uploadTtlMs: config.uploadTtlMs, everyMs: 3_600_000, firstAfterMs: 60_000 })
      : null;
    if (housekeeping) closers.push(() => housekeeping.stop());
    const dialers: DialerRunner | null = roles.has('worker')
      ? startDialerRunner(
          {
            db,
            secrets: deps.secrets,
            log,
            now: deps.now,
            mailSecret: deps.mailSecret,
            publicUrl: config.publicUrl,
            blobs: deps.blobs,
            onEvent: (h) => events.on(h),
            ...(opts.tlsRejectUnauthorized === false ? { tlsRejectUnauthorized: false } : {}),
          },
          { node: config.nodeId, leaseSec: config.leaseSec, tickMs: 2_000, threads: config.dialerThreads, connections: config.dialerConnections },
        )
      : null;
    if (dialers) closers.push(() => dialers.stop());
    // OAuth2 tokens refreshed before they expire, on every node that syncs or sends (the account's lease picks one)
    const refresher = roles.has('sync') || roles.has('worker') ? startTokenRefresher(deps) : null;
    await warnAboutBlobFiles(deps);
    const router = roles.has('worker')
      ? startRouter(
          { db, log, now: deps.now, onEvent: (h) => events.on(h) },
          {
            tickMs: config.routingTickMs,
            sweepMs: config.routingSweepSec * 1000,
            concurrency: config.routingConcurrency,
            presenceGraceMs: config.presenceGraceSec * 1000,
            onDecision: (d, ms) => {
              deps.metrics.routingDecisions.observe({ outcome: d.kind }, ms / 1000);
              opts.onRoutingDecision?.(d, ms);
            },
          },
        )
      : null;
    let stopped = false;
    return {
      url,
      app,
      db,
      deps,
      sync,
      outbox,
      jobs,
      router,
      realtime,
      oauthRefresher: refresher,
      firstAdmin: first.created ? { username: first.username, password: first.password, generated: first.generated } : null,
      async stop() {
        if (stopped) return;
        stopped = true;
        // stop taking work first, then finish what is in flight, then close the database
        await realtime?.close();
        if (app) await app.close();
        await router?.stop();
        await sync?.stop();
        await outbox?.stop();
        await jobs?.stop();
        await refresher?.stop();
        for (const close of closers.reverse()) await close().catch(() => undefined);
        await db.close();
        if (embedded) await embedded.stop();
        await dataDirLock?.release();
      },
    };
  } catch (err) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await db.close().catch(() => undefined);
    if (embedded) await embedded.stop().catch(() => undefined);
    await dataDirLock?.release();
    throw err;
  }
}

/** Says at start when the database store still has blobs as files (an install from before it): reads work, but only from this node. */
async function warnAboutBlobFiles(deps: Deps): Promise<void> {
  if (deps.config.blobStore !== 'pg') return;
  const files = await countFileBlobs(deps.db);
  if (files.count === 0) return;
  deps.log.warn(
    { blobs: files.count, bytes: files.bytes, dir: blobsDir(deps.config.dataDir) },
    'blobs are still files under the data directory: run `npm run blobs:migrate` to move them into the database (until then only this node can read them)',
  );
}
