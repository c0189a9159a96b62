import type { Queryable } from '../../platform/db/db.ts';

// The routing timers are due times on rows (offers.expires_at,
// interactions.sticky_agent_until, interactions.transfer_until), each
// behind a partial index; these are the reads of what is due (the writes
// that fire them are the owners': routing's offers, the interactions module's rows).

/** Offers past their time, oldest first; each is then ended in its own transaction by `endOffer`. */
export async function dueOffers(q: Queryable, now: Date, limit: number): Promise<number[]> {
  const { rows } = await q.query<{ id: number }>(
    { name: 'timers_due_offers', text: `SELECT id FROM offers WHERE state = 'pending' AND expires_at <= $1 ORDER BY expires_at, id LIMIT $2` },
    [now, limit],
  );
  return rows.map((r) => r.id);
}

/** Interactions whose wait for their agent is over, oldest first. */
export async function dueStickyWaits(q: Queryable, now: Date, limit: number): Promise<number[]> {
  const { rows } = await q.query<{ id: number }>(
    { name: 'timers_due_sticky', text: `SELECT id FROM interactions WHERE sticky_agent_until <= $1 ORDER BY sticky_agent_until, id LIMIT $2` },
    [now, limit],
  );
  return rows.map((r) => r.id);
}

/** Campaign transfers whose time ran out, oldest first. */
export async function dueTransfers(q: Queryable, now: Date, limit: number): Promise<number[]> {
  const { rows } = await q.query<{ id: number }>(
    { name: 'timers_due_transfers', text: `SELECT id FROM interactions WHERE transfer_until <= $1 ORDER BY transfer_until, id LIMIT $2` },
    [now, limit],
  );
  return rows.map((r) => r.id);
}

/** The campaign an offer belongs to. */
export async function offerCampaign(q: Queryable, offerId: number): Promise<string | null> {
  const { rows } = await q.query<{ campaign_id: string }>(`SELECT campaign_id FROM offers WHERE id = $1`, [offerId]);
  return rows[0]?.campaign_id ?? null;
}

/** Where a campaign transfer goes back to, read before it is returned. */
export async function transferCampaigns(q: Queryable, id: number): Promise<{ campaign_id: string; transfer_from_campaign: string | null } | null> {
  const { rows } = await q.query<{ campaign_id: string; transfer_from_campaign: string | null }>(
    `SELECT campaign_id, transfer_from_campaign FROM interactions WHERE id = $1`,
    [id],
  );
  return rows[0] ?? null;
}
