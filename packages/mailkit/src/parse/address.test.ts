import { describe, expect, it } from 'vitest';
import { canonicalAddress, normalizeAddress, parseAddressList, parseReturnPath } from './address.ts';
import type { Address } from './types.ts';

describe('parseAddressList', () => {
  const cases: Array<[string, string | undefined, Address[]]> = [
    ['absent', undefined, []],
    ['bare address', 'ann@example.com', [{ address: 'ann@example.com', name: '' }]],
    ['name and address, domain lowercased, local part kept', ' Ann Smith <Ann.Smith@EXAMPLE.Com> ', [{ address: 'Ann.Smith@example.com', name: 'Ann Smith' }]],
    ['several', 'a@x.org, "B, Jr." <b@y.org>', [
      { address: 'a@x.org', name: '' },
      { address: 'b@y.org', name: 'B, Jr.' },
    ]],
    ['group flattened', 'team: a@x.org, b@x.org;', [
      { address: 'a@x.org', name: '' },
      { address: 'b@x.org', name: '' },
    ]],
    ['empty group gives nothing', 'undisclosed-recipients:;', []],
    ['encoded display name decoded', '=?utf-8?B?SsO8cmdlbg==?= <j@example.de>', [{ address: 'j@example.de', name: 'Jürgen' }]],
    ['encoded name that looks like an address stays a name', '=?utf-8?B?IkNFTyIgPGNlb0BiYW5rLmNvbT4=?= <x@evil.example>', [{ address: 'x@evil.example', name: '"CEO" <ceo@bank.com>' }]],
    ['punycode domain decoded', 'p@xn--bcher-kva.example', [{ address: 'p@bücher.example', name: '' }]],
    ['address without @ kept as a name (MAILER-DAEMON)', 'MAILER-DAEMON', [{ address: '', name: 'MAILER-DAEMON' }]],
    ['person called Mailer', 'Mailer <mailer@Gmail.COM>', [{ address: 'mailer@gmail.com', name: 'Mailer' }]],
  ];
  it.each(cases)('%s', (_label, value, expected) => {
    expect(parseAddressList(value)).toEqual(expected);
  });
});

describe('normalizeAddress / canonicalAddress', () => {
  const cases: Array<[string, string, string]> = [
    [' Ann.Smith@EXAMPLE.com ', 'ann.smith@example.com', 'Ann.Smith@example.com'],
    ['no-at', 'no-at', 'no-at'],
    ['"Quoted@Local"@Example.COM', '"quoted@local"@example.com', '"Quoted@Local"@example.com'],
  ];
  it.each(cases)('%s', (input, normalized, canonical) => {
    expect(normalizeAddress(input)).toBe(normalized);
    expect(canonicalAddress(input)).toBe(canonical);
  });
});

describe('parseReturnPath', () => {
  const cases: Array<[string | undefined, string | null]> = [
    [undefined, null],
    ['<>', ''],
    ['< >', ''],
    ['', ''],
    ['<Bounce@Example.COM>', 'Bounce@example.com'],
    ['bounce@example.com', 'bounce@example.com'],
    ['hermes', 'hermes'],
  ];
  it.each(cases)('%s', (value, expected) => {
    expect(parseReturnPath(value)).toBe(expected);
  });
});
