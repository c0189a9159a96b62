import type { Queryable } from '../../platform/db/db.ts';
import { findOffer } from './offers.repo.ts';
import { countMissedOffer, ensurePauseReason } from './presence.repo.ts';
import { setPresence } from './presence.ts';

/** The pause reason of an agent paused for letting offers lapse (the console translates it). */
export const MISSED_OFFER_REASON = 'Missed offer';

/**
 * After an offer lapsed, in the transaction that ended it (which took the
 * agent's lock before the interaction's row): one more offer the agent
 * missed in a row. When the offering campaign pauses agents
 * after that many, an available agent is paused with the reason "Missed
 * offer" (their other offers go back to the queue). Transfer offers do not
 * count: they come from a colleague, not the queue. Returns whether the agent
 * was paused.
 */
export async function noteMissedOffer(q: Queryable, offerId: number, now: Date): Promise<boolean> {
  const offer = await findOffer(q, offerId);
  if (!offer || offer.state !== 'expired' || offer.kind === 'transfer') return false;
  const count = await countMissedOffer(q, offer.user_id, offer.campaign_id);
  if (!count || count.pause_after === 0 || count.missed < count.pause_after || count.state !== 'available') return false;
  return setPresence(q, offer.user_id, 'paused', await ensurePauseReason(q, MISSED_OFFER_REASON), now);
}

