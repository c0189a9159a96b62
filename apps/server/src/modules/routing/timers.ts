import type { Db } from '../../platform/db/db.ts';
import { returnTransfer } from './handle-interaction.ts';
import { dueOffers, endOffer } from './offers.ts';

/**
 * Fires every routing timer due at `now`: offers past their time, sticky
 * waits that ended, campaign transfers nobody took. Each fires in its own
 * transaction as a conditional state change under the row's lock, so a timer
 * fires exactly once however many nodes run this, and a node that dies
 * mid-way leaves the rest for the next tick. Returns the campaigns whose
 * queue changed, for the caller to route again.
 */
export async function fireDueTimers(db: Db, now: Date, limit = 200): Promise<Set<string>> {
  const touched = new Set<string>();
  for (const id of await dueOffers(db, now, limit)) {
    const campaignId = await db.tx(async (q) => {
      const ended = await endOffer(q, id, 'expired', now);
      if (!ended) return null;
      return (await q.query<{ campaign_id: string }>(`SELECT campaign_id FROM offers WHERE id = $1`, [id])).rows[0]?.campaign_id ?? null;
    });
    if (campaignId) touched.add(campaignId);
  }
  // The wait for the assigned agent is over: from now on the campaign's members may take it.
  const sticky = await db.query<{ campaign_id: string }>(
    `UPDATE interactions SET sticky_agent_until = NULL
      WHERE id IN (SELECT id FROM interactions WHERE sticky_agent_until <= $1 ORDER BY sticky_agent_until LIMIT $2 FOR UPDATE SKIP LOCKED)
      RETURNING campaign_id`,
    [now, limit],
  );
  for (const r of sticky.rows) touched.add(r.campaign_id);
  const transfers = await db.query<{ id: number; transfer_from_campaign: string | null; campaign_id: string }>(
    `SELECT id, transfer_from_campaign, campaign_id FROM interactions WHERE transfer_until <= $1 ORDER BY transfer_until LIMIT $2`,
    [now, limit],
  );
  for (const t of transfers.rows) {
    if (await db.tx((q) => returnTransfer(q, t.id, now))) {
      touched.add(t.campaign_id);
      if (t.transfer_from_campaign) touched.add(t.transfer_from_campaign);
    }
  }
  return touched;
}
