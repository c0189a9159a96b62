import { describe, expect, it } from 'vitest';
import { classifyError } from '../verify/classify-error.ts';
import { announcedOctets, loginRefused, parseListLine, parseUidlLine, stripStatus } from './pop3-reply.ts';

describe('parseUidlLine', () => {
  it.each([
    ['1 abc', { msg: 1, uid: 'abc' }],
    ['42 000000010000002a', { msg: 42, uid: '000000010000002a' }],
    [`7 ${'!'.repeat(70)}`, { msg: 7, uid: '!'.repeat(70) }],
    ['3 ~{}[]', { msg: 3, uid: '~{}[]' }],
  ])('accepts %j', (line, entry) => {
    expect(parseUidlLine(line)).toEqual(entry);
  });
  it.each(['', '1', '1 ', '0 abc', '01 abc', '-1 abc', 'x abc', '1 a b', '1  abc', `1 ${'a'.repeat(71)}`, '1 caf\xe9', '1 a\tb', '12345678901 a'])(
    'rejects %j',
    (line) => {
      expect(parseUidlLine(line)).toBeUndefined();
    },
  );
});

describe('parseListLine', () => {
  it.each([
    ['1 120', { msg: 1, size: 120 }],
    ['2 0', { msg: 2, size: 0 }],
    ['3 5000 extra words', { msg: 3, size: 5000 }],
  ])('accepts %j', (line, entry) => {
    expect(parseListLine(line)).toEqual(entry);
  });
  it.each(['', '1', '0 5', 'a 5', '1 -5', '1 5x', '1 1.5'])('rejects %j', (line) => {
    expect(parseListLine(line)).toBeUndefined();
  });
});

describe('loginRefused', () => {
  it.each([
    ['-ERR [AUTH] Authentication failed.', 'auth_failed'],
    ['-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.', 'tls_failed'],
    ['-ERR [IN-USE] Mailbox is locked by another session', 'protocol_error'],
    ['-ERR [SYS/TEMP] Temporary authentication failure.', 'auth_unavailable'],
    ['garbage', 'auth_failed'],
  ])('classifies %j', (line, code) => {
    const err = loginRefused(line);
    expect(err.code).toBe(code);
    expect(classifyError(err)).toBe(code);
    expect(err.serverText).toBe(stripStatus(line));
  });
});

describe('announcedOctets', () => {
  it.each([
    ['+OK 1234 octets', 1234],
    ['+OK 0 octets follow', 0],
    ['+OK message follows', undefined],
    ['+OK', undefined],
  ])('reads %j', (line, n) => {
    expect(announcedOctets(line)).toBe(n);
  });
});
