import { describe, expect, it } from 'vitest';
import { decodeQuotedPrintable, encodeQuotedPrintableSegment } from './quoted-printable.ts';

const lines = (encoded: string): string[] => encoded.split('\r\n').slice(0, -1);

describe('encodeQuotedPrintableSegment', () => {
  const cases: Array<[string, string, string]> = [
    ['plain text ends with a soft break', 'Hello', 'Hello=\r\n'],
    ['"=" is always encoded', 'a=b', 'a=3Db=\r\n'],
    ['a line break is a hard break', 'a\nb', 'a\r\nb=\r\n'],
    ['CRLF is one hard break', 'a\r\nb\r\n', 'a\r\nb\r\n'],
    ['a lone CR is data', 'a\rb', 'a=0Db=\r\n'],
    ['a "." starting a line is encoded', '.x\n.y', '=2Ex\r\n=2Ey=\r\n'],
    ['"From " starting a line is encoded', 'From me\nFromage', '=46rom me\r\nFromage=\r\n'],
    ['a space before a hard break is encoded', 'a \nb', 'a=20\r\nb=\r\n'],
    ['a tab before a hard break is encoded', 'a\t\n', 'a=09\r\n'],
    ['a space at the end stays (a soft break follows)', 'a ', 'a =\r\n'],
    ['UTF-8 bytes are encoded', 'é€', '=C3=A9=E2=82=AC=\r\n'],
    ['an astral character is one 4-byte sequence', '😀', '=F0=9F=98=80=\r\n'],
    ['a lone surrogate becomes U+FFFD', '\ud800x', '=EF=BF=BDx=\r\n'],
    ['the empty string is empty', '', ''],
  ];
  it.each(cases)('%s', (_n, input, output) => {
    expect(encodeQuotedPrintableSegment(input)).toBe(output);
  });

  it('keeps every line within 76 characters, never splitting an =XX', () => {
    const text = 'x'.repeat(74) + 'é'.repeat(40) + ' '.repeat(80) + '\n' + 'y'.repeat(75) + ' \n' + '.'.repeat(200);
    const encoded = encodeQuotedPrintableSegment(text);
    for (const l of lines(encoded)) {
      expect(l.length).toBeLessThanOrEqual(76);
      expect(l).not.toMatch(/=[0-9A-F]?$(?<!=)/);
      expect(l.startsWith('.')).toBe(false);
    }
    expect(decodeQuotedPrintable(encoded)).toBe(text.replace(/\n/g, '\r\n'));
  });

  it('decodes segments encoded apart to the text they were cut from', () => {
    const pieces = ['<p>Dear ', 'Ana López', ',</p>\n<p>Your order ', '.A-1=2', ' ships.</p>'];
    const encoded = pieces.map(encodeQuotedPrintableSegment).join('');
    expect(decodeQuotedPrintable(encoded)).toBe(pieces.join('').replace(/\n/g, '\r\n'));
  });
});
