import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// A rating link carries a random key (stored on the message) and a MAC of it
// under the mail secret: the key makes the link unguessable, the MAC lets us
// refuse forged or truncated tokens without touching the database.
const KEY_BYTES = 12;
const MAC_BYTES = 12;

const mac = (secret: Buffer, key: Buffer): Buffer => createHmac('sha256', secret).update('rating\0').update(key).digest().subarray(0, MAC_BYTES);

/** A fresh random key for the rating links of one outgoing message. */
export const newRatingKey = (): Buffer => randomBytes(KEY_BYTES);

/** The token put in the message's rating links. */
export const ratingToken = (secret: Buffer, key: Buffer): string => Buffer.concat([key, mac(secret, key)]).toString('base64url');

/** The key a token names, or null when the token is malformed or not ours. */
export function verifyRatingToken(secret: Buffer, token: string): Buffer | null {
  if (!/^[A-Za-z0-9_-]{32}$/.test(token)) return null;
  const raw = Buffer.from(token, 'base64url');
  if (raw.length !== KEY_BYTES + MAC_BYTES) return null;
  const key = raw.subarray(0, KEY_BYTES);
  return timingSafeEqual(raw.subarray(KEY_BYTES), mac(secret, key)) ? key : null;
}
