import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';

// Authentication before anything else: role guards run before the body is
// read, the own-password check is rate-limited like a login, user names have
// one normal form, and /metrics is not for everyone.
let s: TestServer;
let admin: string;
const LIMIT = 5;

beforeAll(async () => {
  s = await startTestServer({ env: { POSTDESK_LOGIN_RATE_LIMIT: String(LIMIT) } });
  admin = await s.login('admin', ADMIN_PASSWORD);
});
afterAll(() => s?.stop());

// Reached without a session by design (a provider redirects the browser to
// the callback): they must still answer hostile input with a 4xx, never fail.
const PUBLIC = new Set(['post /api/auth/login', 'post /api/auth/logout', 'get /api/oauth/callback']);

describe('role checks come before validation', () => {
  it('answers every API route 401 to an anonymous caller whatever the body, without naming a field', async () => {
    const doc = await s.call('GET', '/api/openapi.json');
    const probes: string[] = [];
    for (const [route, ops] of Object.entries(doc.body.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(ops)) {
        const url = route.replace(/\{[^}]+\}/g, 'x') + '?probe=%00';
        if (PUBLIC.has(`${method} ${route}`)) {
          const res = await s.call(method.toUpperCase(), url);
          expect.soft(res.status, `${method} ${route} (public)`).toBeLessThan(500);
          continue;
        }
        const withBody = method === 'post' || method === 'put' || method === 'patch';
        const res = await s.call(method.toUpperCase(), url, withBody ? { body: { probe: 'x'.repeat(10) } } : {});
        probes.push(`${method} ${route} → ${res.status}`);
        expect.soft(res.status, `${method} ${route}`).toBe(401);
        expect.soft(res.body?.details, `${method} ${route}`).toBeUndefined();
      }
    }
    expect(probes.length).toBeGreaterThan(40);
  });

  it('answers an agent 403 on admin routes before looking at the body', async () => {
    await s.call('POST', '/api/users', { cookie: admin, body: { username: 'gus', displayName: 'Gus', role: 'agent', password: 'gus-password-123' } });
    const gus = await s.login('gus', 'gus-password-123');
    for (const [method, url] of [
      ['POST', '/api/users'],
      ['POST', '/api/campaigns'],
      ['POST', '/api/campaigns/verify'],
      ['POST', '/api/tokens'],
      ['PUT', '/api/campaigns/00000000-0000-0000-0000-000000000000'],
    ] as const) {
      const res = await s.call(method, url, { cookie: gus, body: { nonsense: true } });
      expect.soft(res.status, `${method} ${url}`).toBe(403);
      expect.soft(res.body.details, `${method} ${url}`).toBeUndefined();
    }
  });

  it('refuses an upload from an anonymous caller before reading it', async () => {
    const res = await fetch(`${s.url}/api/uploads?name=a.bin`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(2 * 1024 * 1024),
    });
    expect(res.status).toBe(401);
  });
});

describe('the current-password check of PATCH /api/auth/me', () => {
  it('is rate-limited per user like a login, while other edits are not counted', async () => {
    await s.call('POST', '/api/users', { cookie: admin, body: { username: 'tess', displayName: 'Tess', role: 'agent', password: 'tess-password-123' } });
    const tess = await s.login('tess', 'tess-password-123');
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 2; i++) {
      const res = await s.call('PATCH', '/api/auth/me', { cookie: tess, body: { password: { current: `guess-${i}`, next: 'tess-new-password-1' } } });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, LIMIT)).toEqual(Array(LIMIT).fill(400));
    expect(statuses.slice(LIMIT)).toEqual([429, 429]);
    // the right password is refused too while the limit lasts: guessing gains nothing
    const right = await s.call('PATCH', '/api/auth/me', { cookie: tess, body: { password: { current: 'tess-password-123', next: 'tess-new-password-1' } } });
    expect(right.status).toBe(429);
    expect(right.body.code).toBe('rate_limited');
    // a language change is not a password guess
    for (let i = 0; i < LIMIT + 1; i++) {
      expect((await s.call('PATCH', '/api/auth/me', { cookie: tess, body: { language: i % 2 ? 'es' : 'it' } })).status).toBe(200);
    }
  });
});

describe('user names', () => {
  it('logs in under one normal form only: case and width fold, a dotted capital I is another name', async () => {
    expect((await s.call('POST', '/api/auth/login', { body: { username: 'ADMIN', password: ADMIN_PASSWORD } })).status).toBe(200);
    expect((await s.call('POST', '/api/auth/login', { body: { username: 'ａｄｍｉｎ', password: ADMIN_PASSWORD } })).status).toBe(200);
    expect((await s.call('POST', '/api/auth/login', { body: { username: 'admİn', password: ADMIN_PASSWORD } })).status).toBe(401);
  });

  it('counts every spelling of a name in one rate-limit bucket', async () => {
    await s.call('POST', '/api/users', { cookie: admin, body: { username: 'ivan', displayName: 'Ivan', role: 'agent', password: 'ivan-password-123' } });
    const spellings = ['ivan', 'IVAN', 'Ivan', 'ｉｖａｎ', 'iVaN'];
    const statuses: number[] = [];
    for (const username of spellings) statuses.push((await s.call('POST', '/api/auth/login', { body: { username, password: 'wrong-guess' } })).status);
    expect(statuses).toEqual(Array(LIMIT).fill(401));
    const next = await s.call('POST', '/api/auth/login', { body: { username: 'IVAN', password: 'ivan-password-123' } });
    expect(next.status).toBe(429);
  });

  it('stores a new user under the normal form and refuses another case of a taken name', async () => {
    const created = await s.call('POST', '/api/users', {
      cookie: admin,
      body: { username: 'Nora.Lind', displayName: 'Nora', role: 'agent', password: 'nora-password-123' },
    });
    expect(created.status).toBe(201);
    expect(created.body.username).toBe('nora.lind');
    const dup = await s.call('POST', '/api/users', { cookie: admin, body: { username: 'NORA.LIND', displayName: 'N', role: 'agent', password: 'nora-password-123' } });
    expect(dup.status).toBe(409);
    await s.login('Nora.Lind', 'nora-password-123');
  });
});

describe('/metrics', () => {
  it('is served to a loopback client, not to one that came through a proxy that is not trusted', async () => {
    expect((await s.call('GET', '/metrics')).status).toBe(200);
    const proxied = await s.call('GET', '/metrics', { headers: { 'x-forwarded-for': '203.0.113.7' } });
    expect(proxied.status).toBe(403);
    expect(proxied.text).not.toContain('postdesk_http_requests_total');
  });
});
