import { describe, expect, it } from 'vitest';
import { isUnsubscribeUrl, listUnsubscribeHeaders } from './list-unsubscribe.ts';

describe('listUnsubscribeHeaders', () => {
  it('writes the RFC 8058 pair', () => {
    expect(listUnsubscribeHeaders('https://desk.example.com/u/1-abc')).toEqual([
      ['List-Unsubscribe', '<https://desk.example.com/u/1-abc>'],
      ['List-Unsubscribe-Post', 'List-Unsubscribe=One-Click'],
    ]);
  });

  it('adds a mailto alternative when given', () => {
    expect(listUnsubscribeHeaders('https://d.example/u/1', 'unsub@acme.test')[0]![1]).toBe('<https://d.example/u/1>, <mailto:unsub@acme.test?subject=unsubscribe>');
  });

  const urls: Array<[string, boolean]> = [
    ['https://desk.example.com/u/1', true],
    ['http://127.0.0.1:8080/u/1', true],
    ['ftp://desk.example.com/u/1', false],
    ['javascript:alert(1)', false],
    ['https://desk.example.com/u/1>, <https://evil.example/', false],
    ['https://desk.example.com/u/1\r\nBcc: x@y', false],
    ['https://user:pw@desk.example.com/u/1', false],
    ['/u/1', false],
    [`https://desk.example.com/${'a'.repeat(1000)}`, false],
  ];
  it.each(urls)('%s usable: %s', (url, ok) => {
    expect(isUnsubscribeUrl(url)).toBe(ok);
    if (!ok) expect(() => listUnsubscribeHeaders(url)).toThrow(RangeError);
  });
});
