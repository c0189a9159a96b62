import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';
import { insertCampaignRow } from '../../../../../test/support/campaign-row.ts';

// The blacklist through the API on a real PostgreSQL: admins search, add,
// remove and upload (a file with one bad line adds nothing and names every
// bad line); addresses are stored in the sender's blacklist form, so what an
// admin adds is what the sender skips. Supervisors get 403 (the blacklist is
// global, not a campaign's). Also the dialer's configuration checks on the
// server: the invitation's end after its start, and a schedule frame's.

describe('the dialer blacklist API, and the configuration checks of the server', () => {
  let s: TestServer;
  let cookie: string;
  let supCookie: string;
  beforeAll(async () => {
    s = await startTestServer();
    cookie = await s.login('admin', ADMIN_PASSWORD);
    const sup = await s.call('POST', '/api/users', { cookie, body: { username: 'blsup', displayName: 'BL sup', role: 'supervisor', password: 'scope-password-12' } });
    expect(sup.status, sup.text).toBe(201);
    supCookie = await s.login('blsup', 'scope-password-12');
  });
  afterAll(async () => {
    await s?.stop();
  });

  const upload = async (csv: string | Buffer, as = cookie) => {
    const res = await fetch(`${s.url}/api/dialers/blacklist/upload`, { method: 'POST', headers: { cookie: as, 'content-type': 'text/csv' }, body: csv as BodyInit });
    return { status: res.status, body: (await res.json()) as any };
  };
  const search = async (q: string, extra = '') => (await s.call('GET', `/api/dialers/blacklist?q=${encodeURIComponent(q)}${extra}`, { cookie })).body;
  const stored = async () => (await s.db.query<{ address: string; reason: string }>('SELECT address, reason FROM dialer_blacklist ORDER BY address')).rows;

  it('adds an address in its normal form, refuses it twice and names the field of a bad one', async () => {
    const added = await s.call('POST', '/api/dialers/blacklist', { cookie, body: { address: ' Ana.Lopez@Example.COM ', note: 'asked by phone' } });
    expect(added.status, added.text).toBe(201);
    expect(added.body).toMatchObject({ address: 'ana.lopez@example.com', reason: 'manual', note: 'asked by phone' });
    // the full-width form of the same address is the same entry
    const again = await s.call('POST', '/api/dialers/blacklist', { cookie, body: { address: 'ＡＮＡ.lopez@example.com' } });
    expect(again.status).toBe(409);
    expect(again.body.details).toEqual([{ path: 'address', message: 'blacklisted already' }]);
    const bad = await s.call('POST', '/api/dialers/blacklist', { cookie, body: { address: 'no at sign' } });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].path).toBe('address');
    const badNote = await s.call('POST', '/api/dialers/blacklist', { cookie, body: { address: 'x@example.com', note: 'a\r\nBcc: y@example.com' } });
    expect(badNote.status).toBe(400);
    expect(badNote.body.details[0].path).toBe('note');
    expect(await stored()).toEqual([{ address: 'ana.lopez@example.com', reason: 'manual' }]);
  });

  it('refuses a file with bad lines whole, naming each line; the fixed file is added and found by any part', async () => {
    const lines = ['address;note', 'bob@example.com;bounced twice', 'not-an-address;x', 'carla@Example.org', 'dan@example.org;a;b', '=cmd|"/c calc"!A1', 'ana.lopez@example.com;already there'];
    const refused = await upload(lines.join('\r\n'));
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ ok: false, added: 0 });
    expect(refused.body.problems.map((p: { line: number; code: string }) => `${p.line} ${p.code}`)).toEqual(['3 address', '5 columns', '6 address']);
    expect(await stored()).toHaveLength(1);

    const fixed = lines.filter((_, i) => ![2, 4, 5].includes(i));
    const ok = await upload(`\ufeff${fixed.join('\n')}`);
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    // ana was there already: read, not added again, and her reason stays
    expect(ok.body).toMatchObject({ ok: true, rows: 3, added: 2, problems: [] });
    expect(await stored()).toEqual([
      { address: 'ana.lopez@example.com', reason: 'manual' },
      { address: 'bob@example.com', reason: 'upload' },
      { address: 'carla@example.org', reason: 'upload' },
    ]);

    expect((await search('EXAMPLE.ORG')).items.map((e: { address: string }) => e.address)).toEqual(['carla@example.org']);
    expect((await search('')).total).toBe(3);
    // LIKE's wildcards are literal
    expect((await search('%')).total).toBe(0);
    expect((await search('_')).total).toBe(0);
    const page = await search('example', '&limit=2&offset=2');
    expect(page).toMatchObject({ total: 3 });
    expect(page.items).toHaveLength(1);
    expect((await s.call('GET', '/api/dialers/blacklist?limit=501', { cookie })).status).toBe(400);
  });

  it('refuses hostile files: a million delimiters on a line, Latin-1, UTF-16, an empty file; nothing added', async () => {
    const before = await stored();
    const huge = await upload(`zed@example.com\n${';'.repeat(1_000_000)}\n`);
    expect(huge.status).toBe(422);
    expect(huge.body).toMatchObject({ complete: false, problems: [{ line: 2, code: 'line_too_long' }] });
    const latin1 = await upload(Buffer.concat([Buffer.from('zed@example.com;caf'), Buffer.from([0xe9])]));
    expect(latin1.body.problems).toMatchObject([{ line: 1, code: 'encoding' }]);
    expect((await upload(Buffer.from('\ufeffzed@example.com\n', 'utf16le'))).body.problems).toMatchObject([{ code: 'encoding' }]);
    expect((await upload('address\n')).body.problems).toMatchObject([{ code: 'empty' }]);
    expect(await stored()).toEqual(before);
  });

  it('removes an address given in any form; 404 for one not on the list', async () => {
    const del = await s.call('DELETE', `/api/dialers/blacklist/${encodeURIComponent('BOB@example.COM')}`, { cookie });
    expect(del.status, del.text).toBe(204);
    expect((await s.call('DELETE', `/api/dialers/blacklist/${encodeURIComponent('bob@example.com')}`, { cookie })).status).toBe(404);
    expect((await stored()).map((r) => r.address)).not.toContain('bob@example.com');
  });

  it('is for admins only: supervisors get 403, anonymous callers 401', async () => {
    expect((await s.call('GET', '/api/dialers/blacklist', { cookie: supCookie })).status).toBe(403);
    expect((await s.call('POST', '/api/dialers/blacklist', { cookie: supCookie, body: { address: 'x@example.com' } })).status).toBe(403);
    expect((await s.call('DELETE', '/api/dialers/blacklist/carla%40example.org', { cookie: supCookie })).status).toBe(403);
    expect((await upload('evil@example.com', supCookie)).status).toBe(403);
    expect((await s.call('GET', '/api/dialers/blacklist')).status).toBe(401);
    expect((await stored()).map((r) => r.address)).not.toContain('evil@example.com');
  });

  it('checks a dialer on the server: the invitation ends after it starts, times fixed or variables alike, schedule frames in order', async () => {
    const campaignId = await insertCampaignRow(s.db, { name: 'Invites', fromAddress: 'news@acme.test' });
    const t = await s.call('POST', '/api/templates', { cookie, body: { name: 'Invite mail', campaignId, html: '<p>Hello ${name}</p>' } });
    expect(t.status, t.text).toBe(201);
    const base = { name: 'Invites', campaignId, templateId: t.body.id, subject: 'Meet us' };
    const invite = { summary: 'Demo', organizerEmail: 'sales@acme.test', start: '2026-03-01T10:00:00Z', end: '2026-03-01T09:00:00Z' };
    const backwards = await s.call('POST', '/api/dialers', { cookie, body: { ...base, invite } });
    expect(backwards.status).toBe(400);
    expect(backwards.body.details).toEqual([{ path: 'invite.end', message: 'must be after start' }]);
    const mixed = await s.call('POST', '/api/dialers', { cookie, body: { ...base, invite: { ...invite, end: '${ends}' } } });
    expect(mixed.status).toBe(400);
    expect(mixed.body.details[0].path).toBe('invite.end');
    const notADate = await s.call('POST', '/api/dialers', { cookie, body: { ...base, invite: { ...invite, start: 'tomorrow' } } });
    expect(notADate.body.details[0].path).toBe('invite.start');
    const badFrame = await s.call('POST', '/api/dialers', { cookie, body: { ...base, schedule: [{ day: 1, start: '18:00', end: '13:00' }] } });
    expect(badFrame.status).toBe(400);
    expect(badFrame.body.details[0].path).toBe('schedule.0.end');
    const badZone = await s.call('POST', '/api/dialers', { cookie, body: { ...base, timezone: 'Mars/Olympus' } });
    expect(badZone.body.details[0].path).toBe('timezone');

    const schedule = [1, 2, 3, 4, 5].map((day) => ({ day, start: '13:00', end: '18:00' }));
    const good = await s.call('POST', '/api/dialers', {
      cookie,
      body: { ...base, schedule, timezone: 'Europe/Madrid', invite: { ...invite, start: '${starts}', end: '${ends}' }, maxPerSecond: 50, intervalMs: 10, defaultDomainPerMinute: 100, domainLimits: [{ domain: 'Gmail.com', perMinute: 600 }] },
    });
    expect(good.status, good.text).toBe(201);
    expect(good.body).toMatchObject({ schedule, timezone: 'Europe/Madrid', maxPerSecond: 50, intervalMs: 10, defaultDomainPerMinute: 100, domainLimits: [{ domain: 'gmail.com', perMinute: 600 }] });
    expect(good.body.invite).toMatchObject({ start: '${starts}', end: '${ends}', organizerName: '', location: '' });
    expect(good.body.requiredVariables).toEqual(['ends', 'name', 'starts']);
  });
});
