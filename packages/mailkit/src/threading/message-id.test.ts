import { describe, expect, it } from 'vitest';
import { createMessageId, verifyMessageId, type CreateMessageIdInput } from './message-id.ts';

const SECRET = 'k'.repeat(32);
const OLD_SECRET = Buffer.alloc(32, 7);
const UUID = '4b0d2c1e-9f3a-4e21-8c6b-5d7e8f9a0b1c';
const base: CreateMessageIdInput = { interactionId: UUID, nonce: 'abcdefgh23', domain: 'mail.example.com', secret: SECRET };

describe('createMessageId', () => {
  it('writes pd.<interaction>.<nonce>.<mac>@<domain> without angle brackets', () => {
    const id = createMessageId(base);
    expect(id).toMatch(/^pd\.4b0d2c1e-9f3a-4e21-8c6b-5d7e8f9a0b1c\.abcdefgh23\.[a-z2-7]{26}@mail\.example\.com$/);
  });

  it('is reproducible for a given nonce and different for another', () => {
    expect(createMessageId(base)).toBe(createMessageId(base));
    expect(createMessageId(base)).not.toBe(createMessageId({ ...base, nonce: 'abcdefgh24' }));
  });

  it('draws a fresh random nonce by default', () => {
    const { nonce: _nonce, ...noNonce } = base;
    const a = createMessageId(noNonce);
    const b = createMessageId(noNonce);
    expect(a).not.toBe(b);
    expect(a.split('.')[2]).toMatch(/^[a-z2-7]{16}$/);
  });

  it('lower-cases UUIDs and domains, keeps decimal ids', () => {
    expect(createMessageId({ ...base, interactionId: UUID.toUpperCase(), domain: 'Mail.Example.COM' })).toBe(createMessageId(base));
    expect(createMessageId({ ...base, interactionId: '90210' })).toMatch(/^pd\.90210\.abcdefgh23\./);
  });

  const bad: Array<[string, Partial<CreateMessageIdInput>, RegExp]> = [
    ['empty interaction id', { interactionId: '' }, /interactionId/],
    ['interaction id with a dot', { interactionId: '12.3' }, /interactionId/],
    ['interaction id with a leading zero', { interactionId: '0123' }, /interactionId/],
    ['interaction id that is not a uuid', { interactionId: 'not-a-uuid' }, /interactionId/],
    ['nonce too short', { nonce: 'abc' }, /nonce/],
    ['nonce with a dot', { nonce: 'abcd.efgh' }, /nonce/],
    ['nonce in upper case', { nonce: 'ABCDEFGH' }, /nonce/],
    ['domain with CRLF', { domain: 'example.com\r\nBcc: x@y.z' }, /domain/],
    ['domain with @', { domain: 'a@example.com' }, /domain/],
    ['empty domain', { domain: '' }, /domain/],
    ['secret shorter than 16 bytes', { secret: 'short' }, /secret/],
  ];
  it.each(bad)('refuses %s', (_name, patch, message) => {
    expect(() => createMessageId({ ...base, ...patch })).toThrow(message);
  });
});

describe('verifyMessageId', () => {
  const id = createMessageId(base);
  const decimal = createMessageId({ ...base, interactionId: '42' });
  const oldId = createMessageId({ ...base, secret: OLD_SECRET });

  const accepted: Array<[string, string, Parameters<typeof verifyMessageId>[1], string]> = [
    ['a bare id', id, SECRET, UUID],
    ['an id in angle brackets with space around', ` <${id}> `, SECRET, UUID],
    ['an id whose case a relay changed', id.toUpperCase(), SECRET, UUID],
    ['a decimal interaction id', decimal, SECRET, '42'],
    ['a Buffer secret equal to the string', id, Buffer.from(SECRET), UUID],
    ['an id made with an old key, old key still listed', oldId, [SECRET, OLD_SECRET], UUID],
    ['an id made with the current key, keys listed', id, [SECRET, OLD_SECRET], UUID],
    ['the same id at another domain (the domain is not signed)', id.replace('@mail.example.com', '@other.example'), SECRET, UUID],
  ];
  it.each(accepted)('accepts %s', (_name, value, secrets, interactionId) => {
    expect(verifyMessageId(value, secrets)).toMatchObject({ interactionId });
  });

  it('returns the domain the id was sent with', () => {
    expect(verifyMessageId(`<${id}>`, SECRET)).toEqual({ interactionId: UUID, domain: 'mail.example.com' });
  });

  const local = id.slice(0, id.indexOf('@'));
  const [, , nonce, mac] = local.split('.') as [string, string, string, string];
  // the last base32 character of a 16-byte MAC carries 2 padding bits; the same bytes with padding bits set
  const lastIndex = 'abcdefghijklmnopqrstuvwxyz234567'.indexOf(mac.at(-1)!);
  const paddedMac = mac.slice(0, -1) + 'abcdefghijklmnopqrstuvwxyz234567'[lastIndex | 1];
  const rejected: Array<[string, string, Parameters<typeof verifyMessageId>[1]]> = [
    ['the wrong key', id, 'w'.repeat(32)],
    ['an id from a retired key no longer listed', oldId, SECRET],
    ['no keys at all', id, []],
    ['a key too short to be one', id, 'k'],
    ['another interaction with the same MAC', id.replace(UUID, '4b0d2c1e-9f3a-4e21-8c6b-5d7e8f9a0b1d'), SECRET],
    ['a decimal id swapped for another', decimal.replace('pd.42.', 'pd.43.'), SECRET],
    ['another nonce with the same MAC', id.replace(nonce, 'abcdefgh24'), SECRET],
    ['a MAC with non-zero padding bits', id.replace(mac, paddedMac), SECRET],
    ['a truncated MAC', id.replace(mac, mac.slice(0, -1)), SECRET],
    ['a longer MAC', id.replace(mac, `${mac}a`), SECRET],
    ['another prefix', id.replace(/^pd\./, 'px.'), SECRET],
    ['an extra part', id.replace(/^pd\./, 'pd.x.'), SECRET],
    ['no domain', local, SECRET],
    ['an empty domain', `${local}@`, SECRET],
    ['a domain with a space', `${local}@mail example.com`, SECRET],
    ['an empty string', '', SECRET],
    ['someone else\u2019s Message-ID', '<CAF=abc123@mail.gmail.com>', SECRET],
    ['a huge value', `${'a'.repeat(10_000)}@example.com`, SECRET],
  ];
  it.each(rejected)('rejects %s', (_name, value, secrets) => {
    expect(verifyMessageId(value, secrets)).toBeNull();
  });

  it('rejects every single-character change to the signed part', () => {
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789.-';
    for (let i = 0; i < local.length; i++) {
      const replacement = alphabet[(alphabet.indexOf(local[i]!) + 1) % alphabet.length]!;
      const forged = `${local.slice(0, i)}${replacement}${local.slice(i + 1)}@mail.example.com`;
      expect(verifyMessageId(forged, SECRET), forged).toBeNull();
    }
  });
});
