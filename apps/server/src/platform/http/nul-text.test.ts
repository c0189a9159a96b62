import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';
import { insertCampaignRow } from '../../../../../test/support/campaign-row.ts';
import { insertWaiting } from '../../../../../test/support/routing-fixtures.ts';

// PostgreSQL cannot store the NUL character in text (22021): every text a
// request carries — body, query string, path — is refused with a 400 naming
// the field when it holds one, instead of reaching the database as a 500.
let s: TestServer;
let admin: string;
let interactionId: number;
let campaignId: string;
const NUL = '\u0000';

beforeAll(async () => {
  s = await startTestServer();
  admin = await s.login('admin', ADMIN_PASSWORD);
  campaignId = await insertCampaignRow(s.db, { key: 'NUL' });
  [interactionId] = (await insertWaiting(s.db, campaignId, 1)) as [number];
});
afterAll(() => s?.stop());

describe('a NUL character in any text of a request', () => {
  const cases: Array<[string, () => [string, string, unknown], string]> = [
    ['a note', () => ['POST', `/api/interactions/${interactionId}/notes`, { text: `call back${NUL}later` }], 'text'],
    ['a draft subject', () => ['PUT', `/api/interactions/${interactionId}/draft`, { mode: 'reply', subject: `Re: hi${NUL}`, html: '<p>x</p>' }], 'subject'],
    ['a recipient name in a draft', () => ['PUT', `/api/interactions/${interactionId}/draft`, { mode: 'reply', to: [{ address: 'a@example.test', name: `A${NUL}` }], html: '' }], 'to.0.name'],
    ['a new mail draft', () => ['PUT', '/api/me/new-mail', { subject: `new${NUL}`, html: '<p>x</p>' }], 'subject'],
    ['the own display name', () => ['PATCH', '/api/auth/me', { displayName: `Ad${NUL}min` }], 'displayName'],
    ['a new user\'s display name', () => ['POST', '/api/users', { username: 'nulla', displayName: `Nul${NUL}la`, role: 'agent', password: 'nulla-password-1' }], 'displayName'],
    ['a template', () => ['POST', '/api/templates', { name: `T${NUL}`, html: '<p>x</p>', campaignId: null }], 'name'],
    ['a pause reason', () => ['POST', '/api/pause-reasons', { name: `Lunch${NUL}` }], 'name'],
    ['a key of an object', () => ['PATCH', '/api/auth/me', { [`display${NUL}Name`]: 'x' }], `display${NUL}Name`],
  ];

  it.each(cases)('in %s is a 400 naming the field', async (_what, request, path) => {
    const [method, url, body] = request();
    const res = await s.call(method, url, { cookie: admin, body, headers: { origin: s.url } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.details).toEqual([{ path, message: 'must not contain the NUL character' }]);
  });

  it('in a search is a 400 naming the query field', async () => {
    const res = await s.call('GET', `/api/search?q=${encodeURIComponent(`invoice${NUL}2024`)}`, { cookie: admin });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([{ path: 'q', message: 'must not contain the NUL character' }]);
  });

  it('in a path parameter is a 400 by the same rule', async () => {
    const res = await s.call('GET', `/api/users/${encodeURIComponent(`x${NUL}`)}`, { cookie: admin });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([{ path: 'id', message: 'must not contain the NUL character' }]);
  });

  it('stores the same texts without the NUL', async () => {
    const res = await s.call('POST', `/api/interactions/${interactionId}/notes`, { cookie: admin, body: { text: 'call back later' }, headers: { origin: s.url } });
    expect(res.status).toBe(201);
    const search = await s.call('GET', '/api/search?q=Question', { cookie: admin });
    expect(search.status).toBe(200);
  });
});
