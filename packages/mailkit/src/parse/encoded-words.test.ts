import { describe, expect, it } from 'vitest';
import { decodeCharset } from './charset.ts';
import { decodeEncodedWords } from './encoded-words.ts';
import { parseStructuredValue } from './header-params.ts';
import { extractMessageIds } from './message-id.ts';
import { decodeQuotedPrintable } from './transfer-encoding.ts';

describe('decodeEncodedWords', () => {
  const cases: Array<[string, string, string]> = [
    ['plain text untouched', 'Hello world', 'Hello world'],
    ['Q to <script>, kept as text', '=?utf-8?Q?=3Cscript=3Ealert(1)=3C/script=3E?=', '<script>alert(1)</script>'],
    ['B to <script>, kept as text', '=?UTF-8?B?PHNjcmlwdD4=?=', '<script>'],
    ['underscore is a space in Q', '=?iso-8859-1?Q?Caf=E9_cr=E8me?=', 'Café crème'],
    ['whitespace between adjacent words dropped', '=?utf-8?Q?a?= =?utf-8?Q?b?=', 'ab'],
    ['text between words kept', '=?utf-8?Q?a?= and =?utf-8?Q?b?=', 'a and b'],
    ['multibyte char split across words', '=?utf-8?B?5pel?= =?utf-8?B?5pys?=', '日本'],
    ['split across words mid-character', '=?utf-8?Q?=E6=97?= =?utf-8?Q?=A5?=', '日'],
    ['ISO-2022-JP', '=?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=', '日本語'],
    ['RFC 2231 language suffix', '=?utf-8*en?Q?hi?=', 'hi'],
    ['unknown charset falls back to UTF-8', '=?x-nonsense?Q?caf=C3=A9?=', 'café'],
    ['UTF-7 refused (would smuggle <script>)', '=?utf-7?Q?+ADw-script+AD4-?=', '+ADw-script+AD4-'],
    ['malformed word left alone', '=?utf-8?X?abc?=', '=?utf-8?X?abc?='],
  ];
  it.each(cases)('%s', (_label, input, expected) => {
    expect(decodeEncodedWords(input)).toBe(expected);
  });
});

describe('decodeCharset', () => {
  const cases: Array<[string, Buffer, string | undefined, string]> = [
    ['undeclared valid UTF-8', Buffer.from('café'), undefined, 'café'],
    ['declared ASCII but 8-bit latin-1', Buffer.from([0x63, 0x61, 0x66, 0xe9]), 'us-ascii', 'café'],
    ['windows-1252', Buffer.from([0x80]), 'windows-1252', '€'],
    ['quoted label', Buffer.from('x'), '"utf-8"', 'x'],
    ['cp932 alias', Buffer.from([0x93, 0xfa]), 'cp932', '日'],
    ['unknown charset never throws', Buffer.from('x'), 'no-such-charset', 'x'],
  ];
  it.each(cases)('%s', (_label, bytes, charset, expected) => {
    expect(decodeCharset(bytes, charset)).toBe(expected);
  });
});

describe('parseStructuredValue', () => {
  const cases: Array<[string, string, string, Record<string, string>]> = [
    ['simple', 'text/plain; charset=UTF-8', 'text/plain', { charset: 'UTF-8' }],
    ['quoted with ; inside', 'multipart/mixed; boundary="a;b=c"', 'multipart/mixed', { boundary: 'a;b=c' }],
    ['comments dropped', 'text/plain (comment; x=y); charset=utf-8 (c)', 'text/plain', { charset: 'utf-8' }],
    ['names lowercased, first wins', 'Text/HTML; CHARSET=a; charset=b', 'text/html', { charset: 'a' }],
    ['RFC 2231 single', "attachment; filename*=utf-8''na%C3%AFve.txt", 'attachment', { filename: 'naïve.txt' }],
    ['RFC 2231 continuations', "attachment; filename*0*=utf-8''a%20b; filename*1=c.txt", 'attachment', { filename: 'a bc.txt' }],
    ['RFC 2231 wins over plain', "attachment; filename=plain.txt; filename*=utf-8''real.txt", 'attachment', { filename: 'real.txt' }],
    ['RFC 2047 in a quoted filename', 'attachment; filename="=?utf-8?B?w6kudHh0?="', 'attachment', { filename: 'é.txt' }],
    ['boundary with =? not decoded', 'multipart/mixed; boundary="=?x?Q?y?="', 'multipart/mixed', { boundary: '=?x?Q?y?=' }],
    ['escaped quote', 'attachment; filename="a\\"b.txt"', 'attachment', { filename: 'a"b.txt' }],
    ['__proto__ is an own key, not a prototype', 'x/y; __proto__=z', 'x/y', { ['__proto__']: 'z' }],
  ];
  it.each(cases)('%s', (_label, input, value, params) => {
    const parsed = parseStructuredValue(input);
    expect(parsed.value).toBe(value);
    expect(Object.entries(parsed.params)).toEqual(Object.entries(params));
    expect(Object.getPrototypeOf(parsed.params)).toBe(Object.prototype);
  });
});

describe('extractMessageIds', () => {
  const cases: Array<[string | undefined, string[]]> = [
    [undefined, []],
    ['<a@b>', ['a@b']],
    ['<a@b> <c@d>\r\n <a@b>', ['a@b', 'c@d']],
    ['Your message of Mon, 1 Jan <x@y.z>', ['x@y.z']],
    ['8787KJKJ3K4J3K4J3K4J3.mail@example.net', ['8787KJKJ3K4J3K4J3K4J3.mail@example.net']],
    ['just words', []],
  ];
  it.each(cases)('%s', (value, expected) => {
    expect(extractMessageIds(value)).toEqual(expected);
  });
});

describe('decodeQuotedPrintable', () => {
  const cases: Array<[string, string]> = [
    ['a=3Db', 'a=b'],
    ['soft=\r\nbreak', 'softbreak'],
    ['soft=\nbreak', 'softbreak'],
    ['padded soft=  \r\nbreak', 'padded softbreak'],
    ['bad =ZZ kept', 'bad =ZZ kept'],
    ['trailing =', 'trailing ='],
  ];
  it.each(cases)('%s', (input, expected) => {
    expect(decodeQuotedPrintable(Buffer.from(input)).toString('latin1')).toBe(expected);
  });
});
