/**
 * Hard limits on one incoming message. Customer mail is hostile input: each
 * limit bounds memory or CPU before the expensive decode runs, so one message
 * can be rejected (and quarantined) without stalling its mailbox.
 */
export interface ParseLimits {
  /** The whole raw message, in bytes. */
  maxMessageBytes: number;
  /** MIME entities of any kind (containers, leaves, embedded messages' entities). */
  maxParts: number;
  /** Nesting of multiparts and embedded messages below the top-level entity. */
  maxDepth: number;
  /** The whole header block of one entity, in bytes. */
  maxHeaderBytes: number;
  /** One header field after unfolding, in bytes. */
  maxHeaderLineBytes: number;
}

/** Defaults roomy enough for real mail (big attachments, long Received chains) and no more. */
export const DEFAULT_PARSE_LIMITS: Readonly<ParseLimits> = Object.freeze({
  maxMessageBytes: 50 * 1024 * 1024,
  maxParts: 500,
  maxDepth: 20,
  maxHeaderBytes: 256 * 1024,
  maxHeaderLineBytes: 64 * 1024,
});

/** Fills unset limits from the defaults, so callers may override only what they care about. */
export function resolveLimits(limits: Partial<ParseLimits> = {}): ParseLimits {
  const merged = { ...DEFAULT_PARSE_LIMITS };
  for (const key of Object.keys(DEFAULT_PARSE_LIMITS) as Array<keyof ParseLimits>) {
    const value = limits[key];
    if (value !== undefined) {
      if (!Number.isFinite(value) || value < 0) throw new RangeError(`parse limit ${key} must be a non-negative number, got ${value}`);
      merged[key] = value;
    }
  }
  return merged;
}
