import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';

// An API token never carries more power than its owner has now: demoting,
// disabling or resetting the password of its owner caps or revokes it, and
// every request re-checks the owner's current role and state.
let s: TestServer;
let admin: string;
const PASSWORD = 'owner-password-123';

async function user(username: string, role: 'admin' | 'supervisor' | 'agent'): Promise<{ id: string; cookie: string }> {
  const res = await s.call('POST', '/api/users', { cookie: admin, body: { username, displayName: username, role, password: PASSWORD } });
  expect(res.status).toBe(201);
  return { id: res.body.id, cookie: await s.login(username, PASSWORD) };
}

async function token(cookie: string, name: string, role: 'admin' | 'supervisor' | 'agent'): Promise<{ id: string; token: string }> {
  const res = await s.call('POST', '/api/tokens', { cookie, body: { name, role } });
  expect(res.status).toBe(201);
  return { id: res.body.item.id, token: res.body.token };
}

beforeAll(async () => {
  s = await startTestServer();
  admin = await s.login('admin', ADMIN_PASSWORD);
});
afterAll(() => s?.stop());

describe('API tokens and their owner', () => {
  it('loses admin power when its owner is demoted: no user list, no new admin, no self-promotion', async () => {
    const eve = await user('eve', 'admin');
    const power = await token(eve.cookie, 'eve admin', 'admin');
    const small = await token(eve.cookie, 'eve agent', 'agent');
    expect((await s.call('GET', '/api/users', { token: power.token })).status).toBe(200);

    expect((await s.call('PATCH', `/api/users/${eve.id}`, { cookie: admin, body: { role: 'agent' } })).status).toBe(200);

    expect((await s.call('GET', '/api/users', { token: power.token })).status).toBe(401);
    const created = await s.call('POST', '/api/users', {
      token: power.token,
      body: { username: 'mallory', displayName: 'M', role: 'admin', password: 'mallory-password-1' },
    });
    expect(created.status).toBe(401);
    expect((await s.call('PATCH', `/api/users/${eve.id}`, { token: power.token, body: { role: 'admin' } })).status).toBe(401);
    // a token within the new role stays and keeps working, as an agent
    expect((await s.call('GET', '/api/auth/me', { token: small.token })).status).toBe(200);
    expect((await s.call('GET', '/api/users', { token: small.token })).status).toBe(403);

    const list = await s.call('GET', '/api/tokens', { cookie: admin });
    const names = list.body.items.map((t: { name: string }) => t.name);
    expect(names).toContain('eve agent');
    expect(names).not.toContain('eve admin');
  });

  it('acts at most with its owner\'s current role on every request, even when the role changed behind the API', async () => {
    const sam = await user('sam', 'admin');
    const power = await token(sam.cookie, 'sam admin', 'admin');
    await s.db.query(`UPDATE users SET role = 'supervisor' WHERE id = $1`, [sam.id]);
    expect((await s.call('GET', '/api/users', { token: power.token })).status).toBe(403);
    const me = await s.call('GET', '/api/auth/me', { token: power.token });
    expect(me.status).toBe(200);
    expect(me.body.user.role).toBe('supervisor');
    // supervisors see the Live view; the token acts as one
    expect((await s.call('GET', '/api/supervisor/agents', { token: power.token })).status).toBe(200);
  });

  it('is revoked by a password reset and by disabling its owner, and stays revoked after re-enabling', async () => {
    const rita = await user('rita', 'admin');
    const first = await token(rita.cookie, 'rita 1', 'agent');
    expect((await s.call('PATCH', `/api/users/${rita.id}`, { cookie: admin, body: { password: 'rita-new-password-1' } })).status).toBe(200);
    expect((await s.call('GET', '/api/auth/me', { token: first.token })).status).toBe(401);

    const ritaCookie = await s.login('rita', 'rita-new-password-1');
    const second = await token(ritaCookie, 'rita 2', 'supervisor');
    expect((await s.call('PATCH', `/api/users/${rita.id}`, { cookie: admin, body: { enabled: false } })).status).toBe(200);
    expect((await s.call('GET', '/api/auth/me', { token: second.token })).status).toBe(401);
    expect((await s.call('PATCH', `/api/users/${rita.id}`, { cookie: admin, body: { enabled: true } })).status).toBe(200);
    expect((await s.call('GET', '/api/auth/me', { token: second.token })).status).toBe(401);
  });

  it('lists each token with its owner', async () => {
    const olga = await user('olga', 'admin');
    await token(olga.cookie, 'olga crm', 'agent');
    const list = await s.call('GET', '/api/tokens', { cookie: admin });
    expect(list.status).toBe(200);
    const item = list.body.items.find((t: { name: string }) => t.name === 'olga crm');
    expect(item.owner).toEqual({ id: olga.id, username: 'olga', displayName: 'olga' });
  });
});
