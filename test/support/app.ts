import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../apps/server/src/config.ts';
import type { ConnectionChecker } from '../../apps/server/src/modules/campaigns/connection-checker.ts';
import { startServer, type RunningServer } from '../../apps/server/src/server.ts';
import { createTestDatabase } from './database.ts';

export const ADMIN_PASSWORD = 'admin-password-for-tests';

/** A Postdesk listening on a loopback port with its own database, every log line captured. */
export interface TestServer extends Omit<RunningServer, 'url'> {
  url: string;
  logs: string[];
  dataDir: string;
  /** Logs in and returns the session cookie header value. */
  login(username: string, password: string): Promise<string>;
  /** fetch against the server with JSON in and out. */
  call(method: string, url: string, opts?: { cookie?: string; body?: unknown; token?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any; text: string; headers: Headers }>;
}

/** Starts a test server; pass env overrides and, for unit-level route tests, a checker. */
export async function startTestServer(
  opts: { env?: Record<string, string>; checker?: ConnectionChecker; serveWeb?: boolean } = {},
): Promise<TestServer> {
  const database = await createTestDatabase();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'postdesk-test-data-'));
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  const config = loadConfig({
    DATABASE_URL: database.url,
    POSTDESK_DATA_DIR: dataDir,
    POSTDESK_PORT: '0',
    POSTDESK_ADMIN_PASSWORD: ADMIN_PASSWORD,
    LOG_LEVEL: 'debug',
    // only the API unless a test asks for sync or the outbox: other tests'
    // campaigns point at real mail servers that nobody wants synced
    POSTDESK_ROLES: 'api',
    POSTDESK_PARSER_THREADS: '1',
    ...opts.env,
  });
  const server = await startServer(config, { logDestination: sink, checker: opts.checker, serveWeb: opts.serveWeb ?? false });
  // where it listens, whatever POSTDESK_PUBLIC_URL a test gives it
  const addr = server.app?.server.address();
  if (!addr || typeof addr !== 'object') throw new Error('the test server needs the api role');
  const url = `http://127.0.0.1:${addr.port}`;
  const call: TestServer['call'] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    if (o.cookie) headers.cookie = o.cookie;
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    const res = await fetch(url + path, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body) });
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    return { status: res.status, body, text, headers: res.headers };
  };
  return {
    ...server,
    url,
    logs,
    dataDir,
    call,
    async login(username, password) {
      const res = await fetch(url + '/api/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status} ${await res.text()}`);
      const cookie = res.headers.get('set-cookie') ?? '';
      return cookie.split(';')[0]!;
    },
    async stop() {
      await server.stop();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
