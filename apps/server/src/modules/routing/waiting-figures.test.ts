import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';
import { insertCampaignRow } from '../../../../../test/support/campaign-row.ts';
import { insertAgent, insertWaiting } from '../../../../../test/support/routing-fixtures.ts';
import { assignInteraction, markClosed, moveToCampaign, touchInteraction } from '../interactions/index.ts';

// The Live view's "waiting" and "longest wait" count every interaction in the
// queue now — also mail reopened and waiting for its sticky agent, and mail
// transferred in from another campaign, which were accepted once before —
// and a past period holds only what happened in it. The interactions are put
// in those states by the interactions module's own writers.
let s: TestServer;
let admin: string;
let campaign: string;
let other: string;
let agent: string;
const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms);

interface Figures { campaignId: string; waiting: number; longestWaitSec: number; accepted: number; abandoned: number }
async function figures(query = ''): Promise<Figures> {
  const res = await s.call('GET', `/api/supervisor/queues${query}`, { cookie: admin });
  expect(res.status).toBe(200);
  return res.body.items.find((f: Figures) => f.campaignId === campaign);
}

beforeAll(async () => {
  s = await startTestServer();
  admin = await s.login('admin', ADMIN_PASSWORD);
  campaign = await insertCampaignRow(s.deps.db, { name: 'Support' });
  other = await insertCampaignRow(s.deps.db, { name: 'Billing' });
  agent = await insertAgent(s.deps.db, 'wendy');
});
afterAll(async () => {
  await s?.stop();
});

describe('waiting figures', () => {
  it('count reopened mail waiting for its sticky agent and mail transferred from another campaign', async () => {
    const [reopened] = await insertWaiting(s.deps.db, campaign, 1, ago(3 * HOUR));
    await s.deps.db.tx(async (q) => {
      await assignInteraction(q, reopened!, agent, ago(2 * HOUR));
      await markClosed(q, reopened!, ago(HOUR), null);
      // the customer answers: it reopens, waiting for wendy first
      await touchInteraction(q, reopened!, true);
    });
    const sticky = await s.deps.db.query<{ sticky_agent_until: Date | null }>('SELECT sticky_agent_until FROM interactions WHERE id = $1', [reopened]);
    expect(sticky.rows[0]!.sticky_agent_until).not.toBeNull();

    const [transferred] = await insertWaiting(s.deps.db, other, 1, ago(2 * HOUR));
    await s.deps.db.tx(async (q) => {
      await assignInteraction(q, transferred!, agent, ago(HOUR));
      await moveToCampaign(q, transferred!, { campaignId: campaign, fromUser: agent, fromCampaign: other, until: new Date(Date.now() + HOUR), now: ago(90_000) });
    });

    const f = await figures();
    expect(f.waiting).toBe(2);
    expect(f.longestWaitSec).toBeGreaterThanOrEqual(90);
    // accepted before they entered this queue: not an answer to this wait
    expect(f.accepted).toBe(0);
  });

  it('a past period holds only what happened in it: not the mail waiting now, and what was answered after it ended still waited then', async () => {
    const base = Date.now();
    // queued 1 ms after base − 60 h (insertWaiting spaces them by a millisecond)
    const [late] = await insertWaiting(s.deps.db, campaign, 1, new Date(base - 60 * HOUR - 1));
    await s.deps.db.tx((q) => assignInteraction(q, late!, agent, new Date(base - 24 * HOUR)));
    const from = new Date(base - 72 * HOUR).toISOString();
    const to = new Date(base - 48 * HOUR).toISOString();
    const past = await figures(`?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
    expect(past.waiting).toBe(1);
    expect(past.longestWaitSec).toBe(12 * 3600);
    expect(past.accepted).toBe(0);
    // today: the two waiting now, and the late one is outside it
    const today = await figures();
    expect(today.waiting).toBe(2);
  });
});
