/** Why a confirmation message is or is not sent; each "no" is a loop or abuse protection. */
export type ConfirmationDecision =
  | { send: true }
  | { send: false; reason: 'disabled' | 'no_template' | 'automatic_mail' | 'not_new' | 'already_sent' | 'own_address' | 'no_reply_address' | 'rate_limited' };

/** The facts the decision needs, gathered by the caller. */
export interface ConfirmationFacts {
  enabled: boolean;
  hasTemplate: boolean;
  /** The message was classified as customer mail (not a bounce, auto-reply, report or our own). */
  customerMail: boolean;
  /** The message started a new interaction (replies in a thread get no confirmation). */
  newInteraction: boolean;
  /** The interaction already had one. */
  alreadySent: boolean;
  /** The normalised address we would answer. */
  recipient: string;
  /** Every campaign's sender address, lowercased. */
  ownAddresses: readonly string[];
  /** Confirmations sent to this address by this campaign, newest first. */
  recentSends: readonly Date[];
  now: Date;
}

/** At most one confirmation per address and campaign in this window… */
export const CONFIRMATION_MIN_GAP_MS = 10 * 60_000;
/** …and at most this many a day: a customer writing a lot is not flooded, and two robots cannot ping-pong. */
export const CONFIRMATION_DAILY_MAX = 5;

// Local parts that by convention never read replies; answering them only makes bounces.
const NO_REPLY = /^(no-?reply|do-?not-?reply|mailer-daemon|postmaster|bounces?)([+.-]|$)/i;

/**
 * Decides whether a customer gets the campaign's confirmation message:
 * customer mail only (RFC 3834: never answer automatic mail), at most once per
 * interaction, never to our own addresses or no-reply senders, and
 * rate-limited per address.
 */
export function confirmationDecision(f: ConfirmationFacts): ConfirmationDecision {
  if (!f.enabled) return { send: false, reason: 'disabled' };
  if (!f.hasTemplate) return { send: false, reason: 'no_template' };
  if (!f.customerMail) return { send: false, reason: 'automatic_mail' };
  if (!f.newInteraction) return { send: false, reason: 'not_new' };
  if (f.alreadySent) return { send: false, reason: 'already_sent' };
  if (f.recipient === '' || f.ownAddresses.includes(f.recipient)) return { send: false, reason: 'own_address' };
  if (NO_REPLY.test(f.recipient.split('@')[0] ?? '')) return { send: false, reason: 'no_reply_address' };
  const dayAgo = f.now.getTime() - 86_400_000;
  const today = f.recentSends.filter((d) => d.getTime() > dayAgo);
  const last = today[0];
  if (last && f.now.getTime() - last.getTime() < CONFIRMATION_MIN_GAP_MS) return { send: false, reason: 'rate_limited' };
  if (today.length >= CONFIRMATION_DAILY_MAX) return { send: false, reason: 'rate_limited' };
  return { send: true };
}
