/**
 * What an incoming message is, for loop protection and linking:
 * - customer: a person wrote to us; it may start an interaction.
 * - bounce: a delivery failure or delay report (DSN or an MTA's own format).
 * - feedback: an abuse/complaint/unsubscribe report about mail we sent (ARF and vendor formats).
 * - auto_reply: any other machine-sent mail (vacation replies, read receipts,
 *   delivery notifications, notifications marked Auto-Submitted).
 * - own: mail Postdesk itself sent, come back (a loop, a list echo, a Bcc).
 */
export type ClassificationKind = 'customer' | 'bounce' | 'auto_reply' | 'feedback' | 'own';

/** The verdict on one message; automatic mail never starts an interaction and never gets an auto-reply. */
export interface Classification {
  kind: ClassificationKind;
  /** kind !== 'customer'. Callers must not start an interaction or send an auto-reply for it. */
  automatic: boolean;
  /**
   * False when no automatic reply may be sent even though the message may
   * start an interaction: always for automatic mail, and for customer mail
   * that arrived through a mailing list or as bulk mail (List-Id,
   * List-Unsubscribe, List-Post, Precedence: list/bulk) or that asks for no
   * auto-replies (X-Auto-Response-Suppress: All/OOF/AutoReply). A list can
   * carry real customer mail (a support@ Google Group), so it is not dropped,
   * but answering it automatically is how mail loops start (RFC 3834 2).
   */
  mayAutoReply: boolean;
  /** Which rule decided, in words an admin can read. */
  reason: string;
  /** Message-IDs (no angle brackets) of the message this one reports on or answers; [] for customer and own mail. */
  originalMessageIds: string[];
  /** Recipients a bounce says failed (domain lowercased); [] for other kinds. */
  failedRecipients: string[];
}

/** Who "we" are, so our own mail coming back is recognised. */
export interface ClassifyContext {
  /** Addresses Postdesk sends from (compared case-insensitively). */
  ownAddresses: string[];
  /** Domains of the Message-IDs Postdesk generates (the part after "@"). */
  ownMessageIdDomains: string[];
}
