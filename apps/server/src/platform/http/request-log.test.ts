import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';

// One log line per request, at a level that fits it: the console's files and
// health checks at debug (they were 3,000 info pairs in 35 minutes of light
// use), API calls at info — and never the query string.
let s: TestServer;

beforeAll(async () => {
  s = await startTestServer({ serveWeb: true });
});
afterAll(() => s?.stop());

interface Line {
  level: number;
  msg: string;
  url?: string;
  status?: number;
  method?: string;
}
const requestLines = (url: string): Line[] =>
  s.logs.map((l) => JSON.parse(l) as Line).filter((l) => l.msg === 'request' && l.url === url);

describe('request log', () => {
  it('logs static files, the console page and health checks at debug, API calls at info, once each', async () => {
    const index = await (await fetch(`${s.url}/`)).text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(index)?.[1];
    expect(asset).toBeDefined();
    expect((await fetch(`${s.url}${asset}`)).status).toBe(200);
    expect((await fetch(`${s.url}/work/42`)).status).toBe(200); // the console's own route: index.html
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
    const cookie = await s.login('admin', ADMIN_PASSWORD);
    expect((await s.call('GET', '/api/auth/me', { cookie })).status).toBe(200);
    expect((await s.call('GET', '/api/search?q=secret-customer-words', { cookie })).status).toBe(200);

    await expect.poll(() => requestLines('/api/search').length).toBe(1);
    for (const url of ['/', asset!, '/work/42', '/healthz']) {
      expect(requestLines(url).map((l) => l.level), url).toEqual([20]);
    }
    for (const url of ['/api/auth/login', '/api/auth/me', '/api/search']) {
      expect(requestLines(url).map((l) => l.level), url).toEqual([30]);
    }
    expect(requestLines('/api/auth/me')[0]).toMatchObject({ method: 'GET', status: 200 });
    expect(s.logs.join('\n')).not.toContain('secret-customer-words');
    expect(s.logs.some((l) => l.includes('"incoming request"'))).toBe(false);
  });
});
