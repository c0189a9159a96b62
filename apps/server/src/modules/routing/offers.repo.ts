import type { Queryable } from '../../platform/db/db.ts';

/** How an offer ends without being accepted. */
export type OfferEnd = 'declined' | 'expired' | 'withdrawn';

/** An offer row. */
export interface OfferRow {
  id: number;
  interaction_id: number;
  campaign_id: string;
  user_id: string;
  kind: 'route' | 'sticky' | 'transfer';
  state: string;
  expires_at: Date;
}

/** One offer; with userId, only if it was made to that agent. */
export async function findOffer(q: Queryable, id: number, userId?: string): Promise<OfferRow | undefined> {
  const { rows } =
    userId === undefined
      ? await q.query<OfferRow>(`SELECT * FROM offers WHERE id = $1`, [id])
      : await q.query<OfferRow>(`SELECT * FROM offers WHERE id = $1 AND user_id = $2`, [id, userId]);
  return rows[0];
}

/** pending → accepted, only while pending and not past its time: of two racing answers exactly one wins. */
export async function acceptPendingOffer(q: Queryable, id: number, now: Date): Promise<boolean> {
  const r = await q.query(`UPDATE offers SET state = 'accepted', decided_at = $2 WHERE id = $1 AND state = 'pending' AND expires_at > $2`, [id, now]);
  return r.rowCount === 1;
}

/** Withdraws every other pending offer of an interaction (ringall: someone took it); returns them. */
export async function withdrawPendingOffersOf(q: Queryable, interactionId: number, now: Date): Promise<Array<{ id: number; user_id: string }>> {
  const { rows } = await q.query<{ id: number; user_id: string }>(
    `UPDATE offers SET state = 'withdrawn', decided_at = $2 WHERE interaction_id = $1 AND state = 'pending' RETURNING id, user_id`,
    [interactionId, now],
  );
  return rows;
}

/** pending → declined / expired / withdrawn; false when it was no longer pending. */
export async function endPendingOffer(q: Queryable, id: number, state: OfferEnd, now: Date): Promise<boolean> {
  const r = await q.query(`UPDATE offers SET state = $2, decided_at = $3 WHERE id = $1 AND state = 'pending'`, [id, state, now]);
  return r.rowCount === 1;
}

/** True while some offer of the interaction waits for an answer. */
export async function hasPendingOffer(q: Queryable, interactionId: number): Promise<boolean> {
  const r = await q.query(`SELECT 1 FROM offers WHERE interaction_id = $1 AND state = 'pending' LIMIT 1`, [interactionId]);
  return (r.rowCount ?? 0) > 0;
}

/** Pending offers of an interaction, or of agents (optionally only from some campaigns), oldest first. */
export async function pendingOfferIds(
  q: Queryable,
  where: { interactionId: number } | { userIds: readonly string[]; campaignIds?: readonly string[] },
): Promise<number[]> {
  const byInteraction = 'interactionId' in where;
  const { rows } = await q.query<{ id: number }>(
    `SELECT id FROM offers
      WHERE state = 'pending'
        AND ($1::bigint IS NULL OR interaction_id = $1)
        AND ($2::uuid[] IS NULL OR user_id = ANY($2))
        AND ($3::uuid[] IS NULL OR campaign_id = ANY($3))
      ORDER BY id`,
    [byInteraction ? where.interactionId : null, byInteraction ? null : where.userIds, byInteraction ? null : (where.campaignIds ?? null)],
  );
  return rows.map((r) => r.id);
}

/** Offers an interaction to one agent as a transfer from its current agent. */
export async function insertTransferOffer(q: Queryable, o: { interactionId: number; campaignId: string; userId: string; now: Date; expires: Date }): Promise<void> {
  await q.query(`INSERT INTO offers (interaction_id, campaign_id, user_id, kind, created_at, expires_at) VALUES ($1, $2, $3, 'transfer', $4, $5)`, [
    o.interactionId,
    o.campaignId,
    o.userId,
    o.now,
    o.expires,
  ]);
}

/** A pending offer with what the agent needs to decide, as the workspace lists it. */
export interface OfferView {
  id: number;
  userId: string;
  interactionId: number;
  campaignId: string;
  campaignKey: string;
  campaignName: string;
  kind: string;
  subject: string;
  customerAddress: string;
  customerName: string;
  createdAt: Date;
  expiresAt: Date;
}

/** Pending offers for the given agents, optionally of one interaction, oldest first. */
export async function offerViews(q: Queryable, where: { interactionId?: number; userIds: readonly string[] }): Promise<OfferView[]> {
  const { rows } = await q.query<{
    id: number; user_id: string; interaction_id: number; campaign_id: string; key: string; name: string; kind: string;
    subject: string; customer_address: string; customer_name: string; created_at: Date; expires_at: Date;
  }>(
    `SELECT o.id, o.user_id, o.interaction_id, o.campaign_id, c.key, c.name, o.kind, i.subject, i.customer_address, i.customer_name,
            o.created_at, o.expires_at
       FROM offers o JOIN interactions i ON i.id = o.interaction_id JOIN campaigns c ON c.id = o.campaign_id
      WHERE o.state = 'pending' AND o.user_id = ANY($1::uuid[]) AND ($2::bigint IS NULL OR o.interaction_id = $2)
      ORDER BY o.created_at, o.id`,
    [where.userIds, where.interactionId ?? null],
  );
  return rows.map((r) => ({
    id: r.id,
    userId: r.user_id,
    interactionId: r.interaction_id,
    campaignId: r.campaign_id,
    campaignKey: r.key,
    campaignName: r.name,
    kind: r.kind,
    subject: r.subject,
    customerAddress: r.customer_address,
    customerName: r.customer_name,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
  }));
}
