import { createHmac, timingSafeEqual } from 'node:crypto';

// What identifies one dialer recipient (one list row) outside Postdesk:
//
//   Message-ID   pdd.<rowId>.<mac26>@<domain>     (base32 lower case, like threading/message-id.ts)
//   URL token    <rowId>-<mac22>                  (base64url), in the pixel and unsubscribe links
//
// Both MACs come from one HMAC-SHA256 over the row id (bytes 0–15 for the
// Message-ID, 16–31 for the token), so a message costs one HMAC, nothing is
// stored to be looked up, and nobody without the key can name another row:
// a pixel or unsubscribe link for a row is unguessable from any other.
// The prefix "pdd" never verifies as an interaction's Message-ID (those are
// "pd." and an interaction id), so a reply to dialer mail never threads into
// an existing interaction by its id.

const LABEL = 'postdesk-dialer-recipient/v1';
const PREFIX = 'pdd';
const ROW_ID = /^[1-9][0-9]{0,18}$/;
const MIN_SECRET_BYTES = 16;

/** The per-recipient identifiers of one list row's message. */
export interface RecipientKeys {
  /** Without angle brackets. */
  messageId: string;
  /** For the pixel and unsubscribe URLs: URL-safe, no padding. */
  token: string;
}

/**
 * Derives a row's Message-ID and link token from the key: the same row
 * always gets the same values, so a message resent after a crash or a 4xx
 * carries the same Message-ID (duplicates are visible) and the same links.
 */
export function recipientKeys(secret: Buffer, rowId: string | number, domain: string): RecipientKeys {
  const id = String(rowId);
  if (!ROW_ID.test(id)) throw new RangeError('rowId must be a positive decimal id');
  if (secret.length < MIN_SECRET_BYTES) throw new RangeError(`secret must be at least ${MIN_SECRET_BYTES} bytes`);
  const mac = macOf(secret, id);
  return {
    messageId: `${PREFIX}.${id}.${base32(mac.subarray(0, 16))}@${domain.toLowerCase()}`,
    token: `${id}-${mac.subarray(16, 32).toString('base64url')}`,
  };
}

/** The row a link token names, when the token is ours and untampered; null for anything else. Constant-time compare. */
export function verifyRecipientToken(token: string, secrets: Buffer | readonly Buffer[]): string | null {
  if (token.length > 64) return null;
  const m = /^([1-9][0-9]{0,18})-([A-Za-z0-9_-]{22})$/.exec(token);
  if (!m) return null;
  const presented = Buffer.from(m[2]!, 'base64url');
  if (presented.length !== 16 || presented.toString('base64url') !== m[2]) return null;
  return anyKeyMatches(secrets, m[1]!, (mac) => timingSafeEqual(presented, mac.subarray(16, 32))) ? m[1]! : null;
}

/** The row a dialer Message-ID names (from In-Reply-To, References or a bounce), when it is ours; null otherwise. */
export function verifyRecipientMessageId(id: string, secrets: Buffer | readonly Buffer[]): string | null {
  let bare = id.trim();
  if (bare.length > 300) return null;
  if (bare.startsWith('<') && bare.endsWith('>')) bare = bare.slice(1, -1);
  const at = bare.lastIndexOf('@');
  if (at <= 0) return null;
  const m = /^pdd\.([1-9][0-9]{0,18})\.([a-z2-7]{26})$/.exec(bare.slice(0, at).toLowerCase());
  if (!m) return null;
  const rowId = m[1]!;
  const mac26 = m[2]!;
  return anyKeyMatches(secrets, rowId, (mac) => timingSafeEqual(Buffer.from(base32(mac.subarray(0, 16))), Buffer.from(mac26))) ? rowId : null;
}

function anyKeyMatches(secrets: Buffer | readonly Buffer[], rowId: string, test: (mac: Buffer) => boolean): boolean {
  const keys = Buffer.isBuffer(secrets) ? [secrets] : secrets;
  let ok = false;
  // every key is tried, so the time taken does not say which one matched
  for (const key of keys) if (key.length >= MIN_SECRET_BYTES && test(macOf(key, rowId))) ok = true;
  return ok;
}

function macOf(secret: Buffer, rowId: string): Buffer {
  return createHmac('sha256', secret).update(`${LABEL}\u0000${rowId}`).digest();
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}
