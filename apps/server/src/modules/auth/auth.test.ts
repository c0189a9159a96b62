import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';

let s: TestServer;
let admin: string;

beforeAll(async () => {
  s = await startTestServer({ env: { POSTDESK_LOGIN_RATE_LIMIT: '5' } });
  admin = await s.login('admin', ADMIN_PASSWORD);
});
afterAll(() => s?.stop());

describe('login and sessions', () => {
  it('creates the first admin from configuration, once', async () => {
    expect(s.firstAdmin).toEqual({ username: 'admin', password: ADMIN_PASSWORD, generated: false });
    const me = await s.call('GET', '/api/auth/me', { cookie: admin });
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ username: 'admin', role: 'admin' });
    expect(me.body.user.passwordHash).toBeUndefined();
    expect(me.text).not.toContain('argon2');
  });

  it('stores passwords as argon2id hashes', async () => {
    const { rows } = await s.db.query<{ password_hash: string }>(`SELECT password_hash FROM users WHERE username = 'admin'`);
    expect(rows[0]!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it('sets an HttpOnly SameSite=Strict session cookie and logs out', async () => {
    const res = await fetch(s.url + '/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/pd_session=[\w-]{40,}/);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const session = cookie.split(';')[0]!;
    expect((await s.call('POST', '/api/auth/logout', { cookie: session })).status).toBe(204);
    expect((await s.call('GET', '/api/auth/me', { cookie: session })).status).toBe(401);
  });

  it('refuses a wrong password with one message for unknown and known users', async () => {
    const a = await s.call('POST', '/api/auth/login', { body: { username: 'admin', password: 'nope-nope-nope' } });
    const b = await s.call('POST', '/api/auth/login', { body: { username: 'ghost', password: 'nope-nope-nope' } });
    expect(a.status).toBe(401);
    expect(b.status).toBe(401);
    expect(a.body).toEqual(b.body);
    expect(a.body.code).toBe('unauthenticated');
  });

  it('rate-limits repeated logins for one name', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      statuses.push((await s.call('POST', '/api/auth/login', { body: { username: 'victim', password: `guess-${i}` } })).status);
    }
    expect(statuses.slice(0, 5).every((x) => x === 401)).toBe(true);
    expect(statuses.slice(5)).toEqual([429, 429]);
    const limited = await s.call('POST', '/api/auth/login', { body: { username: 'victim', password: 'x' } });
    expect(limited.body.code).toBe('rate_limited');
    // Another name from the same address is not locked out.
    expect((await s.call('POST', '/api/auth/login', { body: { username: 'admin', password: ADMIN_PASSWORD } })).status).toBe(200);
  });

  it('answers 401 without a session and refuses cross-origin writes', async () => {
    expect((await s.call('GET', '/api/users')).status).toBe(401);
    const cross = await s.call('POST', '/api/users', {
      cookie: admin,
      headers: { origin: 'https://evil.example' },
      body: { username: 'x', displayName: 'x', role: 'agent', password: 'long-enough-password' },
    });
    expect(cross.status).toBe(403);
    const form = await fetch(s.url + '/api/users', { method: 'POST', headers: { cookie: admin, 'content-type': 'text/plain' }, body: '{}' });
    expect(form.status).toBe(415);
  });
});

describe('users', () => {
  it('lets an admin create, edit and disable users; a disabled user loses their session', async () => {
    const created = await s.call('POST', '/api/users', {
      cookie: admin,
      body: { username: 'ana', displayName: 'Ana Agent', email: 'ana@example.test', role: 'agent', language: 'es', password: 'ana-password-123' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ username: 'ana', role: 'agent', language: 'es', enabled: true });
    const ana = await s.login('ana', 'ana-password-123');
    expect((await s.call('GET', '/api/auth/me', { cookie: ana })).status).toBe(200);

    const dup = await s.call('POST', '/api/users', {
      cookie: admin,
      body: { username: 'ANA', displayName: 'Other', role: 'agent', password: 'another-password-1' },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.details).toEqual([{ path: 'username', message: 'already taken' }]);

    const edited = await s.call('PATCH', `/api/users/${created.body.id}`, { cookie: admin, body: { displayName: 'Ana María', enabled: false } });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ displayName: 'Ana María', enabled: false });
    expect((await s.call('GET', '/api/auth/me', { cookie: ana })).status).toBe(401);
    expect((await s.call('POST', '/api/auth/login', { body: { username: 'ana', password: 'ana-password-123' } })).status).toBe(401);
  });

  it('rejects unknown fields instead of ignoring them (no mass assignment)', async () => {
    const res = await s.call('POST', '/api/users', {
      cookie: admin,
      body: { username: 'bob', displayName: 'Bob', role: 'agent', password: 'bob-password-123', id: '00000000-0000-0000-0000-000000000001', enabled: false },
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.details.map((d: { path: string }) => d.path).sort()).toEqual(['enabled', 'id']);
  });

  it('names the field and the problem for bad values', async () => {
    const res = await s.call('POST', '/api/users', {
      cookie: admin,
      body: { username: 'bad name!', displayName: '', role: 'root', password: 'short' },
    });
    expect(res.status).toBe(400);
    const paths = res.body.details.map((d: { path: string }) => d.path).sort();
    expect(paths).toEqual(['displayName', 'password', 'role', 'username']);
    expect(res.body.message).toContain('password');
  });

  it('refuses oversized bodies', async () => {
    const res = await s.call('POST', '/api/users', {
      cookie: admin,
      body: { username: 'big', displayName: 'x'.repeat(2_000_000), role: 'agent', password: 'big-password-123' },
    });
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('payload_too_large');
  });

  it('keeps the last admin', async () => {
    const me = await s.call('GET', '/api/auth/me', { cookie: admin });
    const res = await s.call('PATCH', `/api/users/${me.body.user.id}`, { cookie: admin, body: { role: 'agent' } });
    expect(res.status).toBe(409);
    expect(res.body.details[0].path).toBe('role');
  });

  it('changes the own language and password, checking the current one', async () => {
    await s.call('POST', '/api/users', { cookie: admin, body: { username: 'sue', displayName: 'Sue', role: 'supervisor', password: 'sue-password-123' } });
    const sue = await s.login('sue', 'sue-password-123');
    const lang = await s.call('PATCH', '/api/auth/me', { cookie: sue, body: { language: 'it' } });
    expect(lang.body.user.language).toBe('it');
    const wrong = await s.call('PATCH', '/api/auth/me', { cookie: sue, body: { password: { current: 'nope', next: 'sue-new-password-1' } } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.details[0].path).toBe('password.current');
    const ok = await s.call('PATCH', '/api/auth/me', { cookie: sue, body: { password: { current: 'sue-password-123', next: 'sue-new-password-1' } } });
    expect(ok.status).toBe(200);
    await s.login('sue', 'sue-new-password-1');
  });
});

describe('API tokens', () => {
  it('issues a token shown once, scoped to its role, and revokes it', async () => {
    const issued = await s.call('POST', '/api/tokens', { cookie: admin, body: { name: 'crm sync', role: 'agent' } });
    expect(issued.status).toBe(201);
    const token: string = issued.body.token;
    expect(token).toMatch(/^pdk_/);
    const list = await s.call('GET', '/api/tokens', { cookie: admin });
    expect(list.text).not.toContain(token);
    expect(list.body.items[0]).toMatchObject({ name: 'crm sync', role: 'agent', prefix: token.slice(0, 10) });

    expect((await s.call('GET', '/api/auth/me', { token })).status).toBe(200);
    // The token acts as an agent even though an admin issued it.
    expect((await s.call('GET', '/api/users', { token })).status).toBe(403);

    expect((await s.call('DELETE', `/api/tokens/${issued.body.item.id}`, { cookie: admin })).status).toBe(204);
    expect((await s.call('GET', '/api/auth/me', { token })).status).toBe(401);
    expect((await s.call('GET', '/api/auth/me', { token: 'pdk_forged' })).status).toBe(401);
  });
});

describe('operations endpoints', () => {
  it('serves health, readiness, metrics and an OpenAPI document of every route', async () => {
    expect((await s.call('GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await s.call('GET', '/readyz')).body).toEqual({ status: 'ready' });
    const metrics = await s.call('GET', '/metrics');
    expect(metrics.text).toContain('postdesk_http_requests_total');
    const doc = await s.call('GET', '/api/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    for (const p of ['/api/auth/login', '/api/users', '/api/users/{id}', '/api/campaigns', '/api/campaigns/{id}/verify', '/api/members', '/api/templates', '/api/canned-answers', '/api/tokens']) {
      expect(Object.keys(doc.body.paths)).toContain(p);
    }
  });

  it('writes structured JSON logs', () => {
    const parsed = s.logs.map((l) => JSON.parse(l) as { level: number; msg: string; time: string });
    expect(parsed.length).toBeGreaterThan(5);
    expect(parsed.some((l) => l.msg === 'auth.login')).toBe(true);
    expect(s.logs.join('\n')).not.toContain(ADMIN_PASSWORD);
  });
});
