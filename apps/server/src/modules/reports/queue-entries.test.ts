import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertCampaignRow } from '../../../../../test/support/campaign-row.ts';
import { createTestDatabase } from '../../../../../test/support/database.ts';
import { insertAgent, insertWaiting } from '../../../../../test/support/routing-fixtures.ts';
import type { Db } from '../../platform/db/db.ts';
import { assignInteraction, markClosed, moveToCampaign, returnToTransferrer, touchInteraction } from '../interactions/index.ts';

// The queue-entry history (migration 0027): what the triggers write for each
// lifecycle change made by the interactions module's writers, and that the
// migration's backfill derives the same latest stay from an interaction's
// row as the triggers recorded.

let t: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Db;
let campaign: string;
let other: string;
let agent: string;
const at = (min: number) => new Date(Date.UTC(2026, 10, 10, 9, min));

interface Entry { interaction_id: number; campaign_id: string; reason: string; entered_at: Date; accepted_at: Date | null; accepted_by: string | null; ended_at: Date | null; outcome: string | null; ended_by: string | null }
const COLS = 'interaction_id, campaign_id, reason, entered_at, accepted_at, accepted_by, ended_at, outcome, ended_by';
const entries = async (id: number): Promise<Entry[]> => (await db.query<Entry>(`SELECT ${COLS} FROM queue_entries WHERE interaction_id = $1 ORDER BY id`, [id])).rows;

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  campaign = await insertCampaignRow(db, { name: 'Support' });
  other = await insertCampaignRow(db, { name: 'Billing' });
  agent = await insertAgent(db, 'wendy');
});
afterAll(async () => {
  await t?.drop();
});

describe('queue entries', () => {
  it('records arrival, acceptance, close, reopening, transfer and return with the moments the writers stored', async () => {
    const [a, b, c] = await insertWaiting(db, campaign, 3, at(0));
    await db.tx(async (q) => {
      await assignInteraction(q, a!, agent, at(2));
      await markClosed(q, a!, at(10), null);
      await markClosed(q, b!, at(5), null);
      await assignInteraction(q, c!, agent, at(3));
      await moveToCampaign(q, c!, { campaignId: other, fromUser: agent, fromCampaign: campaign, until: at(40), now: at(20) });
    });
    await db.tx((q) => touchInteraction(q, a!, true));
    await db.tx((q) => returnToTransferrer(q, c!, at(40)));

    const ea = await entries(a!);
    expect(ea.map((e) => [e.reason, e.outcome])).toEqual([['new', 'closed'], ['reopen', null]]);
    expect(ea[0]).toMatchObject({ entered_at: new Date(at(0).getTime() + 1), accepted_at: at(2), accepted_by: agent, ended_at: at(10), ended_by: agent });
    expect(ea[1]!.accepted_at).toBeNull();
    // closed unanswered: abandoned (never accepted)
    expect(await entries(b!)).toMatchObject([{ reason: 'new', accepted_at: null, ended_at: at(5), outcome: 'closed', ended_by: null }]);
    expect(await entries(c!)).toMatchObject([
      { campaign_id: campaign, reason: 'new', accepted_at: at(3), ended_at: at(20), outcome: 'transferred', ended_by: agent },
      { campaign_id: other, reason: 'transfer', entered_at: at(20), accepted_at: null, ended_at: at(40), outcome: 'returned' },
    ]);
  });

  it('a conversation an agent starts never queued: no entry', async () => {
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO interactions (campaign_id, customer_address, status, queue_state, assigned_to, assigned_at, first_accepted_at, started_by, queued_at, created_at)
       VALUES ($1, 'x@example.test', 'open', 'assigned', $2, now(), now(), $2, now(), now()) RETURNING id`,
      [campaign, agent],
    );
    expect(await entries(rows[0]!.id)).toEqual([]);
  });

  it("the migration's backfill derives the latest stay the triggers recorded", async () => {
    const ids = await insertWaiting(db, campaign, 4, at(30));
    await db.tx(async (q) => {
      await assignInteraction(q, ids[0]!, agent, at(31));
      await markClosed(q, ids[0]!, at(35), null);
      await markClosed(q, ids[1]!, at(33), null);
      await assignInteraction(q, ids[2]!, agent, at(32));
      await assignInteraction(q, ids[3]!, agent, at(32));
      await markClosed(q, ids[3]!, at(34), null);
    });
    await db.tx((q) => touchInteraction(q, ids[3]!, true));
    const latest = async () => (await db.query<Entry>(
      `SELECT DISTINCT ON (interaction_id) ${COLS} FROM queue_entries WHERE interaction_id = ANY($1) ORDER BY interaction_id, id DESC`, [ids],
    )).rows;
    const recorded = await latest();
    expect(recorded).toHaveLength(4);

    const sql = await readFile(new URL('../../platform/db/migrations/0027-queue-entries.sql', import.meta.url), 'utf8');
    const backfill = sql.slice(sql.indexOf('INSERT INTO queue_entries'), sql.indexOf('-- A new interaction waiting'));
    expect(backfill).toContain('FROM interactions i');
    await db.tx(async (q) => {
      await q.query('DELETE FROM queue_entries WHERE interaction_id = ANY($1)', [ids]);
      await q.query(`${backfill.replace(/;\s*$/, '')} AND i.id = ANY($1)`, [ids]);
    });
    expect(await latest()).toEqual(recorded);
  });
});
