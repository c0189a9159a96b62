/** How a candidate interaction was found for an inbound message, strongest evidence first. */
export type ThreadEvidence = 'own-message-id' | 'references' | 'subject-token';

/** One interaction an inbound message may belong to, with what the caller knows about it. */
export interface ThreadCandidate {
  interactionId: string;
  /**
   * own-message-id: In-Reply-To is one of our Message-IDs and its HMAC verified;
   * references: a Message-ID in References (or an unverified In-Reply-To) matched a stored message;
   * subject-token: the subject carries the interaction's token.
   */
  via: ThreadEvidence;
  /** Normalised addresses of everyone on the thread: the customer and whoever was in To/Cc. */
  participants: readonly string[];
  status: 'open' | 'closed';
}

/** What threading needs to decide: who wrote, which interactions the message points to, and the campaign's rule for closed ones. */
export interface ResolveThreadInput {
  /** The normalised From address of the inbound message. */
  senderAddress: string;
  /**
   * Every candidate found, in any order across kinds of evidence; within one
   * kind, earlier wins a tie (list References matches newest first).
   */
  candidates: readonly ThreadCandidate[];
  /** What a reply to a closed interaction does: reopen it, or start a new one linked to it. */
  onClosed: 'reopen' | 'new-linked';
}

/** Why an inbound message starts a new interaction. */
export type NewThreadReason = 'no_candidate' | 'sender_not_participant' | 'closed';

/** The threading decision: add the message to an interaction, or start a new one (possibly linked to the one it pointed at). */
export type ThreadDecision =
  | { action: 'append'; interactionId: string; reopen: boolean; via: ThreadEvidence }
  | { action: 'new'; linkedTo: string | null; reason: NewThreadReason };

const STRENGTH: Record<ThreadEvidence, number> = { 'own-message-id': 0, references: 1, 'subject-token': 2 };

/**
 * Decides which interaction an inbound message joins, without touching the
 * database, so every threading rule is one table of cases:
 *
 * 1. The strongest kind of evidence present decides (own Message-ID over
 *    References over subject token); weaker evidence never overrides it — a
 *    token or reference pointing elsewhere is more likely quoted or pasted
 *    text than the thread the customer actually answered.
 * 2. The sender must be a participant of the interaction. Otherwise the
 *    message starts a new interaction linked to it: a reply from another
 *    recipient of one bulk mail never merges into someone else's thread, and
 *    a forged reply never lands in a thread it does not belong to.
 *    Among candidates of the deciding kind, one the sender participates in is
 *    preferred; then the caller's order.
 * 3. A closed interaction is reopened, or left closed with a new linked
 *    interaction, as the campaign says.
 */
export function resolveThread(input: ResolveThreadInput): ThreadDecision {
  if (input.candidates.length === 0) return { action: 'new', linkedTo: null, reason: 'no_candidate' };
  const strongest = Math.min(...input.candidates.map((c) => STRENGTH[c.via]));
  const deciding = input.candidates.filter((c) => STRENGTH[c.via] === strongest);
  const sender = input.senderAddress;
  const chosen = sender === '' ? undefined : deciding.find((c) => c.participants.includes(sender));
  if (chosen === undefined) return { action: 'new', linkedTo: deciding[0]!.interactionId, reason: 'sender_not_participant' };
  switch (chosen.status) {
    case 'open':
      return { action: 'append', interactionId: chosen.interactionId, reopen: false, via: chosen.via };
    case 'closed':
      return input.onClosed === 'reopen'
        ? { action: 'append', interactionId: chosen.interactionId, reopen: true, via: chosen.via }
        : { action: 'new', linkedTo: chosen.interactionId, reason: 'closed' };
    default: {
      const never: never = chosen.status;
      throw new Error(`unknown interaction status ${String(never)}`);
    }
  }
}
