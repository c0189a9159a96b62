import { describe, expect, it } from 'vitest';
import { normalizeDestination, validateList, type ListProblem, type ListRow, type ListRules } from './dialer-list.ts';

const rules: ListRules = { campaign: 'Sales', requiredFields: ['name'], isKnownAttachment: (t) => t === 'att_0123456789' };
const from = (...chunks: Array<string | Buffer>): AsyncIterable<Buffer> =>
  (async function* () {
    for (const c of chunks) yield typeof c === 'string' ? Buffer.from(c) : c;
  })();
const where = (p: ListProblem): string => `${p.line}:${p.column ?? '-'} ${p.code}`;

async function rowsOf(text: string | Buffer, r: ListRules = rules): Promise<ListRow[]> {
  const rows: ListRow[] = [];
  const report = await validateList(from(text), r, (batch) => void rows.push(...batch));
  expect(report.problems, JSON.stringify(report.problems)).toEqual([]);
  expect(report.ok).toBe(true);
  expect(report.rows).toBe(rows.length);
  return rows;
}

describe('validateList: valid files', () => {
  const files: Array<[string, string | Buffer]> = [
    ['semicolons, header, BOM', '\ufeffcampaign;destination;message;attachments;variables;priority\r\nSales;ana@example.test;;;name=Ana;5\r\n'],
    ['commas, no header', 'Sales,ana@example.test,,,name=Ana,5\n'],
    ['quoted fields with the delimiter inside', 'Sales;"ana@example.test";;;"name=Ana; the first";"5"\n'],
    ['a trailing delimiter and no final newline', 'Sales;ana@example.test;;;name=Ana;5;'],
    ['empty lines between rows', '\nSales;ana@example.test;;;name=Ana;5\n\n;;;;\n'],
    ['the campaign in another case, spaces around', ' sales ;  ana@example.test ;;;name = Ana ;5\n'],
  ];
  it.each(files)('%s', async (_n, text) => {
    const [row] = await rowsOf(text);
    expect(row).toMatchObject({ destination: 'ana@example.test', message: null, attachments: [], priority: 5 });
    expect(row!.variables.name).toMatch(/^Ana/);
  });

  it('reads variables, keeps colons that are not separators, defaults the priority', async () => {
    const [row] = await rowsOf('Sales;ana@example.test;;att_0123456789;name=Ana:time=10:30:url=https://x.test/a?b=1:empty=;\n');
    expect({ ...row!.variables }).toEqual({ name: 'Ana', time: '10:30', url: 'https://x.test/a?b=1', empty: '' });
    expect(row).toMatchObject({ attachments: ['att_0123456789'], priority: 9999, line: 1 });
  });

  it('keeps formula-looking cells as data', async () => {
    const [row] = await rowsOf('Sales;ana@example.test;;;name==HYPERLINK("http://evil.test")+1:x=@SUM(A1);1\n');
    expect(row!.variables.name).toBe('=HYPERLINK("http://evil.test")+1');
    expect(row!.variables.x).toBe('@SUM(A1)');
  });

  it('lower-cases and punycodes the domain, keeps the local part', async () => {
    expect(normalizeDestination(' Ana.Lopez@Ejemplo.ES ')).toBe('Ana.Lopez@ejemplo.es');
    expect(normalizeDestination('ana@bücher.example')).toBe('ana@xn--bcher-kva.example');
    expect(normalizeDestination('not an address')).toBeNull();
  });

  it('a row with its own message must give that message’s fields too', async () => {
    const [row] = await rowsOf('Sales;ana@example.test;<p>Hi ${first}</p>;;name=A:first=B;1\n');
    expect(row!.message).toBe('<p>Hi ${first}</p>');
  });

  it('counts lines across quoted line breaks in a message', async () => {
    const rows = await rowsOf('Sales;a@example.test;"<p>one\nline two</p>";;name=A;1\nSales;b@example.test;;;name=B;1\n');
    expect(rows.map((r) => r.line)).toEqual([1, 3]);
  });

  it('reads a file split anywhere, even inside a UTF-8 sequence', async () => {
    const bytes = Buffer.from('Sales;ana@example.test;;;name=José Müller;1\nSales;bo@example.test;;;name=Bö;2\n');
    for (let cut = 1; cut < bytes.length; cut += 3) {
      const rows: ListRow[] = [];
      const report = await validateList(from(bytes.subarray(0, cut), bytes.subarray(cut)), rules, (b) => void rows.push(...b));
      expect(report.ok, `cut at ${cut}`).toBe(true);
      expect(rows.map((r) => r.variables.name)).toEqual(['José Müller', 'Bö']);
    }
  });
});

describe('validateList: every problem, by line and column, nothing handed on', () => {
  const bad: Array<[string, string | Buffer, string[]]> = [
    ['an unknown campaign', 'Support;ana@example.test;;;name=A;1\n', ['1:1 campaign']],
    ['a bad address', 'Sales;ana@;;;name=A;1\n', ['1:2 destination']],
    ['an empty destination', 'Sales;;;;name=A;1\n', ['1:2 destination']],
    ['too few columns', 'Sales;ana@example.test\n', ['1:- columns']],
    ['too many columns', 'Sales;ana@example.test;;;name=A;1;x;y\n', ['1:- columns']],
    ['an unknown token', 'Sales;ana@example.test;;att_unknown999;name=A;1\n', ['1:4 attachments']],
    ['malformed variables', 'Sales;ana@example.test;;;oops;1\n', ['1:5 variables', '1:5 missing_variable']],
    ['a variable given twice', 'Sales;ana@example.test;;;name=A:name=B;1\n', ['1:5 variables']],
    ['a missing template variable', 'Sales;ana@example.test;;;other=A;1\n', ['1:5 missing_variable']],
    ['CR/LF inside a variable', 'Sales;ana@example.test;;;"name=A\r\nBcc: x@y";1\n', ['1:5 variables']],
    ['a bad priority', 'Sales;ana@example.test;;;name=A;-1\n', ['1:6 priority']],
    ['Latin-1 bytes', Buffer.from('Sales;ana@example.test;;;name=Jos\xe9;1\n', 'latin1'), ['1:- encoding']],
    ['an unclosed quote', 'Sales;ana@example.test;;;"name=A;1\n', ['1:- csv_syntax']],
  ];
  it.each(bad)('%s', async (_n, text, expected) => {
    let handed = 0;
    const report = await validateList(from('Sales;first@example.test;;;name=F;1\n', text), rules, (rows) => void (handed += rows.length));
    expect(report.ok).toBe(false);
    // the good first row is line 1 of this input, so each problem is one line further down
    expect(report.problems.map(where)).toEqual(expected.map((e) => e.replace(/^(\d+)/, (_m, n: string) => String(Number(n) + 1))));
    expect(report.problems.every((p) => p.message.length > 0)).toBe(true);
    expect(handed).toBe(0);
  });

  const whole: Array<[string, string | Buffer, string[]]> = [
    ['an empty file', '', ['1:- empty']],
    ['a header only', 'campaign;destination;message;attachments;variables;priority\n', ['1:- empty']],
    ['UTF-16', Buffer.from('\ufeffSales;ana@example.test;;;name=A;1\n', 'utf16le'), ['1:- encoding']],
  ];
  it.each(whole)('%s (the whole file)', async (_n, text, expected) => {
    const report = await validateList(from(text), rules);
    expect(report.ok).toBe(false);
    expect(report.problems.map(where)).toEqual(expected);
  });

  it('reports every bad row of a file, not only the first', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => (i % 10 === 3 ? `Sales;bad${i};;;name=A;1` : `Sales;r${i}@example.test;;;name=A;1`));
    const report = await validateList(from(lines.join('\n')), rules);
    expect(report.problems.map((p) => p.line)).toEqual([4, 14, 24, 34, 44]);
    expect(report.rows).toBe(45);
  });

  it('lists a bounded number of problems and counts the rest', async () => {
    const report = await validateList(from('Sales;bad;;;name=A;1\n'.repeat(30)), { ...rules, maxProblems: 10 });
    expect(report.problems).toHaveLength(10);
    expect(report.moreProblems).toBe(20);
  });
});

describe('validateList: hostile files are refused with a report, in bounded memory', () => {
  it('a 10 MB line', async () => {
    const report = await validateList(from('Sales;a@example.test;;;name=A;1\n', `Sales;b@example.test;;;name=${'x'.repeat(10 * 1024 * 1024)};1\n`), rules);
    expect(report).toMatchObject({ ok: false, complete: false });
    expect(report.problems.map(where)).toEqual(['2:- line_too_long']);
  });

  it('1,000,000 columns', async () => {
    const report = await validateList(from(`Sales;a@example.test;;;name=A;1${';'.repeat(1_000_000)}\n`), rules);
    expect(report.problems.map(where)).toEqual(['1:- columns']);
    expect(report.problems[0]!.message).toMatch(/^1000006 columns/);
  });

  it('a line of 1,000,000 columns past the line limit stops the check', async () => {
    const report = await validateList(from(`Sales;a@example.test;;;name=A;1${';'.repeat(2_000_000)}\n`), rules);
    expect(report.problems.map(where)).toEqual(['1:- line_too_long']);
  });

  it('more rows than allowed', async () => {
    const report = await validateList(from('Sales;a@example.test;;;name=A;1\n'.repeat(20)), { ...rules, maxRows: 10 });
    expect(report.problems.map(where)).toEqual(['11:- too_many_rows']);
  });
});
