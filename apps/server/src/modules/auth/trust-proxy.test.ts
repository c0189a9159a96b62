import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';

// Behind a TLS proxy (POSTDESK_TRUST_PROXY): the session cookie is Secure
// when the client spoke HTTPS to the proxy, and login limits count the real
// client's address, not the proxy's. Without the setting, forwarding headers
// change nothing (a client cannot pick its own address).
let proxied: TestServer;
let direct: TestServer;
const LIMIT = 3;
const METRICS_TOKEN = 'scrape-me-with-this-token';

beforeAll(async () => {
  [proxied, direct] = await Promise.all([
    startTestServer({ env: { POSTDESK_TRUST_PROXY: '127.0.0.1', POSTDESK_LOGIN_RATE_LIMIT: String(LIMIT) } }),
    startTestServer({ env: { POSTDESK_METRICS_TOKEN: METRICS_TOKEN, POSTDESK_LOGIN_RATE_LIMIT: String(LIMIT) } }),
  ]);
});
afterAll(async () => {
  await proxied?.stop();
  await direct?.stop();
});

const login = (s: TestServer, password: string, headers: Record<string, string> = {}) =>
  s.call('POST', '/api/auth/login', { body: { username: 'admin', password }, headers });

describe('behind a trusted proxy', () => {
  it('sets a Secure cookie when the client spoke HTTPS to the proxy, and not otherwise', async () => {
    const https = await login(proxied, ADMIN_PASSWORD, { 'x-forwarded-proto': 'https', 'x-forwarded-for': '198.51.100.1' });
    expect(https.status).toBe(200);
    expect(https.headers.get('set-cookie')).toMatch(/;\s*Secure/i);
    const http = await login(proxied, ADMIN_PASSWORD, { 'x-forwarded-proto': 'http', 'x-forwarded-for': '198.51.100.1' });
    expect(http.status).toBe(200);
    expect(http.headers.get('set-cookie')).not.toMatch(/;\s*Secure/i);
  });

  it('accepts a write whose Origin is the host the proxy names', async () => {
    const cookie = (await login(proxied, ADMIN_PASSWORD, { 'x-forwarded-for': '198.51.100.1' })).headers.get('set-cookie')!.split(';')[0]!;
    const headers = { 'x-forwarded-for': '198.51.100.1', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'desk.example.test', origin: 'https://desk.example.test' };
    const ok = await proxied.call('PATCH', '/api/auth/me', { cookie, headers, body: { language: 'es' } });
    expect(ok.status).toBe(200);
    const foreign = await proxied.call('PATCH', '/api/auth/me', { cookie, headers: { ...headers, origin: 'https://evil.example.test' }, body: { language: 'es' } });
    expect(foreign.status).toBe(403);
  });

  it('counts failed logins per real client: one client locked out does not lock out another', async () => {
    const attacker = { 'x-forwarded-for': '203.0.113.66' };
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 1; i++) statuses.push((await login(proxied, `wrong-${i}`, attacker)).status);
    expect(statuses).toEqual([...Array(LIMIT).fill(401), 429]);
    expect((await login(proxied, ADMIN_PASSWORD, attacker)).status).toBe(429);
    expect((await login(proxied, ADMIN_PASSWORD, { 'x-forwarded-for': '198.51.100.2' })).status).toBe(200);
  });

  it('serves /metrics to a local client only, judged by the address the proxy names', async () => {
    expect((await proxied.call('GET', '/metrics', { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(403);
    expect((await proxied.call('GET', '/metrics', { headers: { 'x-forwarded-for': '127.0.0.1' } })).status).toBe(200);
  });
});

describe('without a trusted proxy', () => {
  it('ignores forwarding headers: no Secure cookie over plain HTTP, and no fresh rate-limit bucket per invented address', async () => {
    const res = await login(direct, ADMIN_PASSWORD, { 'x-forwarded-proto': 'https' });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).not.toMatch(/;\s*Secure/i);
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 1; i++) {
      const body = { username: 'ghost', password: `wrong-${i}` };
      statuses.push((await direct.call('POST', '/api/auth/login', { body, headers: { 'x-forwarded-for': `203.0.113.${i + 1}` } })).status);
    }
    expect(statuses).toEqual([...Array(LIMIT).fill(401), 429]);
  });

  it('serves /metrics with POSTDESK_METRICS_TOKEN only to whoever sends the token', async () => {
    expect((await direct.call('GET', '/metrics')).status).toBe(401);
    expect((await direct.call('GET', '/metrics', { token: 'scrape-me-with-another-one' })).status).toBe(401);
    const ok = await direct.call('GET', '/metrics', { token: METRICS_TOKEN });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('postdesk_http_requests_total');
  });
});
