import { randomBytes } from 'node:crypto';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { parseCaPem } from '@postdesk/mailkit/verify';
import { z } from 'zod';

/** The only reader of process.env: everything the program can be told, validated once and frozen. */
const Env = z.object({
  DATABASE_URL: z.string().url().optional(),
  POSTDESK_DATA_DIR: z.string().min(1).default('./data'),
  POSTDESK_HOST: z.string().min(1).default('127.0.0.1'),
  POSTDESK_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  POSTDESK_PUBLIC_URL: z.string().url().optional(),
  POSTDESK_ROLES: z.string().default('api,sync,worker'),
  POSTDESK_MASTER_KEY: z.string().optional(),
  POSTDESK_MASTER_KEY_FILE: z.string().min(1).optional(),
  POSTDESK_MAIL_CA_FILE: z.string().min(1).optional(),
  POSTDESK_TRUST_PROXY: z.string().optional(),
  POSTDESK_METRICS_TOKEN: z.string().min(16, 'at least 16 characters').max(256).optional(),
  POSTDESK_ADMIN_USERNAME: z
    .string()
    .regex(/^[a-zA-Z0-9._@-]{1,64}$/, 'use 1–64 letters, digits, dots, dashes, underscores or @')
    .default('admin'),
  POSTDESK_ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').optional(),
  POSTDESK_SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 90).default(12),
  POSTDESK_COOKIE_SECURE: z.enum(['auto', 'true', 'false']).default('auto'),
  POSTDESK_LOGIN_RATE_LIMIT: z.coerce.number().int().min(1).default(10),
  POSTDESK_EMBEDDED_PG_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  POSTDESK_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
  POSTDESK_NODE_ID: z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/, 'letters, digits, . _ : - only').optional(),
  POSTDESK_LEASE_SEC: z.coerce.number().int().min(2).max(3600).default(30),
  POSTDESK_RESYNC_SEC: z.coerce.number().int().min(1).max(86_400).default(300),
  POSTDESK_POP3_POLL_SEC: z.coerce.number().int().min(1).max(86_400).default(60),
  POSTDESK_IMAP_POLL_SEC: z.coerce.number().int().min(1).max(86_400).default(15),
  POSTDESK_PARSER_THREADS: z.coerce.number().int().min(1).max(64).default(2),
  POSTDESK_PARSE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  POSTDESK_RENDER_THREADS: z.coerce.number().int().min(1).max(64).default(2),
  POSTDESK_RENDER_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  POSTDESK_ROUTING_TICK_MS: z.coerce.number().int().min(20).max(60_000).default(250),
  POSTDESK_ROUTING_SWEEP_SEC: z.coerce.number().int().min(1).max(3600).default(5),
  POSTDESK_ROUTING_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(2),
  POSTDESK_PRESENCE_GRACE_SEC: z.coerce.number().int().min(1).max(3600).default(120),
  POSTDESK_DIALER_THREADS: z.coerce.number().int().min(1).max(16).default(2),
  POSTDESK_DIALER_CONNECTIONS: z.coerce.number().int().min(1).max(64).default(4),
  POSTDESK_BLOB_STORE: z.enum(['pg', 'fs']).default('pg'),
  POSTDESK_UPLOAD_QUOTA_MB: z.coerce.number().int().min(1).max(1_000_000).default(100),
  POSTDESK_UPLOAD_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 365).default(24),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Role = 'api' | 'sync' | 'worker';

export interface Config {
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly publicUrl: string | undefined;
  readonly roles: ReadonlySet<Role>;
  readonly masterKey: string | undefined;
  /** Where the master key lives when it is kept outside the data directory (absolute). */
  readonly masterKeyFile: string | undefined;
  /**
   * PEM certificates of a private authority every campaign's mail servers may
   * use (POSTDESK_MAIL_CA_FILE, read and checked at start), trusted besides
   * the system's by IMAP, POP3, SMTP and the connection check.
   */
  readonly mailCa: string | undefined;
  /**
   * Which peers may say who the client is (X-Forwarded-For / -Proto / -Host):
   * none (false), the nearest n hops, or these addresses and CIDR ranges.
   */
  readonly trustProxy: false | number | readonly string[];
  /** The bearer token a scraper must send for /metrics; unset: loopback clients only. */
  readonly metricsToken: string | undefined;
  readonly adminUsername: string;
  readonly adminPassword: string | undefined;
  readonly sessionTtlMs: number;
  readonly cookieSecure: 'auto' | boolean;
  readonly loginRateLimit: number;
  readonly embeddedPgPort: number;
  readonly bodyLimitBytes: number;
  readonly logLevel: z.infer<typeof Env>['LOG_LEVEL'];
  /** This process's name in mailbox leases; unique per process unless set. */
  readonly nodeId: string;
  readonly leaseSec: number;
  readonly resyncSec: number;
  readonly pop3PollSec: number;
  /** How often an IMAP folder is polled when its server has no IDLE. */
  readonly imapPollSec: number;
  readonly parserThreads: number;
  readonly parseTimeoutMs: number;
  /** Threads that sanitise HTML (bodies shown to agents, HTML agents and admins submit), apart from the parser's. */
  readonly renderThreads: number;
  /** How long one sanitisation may take before its thread is stopped. */
  readonly renderTimeoutMs: number;
  /** How often due routing timers (offer timeouts, sticky waits, transfers) are fired. */
  readonly routingTickMs: number;
  /** How often every queue is routed again and presence swept, as a safety net for missed events. */
  readonly routingSweepSec: number;
  /** Campaigns routed at once by one worker. */
  readonly routingConcurrency: number;
  /** How long an agent with no workspace open anywhere stays available or paused before going offline. */
  readonly presenceGraceSec: number;
  /** Sending threads of one running dialer (each composes and sends on its own core). */
  readonly dialerThreads: number;
  /** SMTP connections each dialer sending thread keeps open (pipelined). */
  readonly dialerConnections: number;
  /** Where raw messages and files live: PostgreSQL (any node serves any file, one backup holds all) or this node's data directory. */
  readonly blobStore: 'pg' | 'fs';
  /** How many bytes of uploads a user may hold that no sent message has used yet. */
  readonly uploadQuotaBytes: number;
  /** How long an upload no message used is kept (a draft that names it keeps it longer). */
  readonly uploadTtlMs: number;
}

/** Thrown when the environment is wrong; the message names each variable. */
export class ConfigError extends Error {}

/** Reads and validates the environment; the result is frozen so nothing changes it later. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  const roles = new Set<Role>();
  for (const r of e.POSTDESK_ROLES.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (r !== 'api' && r !== 'sync' && r !== 'worker') {
      throw new ConfigError(`invalid configuration:\n  POSTDESK_ROLES: unknown role "${r}" (use api, sync, worker)`);
    }
    roles.add(r);
  }
  if (roles.size === 0) throw new ConfigError('invalid configuration:\n  POSTDESK_ROLES: at least one role');
  if (e.POSTDESK_MASTER_KEY && e.POSTDESK_MASTER_KEY_FILE) {
    throw new ConfigError('invalid configuration:\n  POSTDESK_MASTER_KEY_FILE: set either it or POSTDESK_MASTER_KEY, not both');
  }
  return Object.freeze({
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.POSTDESK_DATA_DIR),
    host: e.POSTDESK_HOST,
    port: e.POSTDESK_PORT,
    publicUrl: e.POSTDESK_PUBLIC_URL,
    roles,
    masterKey: e.POSTDESK_MASTER_KEY,
    masterKeyFile: e.POSTDESK_MASTER_KEY_FILE ? path.resolve(e.POSTDESK_MASTER_KEY_FILE) : undefined,
    mailCa: e.POSTDESK_MAIL_CA_FILE ? readMailCa(e.POSTDESK_MAIL_CA_FILE) : undefined,
    trustProxy: parseTrustProxy(e.POSTDESK_TRUST_PROXY),
    metricsToken: e.POSTDESK_METRICS_TOKEN,
    adminUsername: e.POSTDESK_ADMIN_USERNAME,
    adminPassword: e.POSTDESK_ADMIN_PASSWORD,
    sessionTtlMs: e.POSTDESK_SESSION_TTL_HOURS * 3_600_000,
    cookieSecure: e.POSTDESK_COOKIE_SECURE === 'auto' ? 'auto' : e.POSTDESK_COOKIE_SECURE === 'true',
    loginRateLimit: e.POSTDESK_LOGIN_RATE_LIMIT,
    embeddedPgPort: e.POSTDESK_EMBEDDED_PG_PORT,
    bodyLimitBytes: e.POSTDESK_BODY_LIMIT_BYTES,
    logLevel: e.LOG_LEVEL,
    nodeId: e.POSTDESK_NODE_ID ?? `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    leaseSec: e.POSTDESK_LEASE_SEC,
    resyncSec: e.POSTDESK_RESYNC_SEC,
    pop3PollSec: e.POSTDESK_POP3_POLL_SEC,
    imapPollSec: e.POSTDESK_IMAP_POLL_SEC,
    parserThreads: e.POSTDESK_PARSER_THREADS,
    parseTimeoutMs: e.POSTDESK_PARSE_TIMEOUT_MS,
    renderThreads: e.POSTDESK_RENDER_THREADS,
    renderTimeoutMs: e.POSTDESK_RENDER_TIMEOUT_MS,
    routingTickMs: e.POSTDESK_ROUTING_TICK_MS,
    routingSweepSec: e.POSTDESK_ROUTING_SWEEP_SEC,
    routingConcurrency: e.POSTDESK_ROUTING_CONCURRENCY,
    presenceGraceSec: e.POSTDESK_PRESENCE_GRACE_SEC,
    dialerThreads: e.POSTDESK_DIALER_THREADS,
    dialerConnections: e.POSTDESK_DIALER_CONNECTIONS,
    blobStore: e.POSTDESK_BLOB_STORE,
    uploadQuotaBytes: e.POSTDESK_UPLOAD_QUOTA_MB * 1024 * 1024,
    uploadTtlMs: e.POSTDESK_UPLOAD_TTL_HOURS * 3_600_000,
  });
}

// Names proxy-addr (Fastify's trustProxy) knows for common private ranges.
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * POSTDESK_TRUST_PROXY: a hop count, or a comma-separated list of addresses,
 * CIDR ranges and the names loopback / linklocal / uniquelocal. "Trust
 * everyone" is refused: any client could then choose its own address and
 * escape the rate limits.
 */
export function parseTrustProxy(value: string | undefined): false | number | readonly string[] {
  const v = value?.trim() ?? '';
  if (v === '' || v === 'false' || v === '0') return false;
  const fail = (why: string): never => {
    throw new ConfigError(`invalid configuration:\n  POSTDESK_TRUST_PROXY: ${why}`);
  };
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    if (hops > 16) fail('at most 16 hops');
    return hops;
  }
  if (v === 'true' || v === '*') fail('trusting every peer lets any client choose its address; give the number of proxies in front (e.g. 1) or their addresses');
  const items = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) {
    if (NAMED_RANGES.has(item)) continue;
    const [addr, bits, extra] = item.split('/');
    const family = net.isIP(addr ?? '');
    const okBits = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (!family || !okBits || extra !== undefined) fail(`"${item}" is not an address, a CIDR range or one of loopback, linklocal, uniquelocal`);
  }
  return Object.freeze(items);
}

/** The installation's private mail authority: the file must hold PEM certificates only, or the program does not start. */
function readMailCa(file: string): string {
  let text: string;
  try {
    text = readFileSync(path.resolve(file), 'utf8');
  } catch (err) {
    throw new ConfigError(`invalid configuration:\n  POSTDESK_MAIL_CA_FILE: cannot read ${path.resolve(file)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const r = parseCaPem(text);
  if (!r.ok) throw new ConfigError(`invalid configuration:\n  POSTDESK_MAIL_CA_FILE: ${r.reason}`);
  return r.pem;
}
