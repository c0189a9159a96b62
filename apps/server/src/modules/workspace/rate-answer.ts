import type { Queryable } from '../../platform/db/db.ts';
import { verifyRatingToken } from './rating-token.ts';
import { rateMessage } from './ratings.repo.ts';

/**
 * A customer clicked a rating link: the token is the authority (a forged one
 * is refused before the database is asked). Returns the campaign's thank-you
 * text, or null when the link is not valid.
 */
export async function rateAnswer(q: Queryable, mailSecret: Buffer, token: string, score: number): Promise<string | null> {
  const key = verifyRatingToken(mailSecret, token);
  if (!key) return null;
  const rated = await rateMessage(q, key, score);
  return rated ? rated.thanks || 'Thank you for your rating.' : null;
}
