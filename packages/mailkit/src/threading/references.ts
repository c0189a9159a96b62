/** The most Message-IDs a References header we write carries: enough to thread, bounded against ever-growing chains. */
export const MAX_REFERENCES = 20;

// A msg-id as it can safely go into a header: printable ASCII without spaces
// or angle brackets, an "@" with something on both sides, and a sane length.
const MSG_ID = /^[!-;=?-~]{1,250}@[!-;=?-~]{1,250}$/;

/** The message being answered: its Message-ID and its own threading headers, as parsed (angle brackets optional). */
export interface ReplyParent {
  messageId: string;
  references: readonly string[];
  /** Used only when the parent has no References (RFC 5322 §3.6.4). */
  inReplyTo?: string | null;
}

/** The threading headers of a reply, ids without angle brackets. */
export interface ReplyHeaders {
  /** null when the parent's Message-ID is missing or malformed: the reply then starts a new chain. */
  inReplyTo: string | null;
  references: string[];
}

/**
 * Builds In-Reply-To and References for a reply the way RFC 5322 §3.6.4 says
 * (the parent's References, else its single In-Reply-To, then the parent's
 * own id), so the customer's client threads our answer under their mail. The
 * parent's headers are hostile input: malformed ids are dropped, duplicates
 * removed, and a long chain is cut to MAX_REFERENCES keeping the first id
 * (the thread's root) and the most recent ones.
 */
export function buildReplyHeaders(parent: ReplyParent): ReplyHeaders {
  const own = cleanMessageId(parent.messageId);
  const inherited = parent.references.length > 0 ? parent.references : parent.inReplyTo ? [parent.inReplyTo] : [];
  const ids: string[] = [];
  const seen = new Set<string>();
  for (const raw of [...inherited.flatMap(splitIds), ...(own ? [own] : [])]) {
    const id = cleanMessageId(raw);
    if (id === null || seen.has(id)) continue;
    seen.add(id);
    ids.push(id);
  }
  return { inReplyTo: own, references: trimReferences(ids) };
}

/**
 * A Message-ID without angle brackets and surrounding space, or null when it
 * is not something we would write into a header.
 */
export function cleanMessageId(value: string): string | null {
  let id = value.trim();
  if (id.startsWith('<') && id.endsWith('>')) id = id.slice(1, -1).trim();
  return MSG_ID.test(id) ? id : null;
}

// A parsed References entry is usually one "<id>", but a raw header value holds
// several. Text without brackets is taken whole, so garbage stays one (invalid) id
// rather than being mined for pieces that look like ids.
function splitIds(value: string): string[] {
  return value.match(/<[^<>]*>/g) ?? [value];
}

function trimReferences(ids: string[]): string[] {
  if (ids.length <= MAX_REFERENCES) return ids;
  return [ids[0]!, ...ids.slice(ids.length - (MAX_REFERENCES - 1))];
}
