import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// Our outbound Message-IDs (written without angle brackets):
//
//   pd.<interactionId>.<nonce>.<mac>@<domain>
//
//   interactionId  a UUID (lower case) or a decimal id
//   nonce          16 base32 characters of randomness (or the caller's own, [a-z0-9]{8,64}),
//                  so two messages of one interaction never share an id
//   mac            HMAC-SHA256(secret, "postdesk-message-id/v1" NUL interactionId NUL nonce),
//                  first 16 bytes, base32 lower case without padding: 26 characters
//
// Example (100 characters):
//   pd.4b0d2c1e-9f3a-4e21-8c6b-5d7e8f9a0b1c.kvofkd6wxnk7dry5.eqooytfrgh4uoww3gg6q5phc5i@mail.example.com
//
// Everything in the local part is lower case (base32, not base64url) so a
// relay that changes the case of a Message-ID does not break the check: the
// local part is lower-cased before it is verified. The domain is not covered
// by the MAC: it is whatever the campaign sends from and may change; it is
// returned so the caller can log it.

const PREFIX = 'pd';
const MAC_LABEL = 'postdesk-message-id/v1';
const MAC_BYTES = 16;
const MAC_CHARS = Math.ceil((MAC_BYTES * 8) / 5); // 26
const NONCE_BYTES = 10; // 16 base32 characters
const MIN_SECRET_BYTES = 16;
// far above our own ids (~90 characters): anything longer is not ours and is not parsed
const MAX_ID_LENGTH = 255;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DECIMAL = /^[1-9][0-9]{0,19}$/;
const NONCE = /^[a-z0-9]{8,64}$/;
const MAC = new RegExp(`^[a-z2-7]{${MAC_CHARS}}$`);
const DOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** An HMAC key for Message-IDs: raw bytes, or a string taken as UTF-8. */
export type MessageIdSecret = Buffer | string;

/** What our Message-ID needs: the interaction it threads back to, the sending domain and the key. */
export interface CreateMessageIdInput {
  /** A UUID or a decimal id; UUIDs are written lower case. */
  interactionId: string;
  /** Random by default; pass one ([a-z0-9]{8,64}) only to make ids reproducible, e.g. in tests. */
  nonce?: string;
  /** The right-hand side, usually the campaign's sending domain. */
  domain: string;
  /** At least 16 bytes; the current key when keys are rotated. */
  secret: MessageIdSecret;
}

/** What a verified Message-ID tells us: whose thread it belongs to, and the domain it was sent with. */
export interface VerifiedMessageId {
  interactionId: string;
  domain: string;
}

/**
 * Builds the Message-ID of an outbound message (without angle brackets) so a
 * customer's reply can be threaded back to its interaction by the id alone,
 * and nobody without the key can make an id that names an interaction.
 * Throws a RangeError naming the field when an input is malformed.
 */
export function createMessageId(input: CreateMessageIdInput): string {
  const interactionId = canonicalInteractionId(input.interactionId);
  if (interactionId === null) throw new RangeError('interactionId must be a UUID or a decimal id');
  const nonce = input.nonce ?? base32(randomBytes(NONCE_BYTES));
  if (!NONCE.test(nonce)) throw new RangeError('nonce must be 8 to 64 characters of [a-z0-9]');
  if (!DOMAIN.test(input.domain)) throw new RangeError('domain must be a host name such as mail.example.com');
  const key = secretBytes(input.secret);
  if (key.length < MIN_SECRET_BYTES) throw new RangeError(`secret must be at least ${MIN_SECRET_BYTES} bytes`);
  return `${PREFIX}.${interactionId}.${nonce}.${base32(mac(key, interactionId, nonce))}@${input.domain.toLowerCase()}`;
}

/**
 * Checks that a Message-ID (from In-Reply-To or References, with or without
 * angle brackets) is one of ours and untampered, and returns the interaction
 * it names; null for anything else. Accepts several keys so ids sent before a
 * key rotation still thread: list the current key first, then the old ones.
 * The MAC is compared in constant time.
 */
export function verifyMessageId(id: string, secrets: MessageIdSecret | readonly MessageIdSecret[]): VerifiedMessageId | null {
  if (id.length > MAX_ID_LENGTH + 4) return null;
  let bare = id.trim();
  if (bare.startsWith('<') && bare.endsWith('>')) bare = bare.slice(1, -1);
  if (bare.length > MAX_ID_LENGTH) return null;
  const at = bare.lastIndexOf('@');
  if (at <= 0) return null;
  const domain = bare.slice(at + 1).toLowerCase();
  if (!DOMAIN.test(domain)) return null;

  const parts = bare.slice(0, at).toLowerCase().split('.');
  if (parts.length !== 4) return null;
  const [prefix, interactionId, nonce, macText] = parts as [string, string, string, string];
  if (prefix !== PREFIX || canonicalInteractionId(interactionId) !== interactionId) return null;
  if (!NONCE.test(nonce) || !MAC.test(macText)) return null;
  const presented = unbase32(macText);
  if (presented === null || presented.length !== MAC_BYTES) return null;

  const keys = (Array.isArray(secrets) ? secrets : [secrets]) as readonly MessageIdSecret[];
  let valid = false;
  for (const secret of keys) {
    const key = secretBytes(secret);
    if (key.length < MIN_SECRET_BYTES) continue;
    // every key is tried, so the time taken does not say which one matched
    if (timingSafeEqual(presented, mac(key, interactionId, nonce))) valid = true;
  }
  return valid ? { interactionId, domain } : null;
}

function canonicalInteractionId(value: string): string | null {
  const lower = value.toLowerCase();
  if (UUID.test(lower)) return lower;
  return DECIMAL.test(value) ? value : null;
}

function secretBytes(secret: MessageIdSecret): Buffer {
  return typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
}

function mac(key: Buffer, interactionId: string, nonce: string): Buffer {
  return createHmac('sha256', key).update(`${MAC_LABEL}\u0000${interactionId}\u0000${nonce}`, 'utf8').digest().subarray(0, MAC_BYTES);
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

// RFC 4648 base32, lower case, no padding: safe in a Message-ID's local part and case-insensitive.
function base32(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

function unbase32(text: string): Buffer | null {
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of text) {
    const digit = ALPHABET.indexOf(char);
    if (digit < 0) return null;
    value = ((value << 5) | digit) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  // leftover bits must be zero padding, so each MAC has exactly one spelling
  if ((value & ((1 << bits) - 1)) !== 0) return null;
  return Buffer.from(out);
}
