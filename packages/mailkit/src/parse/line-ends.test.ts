import { describe, expect, it } from 'vitest';
import { normalizeLineEnds } from './line-ends.ts';

const show = (s: string): string => s.replace(/\r/g, '<CR>').replace(/\n/g, '<LF>');

describe('normalizeLineEnds', () => {
  it.each([
    ['LF only: as it is', 'a\nb\n\nc', 'a\nb\n\nc'],
    ['CRLF only: as it is', 'a\r\nb\r\n\r\nc', 'a\r\nb\r\n\r\nc'],
    ['CR only: each CR a line end', 'a\rb\r\rc\r', 'a\nb\n\nc\n'],
    ['mixed CRLF, LF and CR', 'a\r\nb\nc\rd\r\n\re', 'a\r\nb\nc\nd\r\n\ne'],
    ['no bare CR: a run of CRs before LF stays one line end, as the scanner reads it', 'a\r\r\nb\r\n', 'a\r\r\nb\r\n'],
    ['with bare CRs: a CR before CR LF is a line end of its own', 'a\rb\r\r\nc', 'a\nb\n\r\nc'],
    ['a run of CRs before text is that many line ends', 'a\r\rb', 'a\n\nb'],
    ['a CR at the very end', 'a\r', 'a\n'],
    ['nothing at all', '', ''],
  ])('%s', (_name, input, expected) => {
    expect(show(normalizeLineEnds(Buffer.from(input, 'latin1')).toString('latin1'))).toBe(show(expected));
  });

  it('returns the same buffer, not a copy, when there is no bare CR', () => {
    for (const s of ['a\r\nb\r\n', 'a\nb\n', 'no line end']) {
      const buf = Buffer.from(s);
      expect(normalizeLineEnds(buf)).toBe(buf);
    }
  });

  it('never changes the buffer it was given', () => {
    const buf = Buffer.from('a\rb\r');
    const copy = Buffer.from(buf);
    expect(normalizeLineEnds(buf)).not.toBe(buf);
    expect(buf.equals(copy)).toBe(true);
  });
});
