import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';
import { insertCampaignRow } from '../../../../../test/support/campaign-row.ts';
import { insertAgent, insertWaiting } from '../../../../../test/support/routing-fixtures.ts';
import { assignInteraction, markClosed, moveToCampaign, touchInteraction } from '../interactions/index.ts';

// Per-period reports (issue 13, item 7) on a seeded set with known answers.
// The interactions are moved through their lifecycle by the interactions
// module's own writers, so the queue-entry history is the one production
// writes. Support works in New York (UTC−5 in November), Billing in UTC.

let s: TestServer;
let admin: string;
let narrow: string;
let support: string;
let billing: string;
let wendy: string;
let tom: string;
const USER_PASSWORD = 'user-password-for-reports';
/** A moment in New York local time in November 2026 (EST, UTC−5). */
const ny = (local: string) => new Date(`${local}-05:00`);

interface Line { campaignId?: string; agentId?: string; answered: number; answeredWithinSl: number; abandoned?: number; serviceLevelPct: number | null; avgWaitSec: number | null; handled: number; avgHandlingSec: number | null; ratings: { count: number; average: number | null; distribution: number[] } }
const get = async (query: string, cookie = admin) => s.call('GET', `/api/reports?${query}`, { cookie });
async function report(query: string, cookie = admin): Promise<{ campaigns: Line[]; agents: Line[] }> {
  const r = await get(query, cookie);
  expect(r.status, r.text).toBe(200);
  return r.body;
}
const campaignLine = (r: { campaigns: Line[] }, id: string) => r.campaigns.find((c) => c.campaignId === id)!;
const agentLine = (r: { agents: Line[] }, id: string) => r.agents.find((a) => a.agentId === id);

async function rate(interactionId: number, campaignId: string, agentId: string, score: number, at: Date): Promise<void> {
  const sha = Buffer.alloc(32, interactionId % 256);
  await s.db.query(`INSERT INTO blobs (sha256, size) VALUES ($1, 1) ON CONFLICT DO NOTHING`, [sha]);
  const m = await s.db.query<{ id: number }>(
    `INSERT INTO messages (campaign_id, interaction_id, direction, kind, raw_sha256, size, sent_by) VALUES ($1, $2, 'outbound', 'agent', $3, 1, $4) RETURNING id`,
    [campaignId, interactionId, sha, agentId],
  );
  await s.db.query(`INSERT INTO ratings (message_id, interaction_id, score, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)`, [m.rows[0]!.id, interactionId, score, at]);
}

beforeAll(async () => {
  s = await startTestServer();
  admin = await s.login('admin', ADMIN_PASSWORD);
  support = await insertCampaignRow(s.db, { name: 'Support', key: 'SUP' });
  billing = await insertCampaignRow(s.db, { name: '=HYPERLINK("http://evil.test","x")', key: 'BIL' });
  await s.db.query(`UPDATE campaigns SET timezone = 'America/New_York', service_level_sec = 60 WHERE id = $1`, [support]);
  wendy = await insertAgent(s.db, 'wendy');
  tom = await insertAgent(s.db, 'tom');
  const u = await s.call('POST', '/api/users', { cookie: admin, headers: { origin: s.url }, body: { username: 'rep-narrow', displayName: 'Narrow', role: 'supervisor', password: USER_PASSWORD } });
  expect(u.status).toBe(201);
  expect((await s.call('PUT', `/api/users/${u.body.id}/supervised-campaigns`, { cookie: admin, headers: { origin: s.url }, body: { campaignIds: [support] } })).status).toBeLessThan(300);
  narrow = await s.login('rep-narrow', USER_PASSWORD);

  // 1: queued at 23:30 local on 10 November, taken by wendy 30 s later (within SL), closed 40 min later — on the 11th locally
  const [late] = await insertWaiting(s.db, support, 1, ny('2026-11-10T23:30:00'));
  await s.db.tx(async (q) => {
    await assignInteraction(q, late!, wendy, ny('2026-11-10T23:30:30'));
    await markClosed(q, late!, ny('2026-11-11T00:10:00'), null);
  });
  // 2: queued at 10:00, closed at 10:30 unanswered: abandoned
  const [gone] = await insertWaiting(s.db, support, 1, ny('2026-11-10T10:00:00'));
  await s.db.tx((q) => markClosed(q, gone!, ny('2026-11-10T10:30:00'), null));
  // 3: queued at 12:00, taken by wendy after 5 min (outside SL), closed after 15 min, rated 4;
  //    the customer writes again today: it reopens and tom takes it
  const [again] = await insertWaiting(s.db, support, 1, ny('2026-11-10T12:00:00'));
  await s.db.tx(async (q) => {
    await assignInteraction(q, again!, wendy, ny('2026-11-10T12:05:00'));
    await markClosed(q, again!, ny('2026-11-10T12:20:00'), null);
  });
  await rate(again!, support, wendy, 4, ny('2026-11-10T13:00:00'));
  await rate(late!, support, wendy, 2, ny('2026-11-10T23:50:00'));
  await s.db.tx((q) => touchInteraction(q, again!, true));
  await s.db.tx((q) => assignInteraction(q, again!, tom, new Date()));

  // Billing (UTC): one taken by tom on 10 November, then moved to Support (it waits there now)
  const [moved] = await insertWaiting(s.db, billing, 1, new Date('2026-11-10T09:00:00Z'));
  await s.db.tx(async (q) => {
    await assignInteraction(q, moved!, tom, new Date('2026-11-10T09:00:10Z'));
    await moveToCampaign(q, moved!, { campaignId: support, fromUser: tom, fromCampaign: billing, until: new Date(Date.now() + 3_600_000), now: new Date('2026-11-10T09:30:00Z') });
  });
}, 60_000);
afterAll(async () => {
  await s?.stop();
});

describe('per-period reports', () => {
  it('counts each event on the local day it happened: answered, within SL, abandoned, wait, handling and ratings', async () => {
    const r = await report('preset=custom&from=2026-11-10&to=2026-11-10');
    const c = campaignLine(r, support);
    expect(c).toMatchObject({ from: '2026-11-10', to: '2026-11-10', answered: 2, answeredWithinSl: 1, abandoned: 1, handled: 1, avgHandlingSec: 900 });
    // waits 30 s and 300 s; SL = 1 within / (2 answered + 1 abandoned)
    expect(c.avgWaitSec).toBe(165);
    expect(c.serviceLevelPct).toBe(33.3);
    // the rating given at 23:50 local belongs to the 10th, though it is the 11th in UTC
    expect(c.ratings).toEqual({ count: 2, average: 3, distribution: [0, 1, 0, 1, 0] });
    expect(agentLine(r, wendy)).toMatchObject({ answered: 2, answeredWithinSl: 1, serviceLevelPct: 50, avgWaitSec: 165, handled: 1, avgHandlingSec: 900 });
    expect(agentLine(r, wendy)!.ratings.count).toBe(2);
    // tom's answer that day was in Billing (UTC), counted for him and for Billing
    expect(agentLine(r, tom)).toMatchObject({ answered: 1, avgWaitSec: 10, handled: 0 });
    expect(campaignLine(r, billing)).toMatchObject({ answered: 1, abandoned: 0, handled: 0 });
  });

  it('puts the close of the 23:30 mail on the next local day, and the same instants on other days in UTC', async () => {
    const next = campaignLine(await report('preset=custom&from=2026-11-11&to=2026-11-11'), support);
    expect(next).toMatchObject({ answered: 0, abandoned: 0, handled: 1, avgHandlingSec: 2370, ratings: { count: 0, average: null, distribution: [0, 0, 0, 0, 0] } });
    // in UTC the 23:30 arrival is already the 11th: the same rows read in a UTC campaign land elsewhere
    await s.db.query(`UPDATE campaigns SET timezone = 'UTC' WHERE id = $1`, [support]);
    try {
      const utc = campaignLine(await report('preset=custom&from=2026-11-11&to=2026-11-11'), support);
      expect(utc).toMatchObject({ answered: 1, handled: 1 });
    } finally {
      await s.db.query(`UPDATE campaigns SET timezone = 'America/New_York' WHERE id = $1`, [support]);
    }
  });

  it('counts a reopened interaction in each period separately: today holds only the new wait', async () => {
    const today = await report('preset=today');
    const c = campaignLine(today, support);
    expect(c).toMatchObject({ answered: 1, abandoned: 0, handled: 0 });
    expect(agentLine(today, tom)).toMatchObject({ answered: 1 });
    expect(agentLine(today, wendy)).toBeUndefined();
    // the earlier period is unchanged by the reopening (it was counted above: 2 answered)
    expect(campaignLine(await report('preset=custom&from=2026-11-10&to=2026-11-10'), support).answered).toBe(2);
    // the history holds both stays of it, and the transfer's two
    const { rows } = await s.db.query<{ reason: string; outcome: string | null }>(`SELECT reason, outcome FROM queue_entries ORDER BY id`);
    expect(rows.map((x) => `${x.reason}:${x.outcome ?? 'open'}`)).toEqual(['new:closed', 'new:closed', 'new:closed', 'reopen:open', 'new:transferred', 'transfer:open']);
  });

  it('resolves presets in the campaign zone and refuses a bad period, naming the field', async () => {
    const r = await report('preset=last_7_days');
    const c = campaignLine(r as never, support) as unknown as { from: string; to: string };
    expect(Date.parse(`${c.to}T00:00:00Z`) - Date.parse(`${c.from}T00:00:00Z`)).toBe(6 * 86_400_000);
    const missing = await get('preset=custom&from=2026-11-10');
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('to');
    const reversed = await get('preset=custom&from=2026-11-10&to=2026-11-01');
    expect(reversed.status).toBe(400);
    expect(reversed.text).toContain('must not be before from');
    expect((await get('preset=custom&from=2026-02-30&to=2026-03-01')).status).toBe(400);
    expect((await get('preset=forever')).status).toBe(400);
  });

  it('shows a supervisor only their campaigns: another is not found, over JSON and CSV', async () => {
    const r = await report('preset=custom&from=2026-11-10&to=2026-11-10', narrow);
    expect(r.campaigns.map((c) => c.campaignId)).toEqual([support]);
    // tom's Billing answer is not theirs to see
    expect(agentLine(r, tom)).toBeUndefined();
    expect((await get(`preset=today&campaignId=${billing}`, narrow)).status).toBe(404);
    expect((await s.call('GET', `/api/reports/export?preset=today&campaignId=${billing}`, { cookie: narrow })).status).toBe(404);
    expect((await get(`preset=today&campaignId=${billing}`)).status).toBe(200);
  });

  it('is for admins and supervisors only', async () => {
    const agentUser = await s.call('POST', '/api/users', { cookie: admin, headers: { origin: s.url }, body: { username: 'rep-agent', displayName: 'A', role: 'agent', password: USER_PASSWORD } });
    expect(agentUser.status).toBe(201);
    expect((await get('preset=today', await s.login('rep-agent', USER_PASSWORD))).status).toBe(403);
    expect((await s.call('GET', '/api/reports?preset=today')).status).toBe(401);
  });

  it('exports the report as CSV with formula cells neutralised', async () => {
    const res = await s.call('GET', '/api/reports/export?preset=custom&from=2026-11-10&to=2026-11-10', { cookie: admin });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const rows: Record<string, string>[] = parse(res.text, { bom: true, columns: true });
    const bil = rows.find((x) => x.key === 'BIL')!;
    expect(bil.name).toBe(`'=HYPERLINK("http://evil.test","x")`);
    const sup = rows.find((x) => x.key === 'SUP')!;
    expect(sup).toMatchObject({ level: 'campaign', answered: '2', abandoned: '1', service_level_pct: '33.3', avg_wait_sec: '165', rating_2: '1', rating_4: '1' });
    expect(rows.filter((x) => x.level === 'agent').map((x) => x.name).sort()).toEqual(['tom', 'wendy']);
  });
});
