import { describe, expect, it } from 'vitest';
import { oneLine } from './one-line.ts';

describe('oneLine', () => {
  const cases: Array<[string, string, string]> = [
    ['CRLF from an encoded word', 'Ann\r\nBcc: evil@x.test', 'Ann Bcc: evil@x.test'],
    ['folding whitespace left in', 'Broken\r\n subject', 'Broken subject'],
    ['bare CR, LF, tab, NUL, DEL', 'a\rb\nc\td\u0000e\u007ff', 'a b c d e f'],
    ['runs of spaces collapse, ends trimmed', '  Ann   Lee \r\n', 'Ann Lee'],
    ['nothing to do', 'Ana López', 'Ana López'],
    ['only control characters', '\r\n\t', ''],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(oneLine(input)).toBe(expected);
  });
});
