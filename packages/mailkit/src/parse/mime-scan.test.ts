import { describe, expect, it } from 'vitest';
import { DEFAULT_PARSE_LIMITS } from './limits.ts';
import { scanMime } from './mime-scan.ts';

const lf = (...lines: string[]): Buffer => Buffer.from(lines.join('\n'));
const shape = (raw: Buffer): Array<[string | null, string, string]> =>
  scanMime(raw, DEFAULT_PARSE_LIMITS).map((e) => [e.path, e.contentType, e.body.toString('latin1')]);

// The boundary rules follow mailsplit's, so part numbers agree with mailparser's.
describe('scanMime', () => {
  const cases: Array<[string, Buffer, Array<[string | null, string, string]>]> = [
    ['single part', lf('Subject: x', '', 'body'), [['', 'text/plain', 'body']]],
    ['no blank line: all header', lf('Subject: x'), [['', 'text/plain', '']]],
    [
      'line break before a delimiter belongs to it; preamble and epilogue dropped',
      lf('Content-Type: multipart/mixed; boundary=b', '', 'pre', '--b', '', 'one', '', '--b', '', 'two', '--b--', 'epi'),
      [['', 'multipart/mixed', 'pre\n--b\n\none\n\n--b\n\ntwo\n--b--\nepi'], ['1', 'text/plain', 'one\n'], ['2', 'text/plain', 'two']],
    ],
    [
      'CRLF delimiters and trailing blanks on the delimiter line',
      Buffer.from('Content-Type: multipart/mixed; boundary=b\r\n\r\n--b  \r\n\r\none\r\n--b--\t\r\n'),
      [['', 'multipart/mixed', '--b  \r\n\r\none\r\n--b--\t\r\n'], ['1', 'text/plain', 'one']],
    ],
    [
      'a closing delimiter in the preamble is ignored',
      lf('Content-Type: multipart/mixed; boundary=b', '', '--b--', '--b', '', 'one', '--b--'),
      [['', 'multipart/mixed', '--b--\n--b\n\none\n--b--'], ['1', 'text/plain', 'one']],
    ],
    [
      'delimiters after the closing one are epilogue',
      lf('Content-Type: multipart/mixed; boundary=b', '', '--b', '', 'one', '--b--', '--b', '', 'late', '--b--'),
      [['', 'multipart/mixed', '--b\n\none\n--b--\n--b\n\nlate\n--b--'], ['1', 'text/plain', 'one']],
    ],
    [
      'a longer boundary is not ours',
      lf('Content-Type: multipart/mixed; boundary=b', '', '--b', '', '--bb', '--b-x', '--b--'),
      [['', 'multipart/mixed', '--b\n\n--bb\n--b-x\n--b--'], ['1', 'text/plain', '--bb\n--b-x']],
    ],
    [
      'an unclosed inner multipart ends at the outer delimiter',
      lf('Content-Type: multipart/mixed; boundary=o', '', '--o', 'Content-Type: multipart/alternative; boundary=i', '', '--i', '', 'in', '--o', '', 'after', '--o--'),
      [
        ['', 'multipart/mixed', '--o\nContent-Type: multipart/alternative; boundary=i\n\n--i\n\nin\n--o\n\nafter\n--o--'],
        ['1', 'multipart/alternative', '--i\n\nin'],
        ['1.1', 'text/plain', 'in'],
        ['2', 'text/plain', 'after'],
      ],
    ],
    [
      'two delimiter lines in a row enclose no part',
      lf('Content-Type: multipart/mixed; boundary=b', '', '--b', '--b', '', 'one', '--b--'),
      [['', 'multipart/mixed', '--b\n--b\n\none\n--b--'], ['1', 'text/plain', 'one']],
    ],
    [
      'an unterminated header before the next part is dropped',
      lf('Content-Type: multipart/mixed; boundary=b', '', '--b', 'Content-Type: text/html', '--b', '', 'one', '--b--'),
      [['', 'multipart/mixed', '--b\nContent-Type: text/html\n--b\n\none\n--b--'], ['1', 'text/plain', 'one']],
    ],
    [
      'a non-ASCII boundary counts as none',
      Buffer.from('Content-Type: multipart/mixed; boundary="b\u00e9"\n\n--b\u00e9\n\none\n', 'utf8'),
      [['', 'multipart/mixed', '--b\u00c3\u00a9\n\none\n']],
    ],
    [
      'missing content type in a digest is message/rfc822',
      lf('Content-Type: multipart/digest; boundary=d', '', '--d', '', 'Subject: s', '', 'b', '--d--'),
      [['', 'multipart/digest', '--d\n\nSubject: s\n\nb\n--d--'], ['1', 'message/rfc822', 'Subject: s\n\nb'], ['1.1', 'text/plain', 'b']],
    ],
    [
      'an embedded single-part message body is <n>.1',
      lf('Content-Type: message/rfc822', '', 'Subject: inner', '', 'text'),
      [['', 'message/rfc822', 'Subject: inner\n\ntext'], ['1', 'text/plain', 'text']],
    ],
  ];
  it.each(cases)('%s', (_label, raw, expected) => {
    expect(shape(raw)).toEqual(expected);
  });

  it('keeps unnumbered embedded roots out of numbering but in the count', () => {
    const raw = lf('Content-Type: message/rfc822', '', 'Content-Type: multipart/mixed; boundary=e', '', '--e', '', 'x', '--e--');
    expect(scanMime(raw, DEFAULT_PARSE_LIMITS).map((e) => [e.path, e.depth])).toEqual([
      ['', 0],
      [null, 1],
      ['1', 2],
    ]);
    expect(() => scanMime(raw, { ...DEFAULT_PARSE_LIMITS, maxParts: 2 })).toThrow(/more than 2 MIME parts/);
  });
});
