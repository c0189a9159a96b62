import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertCampaignRow } from '../../../../../test/support/campaign-row.ts';
import { createTestDatabase } from '../../../../../test/support/database.ts';
import { addMembers, insertAgent } from '../../../../../test/support/routing-fixtures.ts';
import { searchInteractions } from './workspace.repo.ts';

// Search has two plans (a newest-first walk for common terms, the trigram
// indexes for rare ones). Both must give exactly the answer a plain filter
// and sort give, for common, rare and awkward terms, and only from the
// campaigns the agent belongs to.

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let agent: string;
let mine: string;
interface Row { id: number; campaign_id: string; customer_address: string; customer_name: string; subject: string; last_message_at: Date }
let rows: Row[] = [];
const campaignNames = new Map<string, string>();

beforeAll(async () => {
  database = await createTestDatabase();
  const db = database.db;
  mine = await insertCampaignRow(db, { key: 'MINE', name: 'Retail Support' });
  const other = await insertCampaignRow(db, { key: 'OTH', name: 'Wholesale' });
  campaignNames.set(mine, 'retail support').set(other, 'wholesale');
  agent = await insertAgent(db, 'searcher');
  await addMembers(db, mine, [agent]);
  // 3,000 interactions over two campaigns; some names and words common, some rare, some with LIKE's own characters
  await db.query(
    `INSERT INTO interactions (campaign_id, customer_address, customer_name, subject, last_message_at)
     SELECT CASE WHEN g % 3 = 0 THEN $2::uuid ELSE $1::uuid END,
            CASE WHEN g % 500 = 7 THEN 'rare.zed' || g || '@unique-host.test' ELSE 'user' || g || '@' || (ARRAY['gmail.test','corp.test','mail.test'])[1 + g % 3] END,
            (ARRAY['Ana López','Bruno Díaz','Carla 100%_Pure','Dario'])[1 + g % 4],
            (ARRAY['Invoice question','Refund please','Delivery late','Password reset'])[1 + g % 4] || ' #' || g,
            now() - (g * 37 % 3000) * interval '1 minute' - g * interval '1 millisecond'
       FROM generate_series(1, 3000) g`,
    [mine, other],
  );
  rows = (await db.query<Row>(`SELECT id, campaign_id, customer_address, customer_name, subject, last_message_at FROM interactions`)).rows;
  await db.query('ANALYZE interactions');
});
afterAll(async () => {
  await database?.drop();
});

/** What search must answer, computed the plain way. */
function expected(term: string, campaigns: Set<string>): number[] {
  const t = term.toLowerCase();
  return rows
    .filter((r) => campaigns.has(r.campaign_id))
    .filter((r) => [r.customer_address, r.customer_name, r.subject, campaignNames.get(r.campaign_id)!].some((f) => f.toLowerCase().includes(t)))
    .sort((a, b) => b.last_message_at.getTime() - a.last_message_at.getTime())
    .slice(0, 50)
    .map((r) => r.id);
}

describe('search', () => {
  it.each(['gmail', 'user12', 'RARE.ZED', 'unique-host', 'lópez', 'refund', 'delivery late #29', '100%_', '%', 'retail', 'whole', 'nothing-like-this'])(
    'gives the same newest 50 for "%s" with either plan, from the agent\'s campaigns only',
    async (term) => {
      const v = { userId: agent, all: false };
      const want = expected(term, new Set([mine]));
      for (const plan of ['walk', 'trigram', 'auto'] as const) {
        const got = (await searchInteractions(database.db, v, term, { plan })).map((r) => r.id);
        expect(got, plan).toEqual(want);
      }
    },
  );

  it('lets staff search every campaign', async () => {
    const got = (await searchInteractions(database.db, { userId: agent, all: true }, 'wholesale')).map((r) => r.id);
    expect(got).toEqual(expected('wholesale', new Set(campaignNames.keys())));
    expect(got).toHaveLength(50);
  });
});
