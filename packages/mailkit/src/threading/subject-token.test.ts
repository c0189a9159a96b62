import { describe, expect, it } from 'vitest';
import { addSubjectToken, answerSubject, findSubjectTokens, formatSubjectToken, normalizeSubject, stripSubjectToken, type SubjectToken } from './subject-token.ts';

describe('addSubjectToken', () => {
  const cases: Array<[string, string, string, number, string]> = [
    ['appends to a plain subject', 'Order 55 is late', 'SUP', 123, 'Order 55 is late [#SUP-123]'],
    ['keeps the reply prefix in front', 'Re: Order 55 is late', 'SUP', 123, 'Re: Order 55 is late [#SUP-123]'],
    ['does not add the same token twice', 'Re: Order 55 is late [#SUP-123]', 'SUP', 123, 'Re: Order 55 is late [#SUP-123]'],
    ['leaves a subject with the token elsewhere unchanged', 'Re: [#SUP-123] Order', 'SUP', 123, 'Re: [#SUP-123] Order'],
    ['replaces an older token of the same campaign', 'Re: Order [#SUP-99]', 'SUP', 123, 'Re: Order [#SUP-123]'],
    ['replaces a lower-case spelling of its own token', 'Re: Order [#sup-123]', 'SUP', 123, 'Re: Order [#SUP-123]'],
    ['keeps other campaigns\u2019 tokens', 'Fwd: Order [#BIL-7]', 'SUP', 1, 'Fwd: Order [#BIL-7] [#SUP-1]'],
    ['gives an empty subject just the token', '', 'K', 5, '[#K-5]'],
    ['collapses whitespace left behind', '  Order   [#SUP-9]  late ', 'SUP', 10, 'Order late [#SUP-10]'],
    ['keeps non-ASCII text', 'Réclamation 📦', 'FR1', 2, 'Réclamation 📦 [#FR1-2]'],
  ];
  it.each(cases)('%s', (_name, subject, key, number, expected) => {
    expect(addSubjectToken(subject, key, number)).toBe(expected);
  });

  const transferred: Array<[string, string, string, number, string[], string]> = [
    ['keeps one token after a transfer', 'Re: Hello [#SUP-1]', 'BIL', 1, ['SUP', 'BIL'], 'Re: Hello [#BIL-1]'],
    ['drops every earlier campaign of the thread', '[#SUP-1] Re: Hello [#OPS-1]', 'BIL', 1, ['sup', 'OPS'], 'Re: Hello [#BIL-1]'],
    ['keeps a token that is not ours', 'Re: Case [#ZZ-4] [#SUP-1]', 'BIL', 1, ['SUP'], 'Re: Case [#ZZ-4] [#BIL-1]'],
    ['keeps its own token in place when alone', 'Re: [#BIL-1] Hello', 'BIL', 1, ['SUP'], 'Re: [#BIL-1] Hello'],
  ];
  it.each(transferred)('%s', (_name, subject, key, number, own, expected) => {
    expect(addSubjectToken(subject, key, number, own)).toBe(expected);
  });

  it('is idempotent', () => {
    const once = addSubjectToken('Re: Hello [#A-1]', 'SUP', 4);
    expect(addSubjectToken(once, 'SUP', 4)).toBe(once);
  });

  const bad: Array<[string, string, number]> = [
    ['a lower-case key', 'sup', 1],
    ['a six-character key', 'ABCDEF', 1],
    ['an empty key', '', 1],
    ['a key with a dash', 'A-B', 1],
    ['zero', 'SUP', 0],
    ['a negative number', 'SUP', -3],
    ['a fraction', 'SUP', 1.5],
    ['an unsafe integer', 'SUP', 2 ** 60],
  ];
  it.each(bad)('refuses %s', (_name, key, number) => {
    expect(() => addSubjectToken('x', key, number)).toThrow(RangeError);
    expect(() => formatSubjectToken(key, number)).toThrow(RangeError);
  });
});

describe('findSubjectTokens', () => {
  const cases: Array<[string, string, SubjectToken[]]> = [
    ['none', 'Hello', []],
    ['one at the end', 'Re: Hello [#SUP-123]', [{ key: 'SUP', number: 123 }]],
    ['one at the start', '[#K-1] Hello', [{ key: 'K', number: 1 }]],
    ['several, in order', 'AW: [#B2-7] Fwd: x [#SUP-123]', [{ key: 'B2', number: 7 }, { key: 'SUP', number: 123 }]],
    ['duplicates once', '[#K-1] Re: [#K-1]', [{ key: 'K', number: 1 }]],
    ['a lower-case key, upper-cased', 'Re: x [#sup-5]', [{ key: 'SUP', number: 5 }]],
    ['five-character keys', '[#ABCDE-9]', [{ key: 'ABCDE', number: 9 }]],
    ['not six-character keys', '[#ABCDEF-9]', []],
    ['not a leading zero', '[#K-012]', []],
    ['not zero', '[#K-0]', []],
    ['not without the hash', '[K-12]', []],
    ['not with spaces inside', '[# K-12]', []],
    ['not a number too large to be exact', '[#K-9999999999999999]', []],
  ];
  it.each(cases)('finds %s', (_name, subject, expected) => {
    expect(findSubjectTokens(subject)).toEqual(expected);
  });
});

describe('stripSubjectToken', () => {
  const cases: Array<[string, string, string | undefined, string]> = [
    ['removes the token', 'Re: Hello [#SUP-123]', undefined, 'Re: Hello'],
    ['removes every token', '[#A-1] Hello [#B-2]', undefined, 'Hello'],
    ['removes one campaign\u2019s tokens only', '[#A-1] Hello [#B-2]', 'B', '[#A-1] Hello'],
    ['matches the key in any case', 'Hello [#b-2]', 'B', 'Hello'],
    ['leaves a subject without tokens', 'Hello  world', undefined, 'Hello world'],
  ];
  it.each(cases)('%s', (_name, subject, key, expected) => {
    expect(stripSubjectToken(subject, key)).toBe(expected);
  });
});

describe('normalizeSubject', () => {
  const cases: Array<[string, string]> = [
    ['Invoice', 'Invoice'],
    ['Re: Invoice', 'Invoice'],
    ['RE: Fwd: AW: WG: Invoice', 'Invoice'],
    ['re:re:Invoice', 'Invoice'],
    ['Fw: Invoice', 'Invoice'],
    ['RV: R: Antw: SV: TR: Invoice', 'Invoice'],
    ['RE : Facture', 'Facture'],
    ['Re[2]: Invoice', 'Invoice'],
    ['Re(3): Invoice', 'Invoice'],
    ['Re：Invoice', 'Invoice'],
    ['  Re:   Invoice\t for\n May  ', 'Invoice for May'],
    ['Re: [#SUP-1] Invoice', '[#SUP-1] Invoice'],
    ['Re: Invoice [#SUP-1]', 'Invoice [#SUP-1]'],
    ['Re:', ''],
    ['', ''],
    ['Reply needed', 'Reply needed'],
    ['Regarding: invoice', 'Regarding: invoice'],
    ['Travel: plans', 'Travel: plans'],
    ['Invoice Re: May', 'Invoice Re: May'],
  ];
  it.each(cases)('%j → %j', (subject, expected) => {
    expect(normalizeSubject(subject)).toBe(expected);
  });
});

describe('answerSubject', () => {
  const cases: Array<['reply' | 'forward', string, string]> = [
    ['reply', 'Invoice', 'Re: Invoice'],
    ['reply', 'Re: Invoice', 'Re: Invoice'],
    ['reply', 'Re: Re: Invoice', 'Re: Invoice'],
    ['reply', 'RE: Invoice', 'Re: Invoice'],
    ['reply', 'Aw: Invoice', 'Re: Invoice'],
    ['reply', 'R: Fattura', 'Re: Fattura'],
    ['reply', 'RV: Factura', 'Re: Factura'],
    ['reply', 'Re: Invoice [#SUP-1]', 'Re: Invoice [#SUP-1]'],
    ['forward', 'Re: Fwd: Invoice', 'Fwd: Invoice'],
    ['reply', 'Re:', 'Re: (no subject)'],
  ];
  it.each(cases)('%s %j → %j', (kind, subject, expected) => {
    expect(answerSubject(kind, subject)).toBe(expected);
  });
});
