import type { Queryable } from '../../platform/db/db.ts';

/**
 * Records a customer's score for the message carrying this rating key (one
 * rating per message; a second click changes it) and returns the campaign's
 * thank-you text, or undefined when no message has the key.
 */
export async function rateMessage(q: Queryable, ratingKey: Buffer, score: number): Promise<{ thanks: string } | undefined> {
  const { rows } = await q.query<{ thanks: string }>(
    `WITH m AS (SELECT m.id, m.interaction_id, m.campaign_id FROM messages m WHERE m.rating_key = $1 AND m.interaction_id IS NOT NULL),
          r AS (INSERT INTO ratings (message_id, interaction_id, score) SELECT id, interaction_id, $2 FROM m
                ON CONFLICT (message_id) DO UPDATE SET score = EXCLUDED.score, updated_at = now() RETURNING message_id)
     SELECT c.qualification_thanks AS thanks FROM m JOIN campaigns c ON c.id = m.campaign_id`,
    [ratingKey, score],
  );
  return rows[0];
}
