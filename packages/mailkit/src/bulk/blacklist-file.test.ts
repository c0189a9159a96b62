import { describe, expect, it } from 'vitest';
import { splitLine, validateBlacklistFile, type BlacklistFileEntry, type BlacklistProblem } from './blacklist-file.ts';

const from = (...chunks: Array<string | Buffer>): AsyncIterable<Buffer> =>
  (async function* () {
    for (const c of chunks) yield typeof c === 'string' ? Buffer.from(c) : c;
  })();
const where = (p: BlacklistProblem): string => `${p.line}:${p.column ?? '-'} ${p.code}`;

async function check(...chunks: Array<string | Buffer>) {
  const entries: BlacklistFileEntry[] = [];
  const report = await validateBlacklistFile(from(...chunks), {}, (batch) => void entries.push(...batch));
  return { report, entries };
}

describe('validateBlacklistFile', () => {
  it('reads addresses with or without a note, a header, a BOM, CRLF, quotes, either delimiter and lines split across chunks', async () => {
    const { report, entries } = await check('\ufeffaddress;note\r\nAna@Example.COM;moved away\r\n"bob+tag@ex', 'ample.test";"said ""stop"""\r\n\r\n;\r\ncarla@b\u00fccher.example');
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, rows: 3, complete: true });
    expect(entries).toEqual([
      { line: 2, address: 'Ana@example.com', note: 'moved away' },
      { line: 3, address: 'bob+tag@example.test', note: 'said "stop"' },
      { line: 6, address: 'carla@xn--bcher-kva.example', note: '' },
    ]);
    const commas = await check('email,note\nana@example.test,x\nbob@example.test\n');
    expect(commas.entries.map((e) => e.address)).toEqual(['ana@example.test', 'bob@example.test']);
  });

  it('refuses the whole file naming every bad line and hands nothing on', async () => {
    const { report, entries } = await check(
      ['ana@example.test', 'not-an-address', 'bob@example.test;ok;extra', 'carla@example.test;"open', `dan@example.test;${'x'.repeat(501)}`, 'eve@example.test;tab\there', '=HYPERLINK("http://x")'].join('\n'),
    );
    expect(report.ok).toBe(false);
    expect(report.problems.map(where)).toEqual(['2:1 address', '3:- columns', '4:- csv_syntax', '5:2 note', '6:2 note', '7:1 address']);
    expect(entries).toEqual([]);
  });

  it('refuses bad encodings and empty files', async () => {
    const latin1 = Buffer.concat([Buffer.from('ana@example.test;caf'), Buffer.from([0xe9]), Buffer.from('\nbob@example.test\n')]);
    expect((await check(latin1)).report.problems.map(where)).toEqual(['1:- encoding']);
    const utf16 = Buffer.from('\ufeffana@example.test\n', 'utf16le');
    expect((await check(utf16)).report).toMatchObject({ ok: false, complete: false, problems: [{ code: 'encoding', line: 1 }] });
    expect((await check('address\n\n;;\n')).report.problems.map(where)).toEqual(['1:- empty']);
  });

  it('stops at a line too long (a million delimiters) without cutting it into fields', async () => {
    const huge = 'ana@example.test\n' + ';'.repeat(1_000_000) + '\nbob@example.test\n';
    const { report, entries } = await check(huge);
    expect(report).toMatchObject({ ok: false, complete: false });
    expect(report.problems.map(where)).toEqual(['2:- line_too_long']);
    expect(entries).toEqual([]);
    // the same line arriving in small chunks is refused before its end
    const chunks = ['ana@example.test\n', ...Array.from({ length: 100 }, () => ';'.repeat(10_000))];
    expect((await check(...chunks)).report.problems.map(where)).toEqual(['2:- line_too_long']);
  });

  it('counts problems past the bound and stops at too many rows', async () => {
    const bad = Array.from({ length: 1_500 }, (_, i) => `bad${i}`).join('\n');
    const { report } = await check(bad);
    expect(report.problems).toHaveLength(1_000);
    expect(report.moreProblems).toBe(500);
    const many = Array.from({ length: 11 }, (_, i) => `r${i}@example.test`).join('\n');
    const r = await validateBlacklistFile(from(many), { maxRows: 10 });
    expect(r).toMatchObject({ ok: false, complete: false, problems: [{ line: 11, code: 'too_many_rows' }] });
  });

  it('splits a line as RFC 4180 within the line', () => {
    expect(splitLine('a;"b;c";"d""e"', ';')).toEqual(['a', 'b;c', 'd"e']);
    expect(splitLine('a;"b', ';')).toBeNull();
    expect(splitLine('', ';')).toEqual(['']);
  });
});
