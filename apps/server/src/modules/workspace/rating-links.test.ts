import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';
import { insertCampaignRow } from '../../../../../test/support/campaign-row.ts';
import { insertWaiting } from '../../../../../test/support/routing-fixtures.ts';

// Links in outgoing mail never come from the request: a forged Host header
// must not reach a customer. Without POSTDESK_PUBLIC_URL no rating links are
// added at all (and the API says why); with it, they point there whatever
// host the agent's request named.
let bare: TestServer;
let configured: TestServer;
const PUBLIC_URL = 'https://desk.example.test';

/** An API call with a Host header of our choosing (fetch does not let a caller set one). */
function callWithHost(s: TestServer, token: string, method: string, path: string, body: unknown, host: string): Promise<{ status: number; body: any }> {
  const { port } = new URL(s.url);
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path, headers: { host, authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** A campaign asking for ratings, one interaction in it, and an admin token to answer with. */
async function setUp(s: TestServer): Promise<{ token: string; campaignId: string; interactionId: number }> {
  const admin = await s.login('admin', ADMIN_PASSWORD);
  const campaignId = await insertCampaignRow(s.db, { key: 'RAT' });
  await s.db.query(`UPDATE campaigns SET qualification_enabled = true, qualification_title = 'Rate us' WHERE id = $1`, [campaignId]);
  const [interactionId] = (await insertWaiting(s.db, campaignId, 1)) as [number];
  const token = (await s.call('POST', '/api/tokens', { cookie: admin, body: { name: 'desk', role: 'admin' } })).body.token as string;
  return { token, campaignId, interactionId };
}

const stored = async (s: TestServer, messageId: number) =>
  (await s.db.query<{ html_body: string; rating_key: Buffer | null }>('SELECT html_body, rating_key FROM messages WHERE id = $1', [messageId])).rows[0]!;

const reply = { mode: 'reply', to: [{ address: 'customer@example.test' }], cc: [], html: '<p>Here you are.</p>', attachments: [] };
const newMail = { to: [{ address: 'other@example.test' }], cc: [], subject: 'Hello', html: '<p>Hi.</p>', attachments: [] };

beforeAll(async () => {
  [bare, configured] = await Promise.all([startTestServer(), startTestServer({ env: { POSTDESK_PUBLIC_URL: PUBLIC_URL } })]);
});
afterAll(async () => {
  await bare?.stop();
  await configured?.stop();
});

describe('rating links in outgoing mail', () => {
  it('are not added without a public URL, whatever Host the request names, and the API says why', async () => {
    const { token, campaignId, interactionId } = await setUp(bare);
    const sent = await callWithHost(bare, token, 'POST', `/api/interactions/${interactionId}/messages`, reply, 'evil.test');
    expect(sent.status).toBe(201);
    const m = await stored(bare, sent.body.messageId);
    expect(m.html_body).toContain('Here you are.');
    expect(m.html_body).not.toContain('evil.test');
    expect(m.html_body).not.toContain('/rating/');
    expect(m.rating_key).toBeNull();

    const started = await callWithHost(bare, token, 'POST', `/api/campaigns/${campaignId}/mail`, newMail, 'evil.test');
    expect(started.status).toBe(201);
    const n = await stored(bare, started.body.messageId);
    expect(n.html_body).not.toContain('evil.test');
    expect(n.html_body).not.toContain('/rating/');

    expect((await bare.call('GET', '/api/rating-links', { token })).body).toEqual({ available: false, reason: 'no_public_url' });
  });

  it('point at POSTDESK_PUBLIC_URL, never at the Host of the request', async () => {
    const { token, campaignId, interactionId } = await setUp(configured);
    const sent = await callWithHost(configured, token, 'POST', `/api/interactions/${interactionId}/messages`, reply, 'evil.test');
    expect(sent.status).toBe(201);
    const m = await stored(configured, sent.body.messageId);
    expect(m.html_body).toMatch(new RegExp(`${PUBLIC_URL}/rating/[A-Za-z0-9_-]{32}/5`));
    expect(m.html_body).not.toContain('evil.test');
    const started = await callWithHost(configured, token, 'POST', `/api/campaigns/${campaignId}/mail`, newMail, 'evil.test');
    expect((await stored(configured, started.body.messageId)).html_body).toContain(`${PUBLIC_URL}/rating/`);
    expect((await configured.call('GET', '/api/rating-links', { token })).body).toEqual({ available: true, reason: null });
  });
});
