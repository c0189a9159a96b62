import { isUtf8 } from 'node:buffer';
import { domainToASCII } from 'node:url';
import { parse, type CsvError } from 'csv-parse';
import { isValidAddress } from '../compose/address.ts';
import { compileTemplate } from './compiled-template.ts';
import { BUILT_IN_FIELDS } from './bulk-message.ts';

// A dialer list as the reference describes it:
//
//   campaign;destination;message;attachments;variables;priority
//
// header row optional; ";" or "," (whichever the first line uses); UTF-8 with
// or without a BOM; RFC 4180 quotes. The file is validated as a whole and
// every problem is reported by line and column; valid rows are handed on in
// batches only while no problem has been seen, so a caller that writes them
// in one transaction and rolls back on a bad report never half-imports.
// Parsing is csv-parse's (about 4 µs a row here, well inside the import
// budget); in front of it a guard checks UTF-8 and physical line length
// natively, because csv-parse decodes bad bytes silently and bounds the
// characters of a record but not its number of fields (a line of 1,000,000
// delimiters would become an array of 1,000,000 strings).

/** The columns of a list row, in order. */
export const LIST_COLUMNS = ['campaign', 'destination', 'message', 'attachments', 'variables', 'priority'] as const;

/** What a row may hold and what it must match; the dialer supplies it. */
export interface ListRules {
  /** The dialer's campaign name: the first column must be it (compared case-insensitively, trimmed). */
  campaign: string;
  /** Fields the dialer's template uses; every row must give each (built-ins aside). */
  requiredFields: readonly string[];
  /** Whether an attachment token belongs to the dialer's campaign. */
  isKnownAttachment: (token: string) => boolean;
  /** Problems listed before the rest are only counted (default 1,000). */
  maxProblems?: number;
  /** A physical line longer than this stops the check (default 1 MiB). */
  maxLineBytes?: number;
  /** More rows than this stop the check (default 5,000,000). */
  maxRows?: number;
}

/** A valid row, normalised. */
export interface ListRow {
  /** The physical line the row starts on (1-based). */
  line: number;
  /** Trimmed, the domain lower-cased and in ASCII (punycode). */
  destination: string;
  /** The row's own HTML message, or null to use the dialer's template. */
  message: string | null;
  attachments: string[];
  variables: Record<string, string>;
  /** Lower first; 9999 when the column is empty or absent. */
  priority: number;
}

/** Stable kinds of problems, for the console's report and the API. */
export type ListProblemCode =
  | 'encoding'
  | 'line_too_long'
  | 'csv_syntax'
  | 'columns'
  | 'campaign'
  | 'destination'
  | 'attachments'
  | 'variables'
  | 'missing_variable'
  | 'priority'
  | 'empty'
  | 'too_many_rows';

/** One problem: where (line, and column when it is one cell's) and what. */
export interface ListProblem {
  line: number;
  /** 1-based column, or null for the whole line. */
  column: number | null;
  /** The column's name, or null. */
  field: (typeof LIST_COLUMNS)[number] | null;
  code: ListProblemCode;
  message: string;
}

/** The verdict on a whole file. */
export interface ListReport {
  ok: boolean;
  /** Valid rows seen (all rows when ok). */
  rows: number;
  problems: ListProblem[];
  /** Problems past maxProblems, counted only. */
  moreProblems: number;
  delimiter: ';' | ',';
  header: boolean;
  /** false when a problem stopped the check early (syntax, a line too long); the rest of the file was not read. */
  complete: boolean;
}

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
// ":" separates variables only where a name and "=" follow, so "time=10:30" and "url=http://x" keep their colons
const VARIABLE_SPLIT = /:(?=\s*[A-Za-z_][A-Za-z0-9_.-]{0,63}\s*=)/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;
const TOKEN = /^[A-Za-z0-9_-]{8,128}$/;
const BATCH = 1_000;
const DEFAULT_PRIORITY = 9999;
const MAX_PRIORITY = 1_000_000;

/**
 * Reads a whole list from `source`, checks every row against `rules`, and
 * hands valid rows to `onRows` in batches (awaited: backpressure) until the
 * first problem. Returns the report; never throws for bad input.
 */
export async function validateList(
  source: AsyncIterable<Buffer | string>,
  rules: ListRules,
  onRows?: (rows: ListRow[]) => void | Promise<void>,
): Promise<ListReport> {
  const maxProblems = rules.maxProblems ?? 1_000;
  const maxLineBytes = rules.maxLineBytes ?? 1024 * 1024;
  const maxRows = rules.maxRows ?? 5_000_000;
  const campaign = rules.campaign.trim().toLowerCase();
  const required = rules.requiredFields.filter((f) => !(BUILT_IN_FIELDS as readonly string[]).includes(f));
  const report: ListReport = { ok: false, rows: 0, problems: [], moreProblems: 0, delimiter: ';', header: false, complete: true };
  const problem = (line: number, column: number | null, code: ListProblemCode, message: string): void => {
    if (report.problems.length < maxProblems) {
      report.problems.push({ line, column, field: column === null ? null : (LIST_COLUMNS[column - 1] ?? null), code, message });
    } else report.moreProblems++;
  };
  const problems = (): number => report.problems.length + report.moreProblems;

  let batch: ListRow[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const rows = batch;
    batch = [];
    if (problems() === 0 && onRows) await onRows(rows);
  };

  let parser: ReturnType<typeof parse> | null = null;
  let records: string[][] = [];
  // the physical line the next record starts on: csv-parse's own line info costs a third of its time
  let nextLine = 1;
  let parseError: CsvError | null = null;
  let first = true;
  let stopped = false;
  const guard = new LineGuard(maxLineBytes);

  const checkRecord = (record: string[]): void => {
    const line = nextLine;
    nextLine += 1 + newlinesIn(record);
    // an empty line, or one of delimiters only, makes no row
    if (record.every((f) => f.trim() === '')) return;
    if (first) {
      first = false;
      const a = (record[0] ?? '').trim().toLowerCase().replace(/^"|"$/g, '');
      const b = (record[1] ?? '').trim().toLowerCase();
      if (a === 'campaign' && (b === 'destination' || b === 'destiny' || b === 'email')) {
        report.header = true;
        return;
      }
    }
    if (report.rows + problems() >= maxRows) {
      if (!stopped) problem(line, null, 'too_many_rows', `more than ${maxRows} rows: split the list`);
      stopped = true;
      return;
    }
    const row = checkRow(record, line, campaign, rules, required, problem);
    if (row) {
      report.rows++;
      batch.push(row);
    }
  };

  const drain = async (): Promise<void> => {
    const got = records;
    records = [];
    for (const record of got) {
      if (stopped) break;
      checkRecord(record);
      if (batch.length >= BATCH) await flush();
    }
  };

  const feed = async (text: string): Promise<void> => {
    if (text === '' || stopped) return;
    if (!parser) {
      const firstLine = text.slice(0, text.indexOf('\n') >= 0 ? text.indexOf('\n') : text.length);
      report.delimiter = firstLine.includes(';') || !firstLine.includes(',') ? ';' : ',';
      parser = parse({
        delimiter: report.delimiter,
        record_delimiter: ['\r\n', '\n', '\r'],
        relax_column_count: true,
        relax_quotes: true,
        max_record_size: maxLineBytes,
      });
      parser.on('data', (r: string[]) => records.push(r));
      parser.on('error', (err: CsvError) => (parseError ??= err));
    }
    parser.write(text);
    await drain();
    if (parseError) stopOn(parseError);
  };

  const stopOn = (err: CsvError): void => {
    if (stopped) return;
    stopped = true;
    report.complete = false;
    const line = typeof (err as CsvError & { lines?: number }).lines === 'number' ? (err as CsvError & { lines: number }).lines : 0;
    const what = err.code === 'CSV_QUOTE_NOT_CLOSED' ? 'a quoted value is never closed' : err.code === 'CSV_MAX_RECORD_SIZE' ? `a row is longer than ${maxLineBytes} bytes` : err.message;
    problem(line, null, 'csv_syntax', `${what}; the rest of the file was not checked`);
  };

  for await (const chunk of source) {
    if (stopped) break;
    await feed(guard.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, problem));
    if (guard.fatal) {
      stopped = true;
      report.complete = false;
    }
  }
  if (!stopped) {
    await feed(guard.end(problem));
    if (parser && !stopped) {
      const p: ReturnType<typeof parse> = parser;
      await new Promise<void>((resolve) => {
        p.once('end', resolve);
        p.once('error', () => resolve());
        p.end();
      });
      await drain();
      if (parseError) stopOn(parseError);
    }
  }
  if (report.rows === 0 && problems() === 0) problem(1, null, 'empty', 'the file has no rows');
  await flush();
  report.ok = problems() === 0;
  return report;
}

function checkRow(
  record: string[],
  line: number,
  campaign: string,
  rules: ListRules,
  required: readonly string[],
  problem: (line: number, column: number | null, code: ListProblemCode, message: string) => void,
): ListRow | null {
  let ok = true;
  const bad = (column: number | null, code: ListProblemCode, message: string): void => {
    ok = false;
    problem(line, column, code, message);
  };
  // a trailing delimiter (as in the reference's own examples) leaves one empty field
  const n = record.length === 7 && record[6]!.trim() === '' ? 6 : record.length;
  if (n < 4) {
    bad(null, 'columns', `${n} column${n === 1 ? '' : 's'}: a row needs at least campaign, destination, message and attachments (the last two may be empty)`);
    return null;
  }
  if (n > 6) {
    bad(null, 'columns', `${n} columns: the format has 6 (campaign, destination, message, attachments, variables, priority)`);
    return null;
  }
  const [campaignCell, destinationCell, messageCell, attachmentsCell, variablesCell = '', priorityCell = ''] = record as [string, string, string, string, string?, string?];

  if (campaignCell.trim().toLowerCase() !== campaign) bad(1, 'campaign', `"${clip(campaignCell)}" is not this dialer's campaign (${campaign})`);

  const destination = normalizeDestination(destinationCell);
  if (destination === null) bad(2, 'destination', destinationCell.trim() === '' ? 'the destination is empty' : `"${clip(destinationCell)}" is not a valid email address`);

  const attachments = attachmentsCell.trim() === '' ? [] : attachmentsCell.trim().split(/[\s|]+/);
  for (const token of attachments) {
    if (!TOKEN.test(token) || !rules.isKnownAttachment(token)) bad(4, 'attachments', `"${clip(token)}" is not an attachment token of this campaign: upload the file first`);
  }

  const variables: Record<string, string> = Object.create(null) as Record<string, string>;
  const refusedNames = new Set<string>();
  if (variablesCell.trim() !== '') {
    for (const piece of variablesCell.split(VARIABLE_SPLIT)) {
      const eq = piece.indexOf('=');
      const name = eq < 0 ? '' : piece.slice(0, eq).trim();
      if (eq < 0 || !FIELD_NAME.test(name)) {
        bad(5, 'variables', `"${clip(piece)}" is not name=value (variables are written name=value:name2=value)`);
        continue;
      }
      const value = piece.slice(eq + 1).trim();
      if (CONTROL.test(value)) {
        refusedNames.add(name);
        bad(5, 'variables', `the value of ${name} contains a line break or control character`);
      }
      else if (Object.hasOwn(variables, name)) bad(5, 'variables', `${name} is given twice`);
      else variables[name] = value;
    }
  }

  const message = messageCell.trim() === '' ? null : messageCell;
  const needed = message === null ? required : [...new Set([...required, ...compileTemplate(message).fields])].filter((f) => !(BUILT_IN_FIELDS as readonly string[]).includes(f));
  for (const f of needed) {
    if (!Object.hasOwn(variables, f) && !refusedNames.has(f)) bad(5, 'missing_variable', `the template uses \${${f}} but this row has no ${f}`);
  }

  let priority = DEFAULT_PRIORITY;
  if (priorityCell.trim() !== '') {
    const p = priorityCell.trim();
    if (!/^[0-9]{1,7}$/.test(p) || Number(p) > MAX_PRIORITY) bad(6, 'priority', `"${clip(p)}" is not a whole number from 0 to ${MAX_PRIORITY}`);
    else priority = Number(p);
  }
  if (!ok || destination === null) return null;
  return { line, destination, message, attachments, variables, priority };
}

/**
 * A list destination as stored and sent: trimmed, the domain lower-cased and
 * in ASCII (IDNA), the local part as written; null when it is not a valid
 * address. Shared by the list validator and single sends.
 */
export function normalizeDestination(raw: string): string | null {
  const a = raw.trim();
  const at = a.lastIndexOf('@');
  if (at <= 0) return null;
  const local = a.slice(0, at);
  let domain = a.slice(at + 1).toLowerCase();
  if (/[^\x00-\x7f]/.test(domain)) {
    domain = domainToASCII(domain);
    if (domain === '') return null;
  }
  const address = `${local}@${domain}`;
  return isValidAddress(address) ? address : null;
}

function newlinesIn(record: string[]): number {
  let n = 0;
  for (const f of record) {
    if (f.length === 0) continue;
    for (let i = f.indexOf('\n'); i >= 0; i = f.indexOf('\n', i + 1)) n++;
    for (let i = f.indexOf('\r'); i >= 0; i = f.indexOf('\r', i + 1)) if (f.charCodeAt(i + 1) !== 10) n++;
  }
  return n;
}

function clip(s: string): string {
  // eslint-disable-next-line no-control-regex
  const one = s.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return one.length > 60 ? `${one.slice(0, 57)}...` : one;
}

// Checks bytes before the CSV parser sees them: the BOM, UTF-8 validity per
// line (natively), and the length of every physical line; returns the text of
// the complete lines, keeping a partial last line for the next chunk.
class LineGuard {
  fatal = false;
  #carry: Buffer = Buffer.alloc(0);
  #line = 1;
  #start = true;
  constructor(private readonly maxLineBytes: number) {}

  push(chunk: Buffer, problem: ProblemSink): string {
    let buf = this.#carry.length > 0 ? Buffer.concat([this.#carry, chunk]) : chunk;
    this.#carry = Buffer.alloc(0);
    if (this.#start) {
      if (buf.length < 3 && !buf.includes(0x0a)) {
        this.#carry = buf;
        return '';
      }
      this.#start = false;
      if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) {
        this.fatal = true;
        problem(1, null, 'encoding', 'the file is UTF-16: save it as UTF-8 (CSV UTF-8 in spreadsheet programs)');
        return '';
      }
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
    }
    const end = buf.lastIndexOf(0x0a);
    const text = end < 0 ? '' : this.#lines(buf.subarray(0, end + 1), problem);
    if (this.fatal) return text;
    const rest = buf.subarray(end + 1);
    if (rest.length > this.maxLineBytes) {
      this.#tooLong(problem);
      return text;
    }
    this.#carry = Buffer.from(rest);
    return text;
  }

  end(problem: ProblemSink): string {
    const rest = this.#carry;
    this.#carry = Buffer.alloc(0);
    if (rest.length === 0) return '';
    return this.#lines(this.#start && rest[0] === 0xef && rest[1] === 0xbb && rest[2] === 0xbf ? rest.subarray(3) : rest, problem);
  }

  // complete lines (the last one may lack its newline at the end of the file)
  #lines(span: Buffer, problem: ProblemSink): string {
    let at = 0;
    while (at < span.length) {
      let nl = span.indexOf(0x0a, at);
      if (nl < 0) nl = span.length - 1;
      if (nl - at + 1 > this.maxLineBytes + 2) {
        this.#tooLong(problem);
        return span.subarray(0, at).toString('utf8');
      }
      at = nl + 1;
    }
    if (!isUtf8(span)) {
      let line = this.#line;
      let from = 0;
      while (from < span.length) {
        let nl = span.indexOf(0x0a, from);
        if (nl < 0) nl = span.length - 1;
        if (!isUtf8(span.subarray(from, nl + 1))) problem(line, null, 'encoding', 'not valid UTF-8 (the file may be Latin-1 or Windows-1252): save it as UTF-8');
        line++;
        from = nl + 1;
      }
    }
    this.#line += countNewlines(span);
    return span.toString('utf8');
  }

  #tooLong(problem: ProblemSink): void {
    this.fatal = true;
    problem(this.#line, null, 'line_too_long', `line ${this.#line} is longer than ${this.maxLineBytes} bytes; the rest of the file was not checked`);
  }
}

type ProblemSink = (line: number, column: number | null, code: ListProblemCode, message: string) => void;

function countNewlines(b: Buffer): number {
  let n = 0;
  for (let i = b.indexOf(0x0a); i >= 0; i = b.indexOf(0x0a, i + 1)) n++;
  return n;
}
