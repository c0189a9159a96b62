import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpAuthServer } from '../../../../../test/peers/smtp-auth.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';
import { campaignBody } from '../../../../../test/support/campaign-input.ts';

// Members, templates, canned answers and dispositions, and what an agent may
// reach. Campaigns here do not receive mail, so only the (real) SMTP AUTH
// peer is needed.
let s: TestServer;
let admin: string;
let agent: string;
let smtp: Awaited<ReturnType<typeof startSmtpAuthServer>>;
const ids: { a: string; b: string; agent: string; agent2: string } = { a: '', b: '', agent: '', agent2: '' };

beforeAll(async () => {
  [smtp, s] = await Promise.all([startSmtpAuthServer({ users: { out: 'out-password-1' } }), startTestServer()]);
  admin = await s.login('admin', ADMIN_PASSWORD);
  const mk = async (name: string, key: string) => {
    const r = await s.call('POST', '/api/campaigns', {
      cookie: admin,
      body: campaignBody({ name, key, receiveEmails: false, smtp: { port: smtp.port, username: 'out', password: 'out-password-1' } }),
    });
    expect(r.status).toBe(201);
    return r.body.id as string;
  };
  ids.a = await mk('Alpha', 'ALP');
  ids.b = await mk('Beta', 'BET');
  const u = await s.call('POST', '/api/users', { cookie: admin, body: { username: 'agent1', displayName: 'Agent One', role: 'agent', password: 'agent-password-1' } });
  const u2 = await s.call('POST', '/api/users', { cookie: admin, body: { username: 'agent2', displayName: 'Agent Two', role: 'agent', password: 'agent-password-2' } });
  ids.agent = u.body.id;
  ids.agent2 = u2.body.id;
  agent = await s.login('agent1', 'agent-password-1');
});
afterAll(async () => {
  await Promise.all([s?.stop(), smtp?.stop()]);
});

describe('members', () => {
  it('adds several agents to several campaigns in one action and removes them', async () => {
    const add = await s.call('POST', '/api/members', { cookie: admin, body: { campaignIds: [ids.a, ids.b], userIds: [ids.agent, ids.agent2] } });
    expect(add.status).toBe(204);
    const all = await s.call('GET', '/api/members', { cookie: admin });
    expect(all.body.items).toHaveLength(4);
    const rm = await s.call('DELETE', '/api/members', { cookie: admin, body: { campaignIds: [ids.b], userIds: [ids.agent, ids.agent2] } });
    expect(rm.status).toBe(204);
    const ofB = await s.call('GET', `/api/members?campaignId=${ids.b}`, { cookie: admin });
    expect(ofB.body.items).toEqual([]);
    const ofA = await s.call('GET', `/api/members?campaignId=${ids.a}`, { cookie: admin });
    expect(ofA.body.items.map((m: { username: string }) => m.username)).toEqual(['agent1', 'agent2']);
  });

  it('refuses unknown campaigns and non-agents by position, applying nothing', async () => {
    const me = await s.call('GET', '/api/auth/me', { cookie: admin });
    const res = await s.call('POST', '/api/members', {
      cookie: admin,
      body: { campaignIds: [ids.b, '00000000-0000-4000-8000-000000000000'], userIds: [ids.agent, me.body.user.id] },
    });
    expect(res.status).toBe(400);
    expect(res.body.details.map((d: { path: string }) => d.path)).toEqual(['campaignIds.1', 'userIds.1']);
    const ofB = await s.call('GET', `/api/members?campaignId=${ids.b}`, { cookie: admin });
    expect(ofB.body.items).toEqual([]);
  });
});

describe('what an agent can reach', () => {
  it('lists only the campaigns the agent is a member of, without mail settings', async () => {
    const res = await s.call('GET', '/api/campaigns', { cookie: agent });
    expect(res.status).toBe(200);
    expect(res.body.items.map((c: { name: string }) => c.name)).toEqual(['Alpha']);
    expect(res.body.items[0].inbound).toBeUndefined();
    expect(res.body.items[0].smtp).toBeUndefined();
    expect(res.body.items[0].connections).toBeUndefined();
  });

  it('gets 404 for another campaign and its objects', async () => {
    expect((await s.call('GET', `/api/campaigns/${ids.b}`, { cookie: agent })).status).toBe(404);
    expect((await s.call('GET', `/api/campaigns/${ids.b}/dispositions`, { cookie: agent })).status).toBe(404);
    expect((await s.call('GET', `/api/templates?campaignId=${ids.b}`, { cookie: agent })).status).toBe(404);
    expect((await s.call('GET', `/api/canned-answers?campaignId=${ids.b}`, { cookie: agent })).status).toBe(404);
    expect((await s.call('GET', `/api/campaigns/${ids.a}`, { cookie: agent })).status).toBe(200);
  });

  it('gets 403 from every admin route', async () => {
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/api/users'],
      ['POST', '/api/users', { username: 'x', displayName: 'x', role: 'admin', password: 'long-enough-pass' }],
      ['GET', '/api/tokens'],
      ['GET', '/api/campaign-presets'],
      ['POST', '/api/campaigns', campaignBody()],
      ['PUT', `/api/campaigns/${ids.a}`, campaignBody()],
      ['DELETE', `/api/campaigns/${ids.a}`],
      ['POST', `/api/campaigns/${ids.a}/verify`],
      ['POST', '/api/members', { campaignIds: [ids.b], userIds: [ids.agent] }],
      ['GET', '/api/members'],
      ['POST', '/api/templates', { name: 't', campaignId: null, html: '<p>x</p>' }],
      ['POST', '/api/canned-answers', { name: 'c', campaignId: null, text: 'x' }],
      ['POST', `/api/campaigns/${ids.a}/dispositions`, { name: 'Solved' }],
    ];
    for (const [method, url, body] of routes) {
      const res = await s.call(method, url, { cookie: agent, body });
      expect([method, url, res.status]).toEqual([method, url, 403]);
    }
  });
});

describe('templates, canned answers, dispositions', () => {
  it('stores templates sanitised, lists variables, and scopes them to campaigns', async () => {
    const global = await s.call('POST', '/api/templates', {
      cookie: admin,
      body: { name: 'Welcome', campaignId: null, html: '<p onclick="x()">Hello ${name}, order ${order}</p><script>alert(1)</script>' },
    });
    expect(global.status).toBe(201);
    expect(global.body.html).toBe('<p>Hello ${name}, order ${order}</p>');
    expect(global.body.variables).toEqual(['name', 'order']);
    await s.call('POST', '/api/templates', { cookie: admin, body: { name: 'Beta only', campaignId: ids.b, html: '<p>B</p>' } });
    await s.call('POST', '/api/templates', { cookie: admin, body: { name: 'Alpha only', campaignId: ids.a, html: '<p>A</p>' } });

    const forAgent = await s.call('GET', '/api/templates', { cookie: agent });
    expect(forAgent.body.items.map((t: { name: string }) => t.name)).toEqual(['Welcome', 'Alpha only']);
    const dup = await s.call('POST', '/api/templates', { cookie: admin, body: { name: 'welcome', campaignId: null, html: '' } });
    expect(dup.status).toBe(409);

    const edited = await s.call('PUT', `/api/templates/${global.body.id}`, { cookie: admin, body: { name: 'Welcome', campaignId: null, html: '<b>Hi ${name}</b>' } });
    expect(edited.body.variables).toEqual(['name']);
    expect((await s.call('DELETE', `/api/templates/${global.body.id}`, { cookie: admin })).status).toBe(204);
    expect((await s.call('DELETE', `/api/templates/${global.body.id}`, { cookie: admin })).status).toBe(404);
  });

  it('renders previews treating values as data', async () => {
    const res = await s.call('POST', '/api/templates/preview', {
      cookie: agent,
      body: { html: '<p>${a} ${b} ${c}</p>', values: { a: '${b}', b: '{{7*7}}', c: '<img src=x onerror=alert(1)>' } },
    });
    expect(res.body.html).toBe('<p>${b} {{7*7}} &lt;img src=x onerror=alert(1)&gt;</p>');
  });

  it('blends global and campaign canned answers', async () => {
    await s.call('POST', '/api/canned-answers', { cookie: admin, body: { name: 'Thanks', campaignId: null, text: 'Thank you for writing.' } });
    await s.call('POST', '/api/canned-answers', { cookie: admin, body: { name: 'Alpha hours', campaignId: ids.a, text: '9–5' } });
    await s.call('POST', '/api/canned-answers', { cookie: admin, body: { name: 'Beta hours', campaignId: ids.b, text: '10–6' } });
    const forA = await s.call('GET', `/api/canned-answers?campaignId=${ids.a}`, { cookie: agent });
    expect(forA.body.items.map((c: { name: string; campaignId: string | null }) => [c.name, c.campaignId])).toEqual([
      ['Thanks', null],
      ['Alpha hours', ids.a],
    ]);
    const bad = await s.call('POST', '/api/canned-answers', { cookie: admin, body: { name: 'x', campaignId: '00000000-0000-4000-8000-000000000000', text: 'x' } });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([{ path: 'campaignId', message: 'no such campaign' }]);
  });

  it('keeps dispositions per campaign', async () => {
    const made = await s.call('POST', `/api/campaigns/${ids.a}/dispositions`, { cookie: admin, body: { name: 'Solved' } });
    expect(made.status).toBe(201);
    expect((await s.call('POST', `/api/campaigns/${ids.a}/dispositions`, { cookie: admin, body: { name: 'solved' } })).status).toBe(409);
    expect((await s.call('POST', `/api/campaigns/${ids.b}/dispositions`, { cookie: admin, body: { name: 'Solved' } })).status).toBe(201);
    const list = await s.call('GET', `/api/campaigns/${ids.a}/dispositions`, { cookie: agent });
    expect(list.body.items.map((d: { name: string }) => d.name)).toEqual(['Solved']);
    const renamed = await s.call('PUT', `/api/dispositions/${made.body.id}`, { cookie: admin, body: { name: 'Resolved' } });
    expect(renamed.body.name).toBe('Resolved');
  });

  it('links a confirmation template only if the campaign may use it', async () => {
    const other = await s.call('POST', '/api/templates', { cookie: admin, body: { name: 'B confirm', campaignId: ids.b, html: '<p>ok</p>' } });
    const res = await s.call('PUT', `/api/campaigns/${ids.a}`, {
      cookie: admin,
      body: campaignBody({
        name: 'Alpha',
        key: 'ALP',
        receiveEmails: false,
        smtp: { port: smtp.port, username: 'out', password: undefined },
        confirmation: { enabled: true, templateId: other.body.id },
      }),
    });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([{ path: 'confirmation.templateId', message: 'no such template for this campaign' }]);
  });

  it('keeps a deleted campaign in the database but out of every list', async () => {
    expect((await s.call('DELETE', `/api/campaigns/${ids.b}`, { cookie: admin })).status).toBe(204);
    expect((await s.call('GET', `/api/campaigns/${ids.b}`, { cookie: admin })).status).toBe(404);
    const { rows } = await s.db.query<{ deleted_at: Date | null }>('SELECT deleted_at FROM campaigns WHERE id = $1', [ids.b]);
    expect(rows[0]?.deleted_at).not.toBeNull();
  });
});
