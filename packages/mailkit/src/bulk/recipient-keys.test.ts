import { describe, expect, it } from 'vitest';
import { verifyMessageId } from '../threading/index.ts';
import { recipientKeys, verifyRecipientMessageId, verifyRecipientToken } from './recipient-keys.ts';

const key = Buffer.alloc(32, 1);
const oldKey = Buffer.alloc(32, 2);
const flipFirstMacChar = (token: string): string => {
  const [row, mac] = token.split('-') as [string, string];
  return `${row}-${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
};

describe('recipientKeys', () => {
  it('is the same for the same row, different for another row', () => {
    expect(recipientKeys(key, 42, 'Acme.test')).toEqual(recipientKeys(key, '42', 'acme.test'));
    const a = recipientKeys(key, 42, 'acme.test');
    const b = recipientKeys(key, 43, 'acme.test');
    expect(a.messageId).not.toBe(b.messageId);
    expect(a.token.split('-')[1]).not.toBe(b.token.split('-')[1]);
    expect(a.messageId).toMatch(/^pdd\.42\.[a-z2-7]{26}@acme\.test$/);
    expect(a.token).toMatch(/^42-[A-Za-z0-9_-]{22}$/);
  });

  it('verifies its own values, with the current or an older key', () => {
    const k = recipientKeys(oldKey, 42, 'acme.test');
    expect(verifyRecipientToken(k.token, [key, oldKey])).toBe('42');
    expect(verifyRecipientMessageId(`<${k.messageId.toUpperCase()}>`, [key, oldKey])).toBe('42');
    expect(verifyRecipientToken(k.token, key)).toBeNull();
  });

  const forged: Array<[string, string]> = [
    ['another row with this MAC', recipientKeys(key, 42, 'a.test').token.replace(/^42-/, '43-')],
    ['a changed MAC', flipFirstMacChar(recipientKeys(key, 42, 'a.test').token)],
    ['padding', recipientKeys(key, 42, 'a.test').token + '=='],
    ['no MAC', '42-'],
    ['a leading zero', '042-' + recipientKeys(key, 42, 'a.test').token.split('-')[1]],
    ['garbage', '../../etc/passwd'],
  ];
  it.each(forged)('refuses a token with %s', (_n, token) => {
    expect(verifyRecipientToken(token, key)).toBeNull();
  });

  it('is never taken for an interaction’s Message-ID', () => {
    expect(verifyMessageId(recipientKeys(key, 42, 'acme.test').messageId, key)).toBeNull();
  });

  it('refuses a short key and a bad row id', () => {
    expect(() => recipientKeys(Buffer.alloc(8), 1, 'a.test')).toThrow(RangeError);
    expect(() => recipientKeys(key, '0', 'a.test')).toThrow(RangeError);
    expect(() => recipientKeys(key, '1; DROP', 'a.test')).toThrow(RangeError);
  });
});
