// What a report says about the message it reports on: the original's
// Message-IDs (to link a bounce or complaint to the interaction that sent it)
// and the recipients that failed (to mark contacts undeliverable).
import { canonicalAddress, normalizeAddress } from '../parse/address.ts';
import { extractMessageIds } from '../parse/message-id.ts';
import type { ParsedMessage, ParsedPart } from '../parse/types.ts';

const HEADER_BLOCK_TYPES = new Set(['message/rfc822', 'message/global', 'text/rfc822-headers', 'message/global-headers']);
const DSN_TYPES = new Set(['message/delivery-status', 'message/global-delivery-status']);
const REPORT_TYPES = new Set([...DSN_TYPES, 'message/feedback-report', 'message/disposition-notification', 'message/global-disposition-notification']);
// Fields in reports and in copied headers that name the original message.
const ORIGINAL_ID_FIELDS = ['original-message-id', 'x-original-message-id'];
const MAX_IDS = 50;
const MAX_RECIPIENTS = 100;

/** Values of a field in a header-like block (a copied header, a DSN), unfolded. */
export function fieldValues(block: string, name: string): string[] {
  const out: string[] = [];
  const prefix = `${name.toLowerCase()}:`;
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const trimmed = line.trimStart();
    const colon = trimmed.indexOf(':');
    if (colon > 0 && `${trimmed.slice(0, colon).trimEnd().toLowerCase()}:` === prefix) out.push(trimmed.slice(colon + 1).trim());
  }
  return out;
}

// "Message-ID: <x@y>" written into a body (qmail and many gateways copy the
// original's headers as text, sometimes quoted with "> "), and the JSON form
// Amazon SES notifications use.
const BODY_MESSAGE_ID = /(?:^|[\s>"(\[])(?:x-original-)?message-?id\s*(?:[:=]|\bof\b)\s*<?([^\s<>"'(),;]+@[^\s<>"'(),;]+?)>?(?=[\s"'>),;\]]|$)/gim;
const JSON_MESSAGE_ID = /"message-id"\s*,\s*"value"\s*:\s*"<?([^"<>\s]+@[^"<>\s]+?)>?"/gi;

/**
 * Message-IDs of the message a report is about, most reliable first: the
 * copied header of the original, Original-Message-ID fields, the report's
 * own In-Reply-To/References, then IDs written near "Message-ID" in the body.
 */
export function findOriginalMessageIds(msg: ParsedMessage, outer: ParsedPart[], body: string): string[] {
  const ids: string[] = [];
  const add = (values: string[]): void => {
    for (const v of values) ids.push(...extractMessageIds(v));
  };
  for (const part of outer) {
    if (part.text === undefined) continue;
    if (HEADER_BLOCK_TYPES.has(part.contentType)) add([...fieldValues(part.text, 'message-id'), ...ORIGINAL_ID_FIELDS.flatMap((f) => fieldValues(part.text!, f))]);
    else if (REPORT_TYPES.has(part.contentType)) add(ORIGINAL_ID_FIELDS.flatMap((f) => fieldValues(part.text!, f)));
  }
  add(msg.headers.filter((h) => ORIGINAL_ID_FIELDS.includes(h.name)).map((h) => h.value));
  ids.push(...msg.inReplyTo, ...msg.references);
  for (const m of body.matchAll(BODY_MESSAGE_ID)) ids.push(m[1]!);
  for (const m of body.matchAll(JSON_MESSAGE_ID)) ids.push(m[1]!);
  const own = msg.messageId;
  return [...new Set(ids)].filter((id) => id !== own).slice(0, MAX_IDS);
}

const EMAIL = /<?([a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)+)>?/;

/** The address in a DSN recipient field: "rfc822; <a@b>" → "a@b". */
function recipientField(value: string): string | null {
  const m = EMAIL.exec(value.slice(value.indexOf(';') + 1));
  return m ? m[1]! : null;
}

/** Recipients of a DSN whose action is failed (delays and successes are not failures). */
function dsnFailures(text: string): string[] {
  const out: string[] = [];
  for (const block of text.split(/\r?\n[ \t]*\r?\n/)) {
    const action = fieldValues(block, 'action')[0]?.toLowerCase();
    if (action !== undefined && !action.startsWith('failed')) continue;
    for (const field of ['original-recipient', 'final-recipient']) {
      for (const v of fieldValues(block, field)) {
        const a = recipientField(v);
        if (a) out.push(a);
      }
    }
  }
  return out;
}

// Phrases that introduce the failed address in non-standard bounces; the
// first address within the next few lines is taken.
const BODY_ANCHORS =
  /following (?:list of )?(?:address(?:\(es\)|es)?|recipients?)[^\n:]{0,60}:|addresses had (?:permanent fatal errors|delivery problems|delivery errors)[^\n]*|could not be delivered to:?|delivery to the following recipients? failed[^\n:]{0,30}:?|rcpt to:?|failed recipients?:?|not delivered to:?|undeliverable to:?|address(?:\(es\)|es)? failed:|recipient address:|unknown user:?|user unknown:|invalid (?:user|recipient) address:?|original-recipient:|final-recipient:|^to:/gim;
// An address alone in angle brackets at the start of a line: qmail
// "<a@b>:", Postfix "<a@b>: host ... said", Sendmail's fatal-errors list.
const LINE_START_ADDRESS = /^[>\s]*<([^\s<>]+@[^\s<>]+)>/gm;
// "a@b: 550 ..." (OpenSMTPD) and "a@b... User unknown" (Sendmail transcripts).
const ADDRESS_WITH_REPLY = /^[>\s]*([^\s<>@:]+@[^\s<>:]+):\s*[45]\d\d\b|<?([^\s<>]+@[^\s<>.]+(?:\.[^\s<>.]+)*?)>?\.\.\.\s*(?:user unknown|no such user|unknown user|mailbox)/gim;
const SES_RECIPIENT = /"emailaddress"\s*:\s*"([^"\s]+@[^"\s]+)"/gi;

/**
 * Failed recipients of a bounce: DSN recipient fields with action failed,
 * X-Failed-Recipients and SES notifications first; body heuristics for
 * non-standard formats only when those found nothing. Our own addresses are
 * never reported; heuristic finds also skip the bounce's own addressees and
 * anything that is a known Message-ID.
 */
export function findFailedRecipients(msg: ParsedMessage, outer: ParsedPart[], body: string, ownAddresses: readonly string[], messageIds: readonly string[]): string[] {
  const declared: string[] = [];
  for (const part of outer) if (DSN_TYPES.has(part.contentType) && part.text) declared.push(...dsnFailures(part.text));
  for (const h of msg.headers) if (h.name === 'x-failed-recipients') declared.push(...h.value.split(/[\s,;]+/));
  for (const m of body.matchAll(SES_RECIPIENT)) declared.push(m[1]!);
  const own = new Set(ownAddresses.map(normalizeAddress));
  if (declared.length > 0) return cleanAddresses(declared, own);
  const guessed: string[] = [];
  for (const m of body.matchAll(LINE_START_ADDRESS)) guessed.push(m[1]!);
  for (const m of body.matchAll(ADDRESS_WITH_REPLY)) guessed.push((m[1] ?? m[2])!);
  for (const m of body.matchAll(BODY_ANCHORS)) {
    const a = EMAIL.exec(body.slice(m.index + m[0].length, m.index + m[0].length + 300));
    if (a) guessed.push(a[1]!);
  }
  const addressees = [...msg.to, ...msg.cc, ...(msg.from ? [msg.from] : [])].map((a) => a.address);
  return cleanAddresses(guessed, new Set([...own, ...addressees.map(normalizeAddress), ...messageIds.map(normalizeAddress)]));
}

function cleanAddresses(found: string[], excluded: ReadonlySet<string>): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of found) {
    const address = canonicalAddress(raw.replace(/^<|>[.:,;]*$|[.:,;]+$/g, ''));
    const key = normalizeAddress(address);
    if (!EMAIL.test(address) || excluded.has(key) || seen.has(key)) continue;
    seen.add(key);
    out.push(address);
    if (out.length >= MAX_RECIPIENTS) break;
  }
  return out;
}

/**
 * How final a bounce is, for what a sender should do with the address:
 * - hard: a permanent failure (DSN Action failed with a 5.x.x Status, or no
 *   DSN and a 5.x.x / 5xx reply quoted in the body): never send there again;
 * - soft: the server gave up on a temporary failure (failed with 4.x.x), or
 *   a non-standard bounce with no permanent code in it: counted, not blacklisted;
 * - delay: only a warning (Action delayed / relayed / delivered): nothing failed yet.
 */
export type BounceSeverity = 'hard' | 'soft' | 'delay';

export function bounceSeverity(msg: ParsedMessage): BounceSeverity {
  let seen = false;
  let soft = false;
  let delay = false;
  for (const part of msg.parts) {
    if (!DSN_TYPES.has(part.contentType) || !part.text) continue;
    // the first block is per-message fields; the rest one per recipient
    for (const block of part.text.split(/\r?\n[ \t]*\r?\n/)) {
      const action = fieldValues(block, 'action')[0]?.toLowerCase().trim();
      if (action === undefined) continue;
      seen = true;
      const status = /([245])\.\d{1,3}\.\d{1,3}/.exec(fieldValues(block, 'status')[0] ?? '')?.[1];
      if (action.startsWith('failed')) {
        if (status === '4') soft = true;
        else return 'hard';
      } else delay = true;
    }
  }
  if (seen) return soft || !delay ? 'soft' : 'delay';
  const body = msg.text ?? '';
  if (/(?:^|[\s(\[#])5\.\d{1,3}\.\d{1,3}\b|(?:^|\s)5[0-5]\d[\s-]/m.test(body)) return 'hard';
  return 'soft';
}

/** The Feedback-Type of an ARF report (RFC 5965 3.1), lower case; null when the message has no feedback-report part. */
export function feedbackType(msg: ParsedMessage): string | null {
  for (const part of msg.parts) {
    if (part.contentType === 'message/feedback-report' && part.text) return fieldValues(part.text, 'feedback-type')[0]?.toLowerCase().trim() ?? 'abuse';
  }
  return null;
}
