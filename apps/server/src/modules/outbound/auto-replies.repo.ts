import type { Queryable } from '../../platform/db/db.ts';

/** When automatic replies went to this address from this campaign in the last day, newest first (at most ten). */
export async function recentAutoReplies(q: Queryable, campaignId: string, addressNorm: string): Promise<Date[]> {
  const { rows } = await q.query<{ sent_at: Date }>(
    `SELECT sent_at FROM auto_replies WHERE campaign_id = $1 AND address_norm = $2 AND sent_at > now() - interval '1 day'
      ORDER BY sent_at DESC LIMIT 10`,
    [campaignId, addressNorm],
  );
  return rows.map((r) => r.sent_at);
}

/** Records an automatic reply to an address (the per-address rate limit counts these). */
export async function recordAutoReply(q: Queryable, campaignId: string, addressNorm: string): Promise<void> {
  await q.query('INSERT INTO auto_replies (campaign_id, address_norm) VALUES ($1, $2)', [campaignId, addressNorm]);
}
