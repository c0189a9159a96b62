import { isUtf8 } from 'node:buffer';
import { normalizeDestination } from './dialer-list.ts';

// A blacklist file: one address a line, optionally a note after it
//
//   address;note
//
// header row optional (address, email, e-mail or destination first); ";" or
// "," (whichever the first line uses); UTF-8 with or without a BOM; RFC 4180
// quotes within a line (an address or a note never spans lines). The file is
// validated as a whole and every problem is reported by line; valid entries
// are handed on in batches only while no problem has been seen, so a caller
// writing them in one transaction and rolling back on a bad report never
// half-imports. Lines are split natively and bounded in bytes before any
// field is cut, so a line of a million delimiters costs one length check.

/** Stable kinds of problems of a blacklist file. */
export type BlacklistProblemCode = 'encoding' | 'line_too_long' | 'csv_syntax' | 'columns' | 'address' | 'note' | 'empty' | 'too_many_rows';

/** One problem: its line, the column (1 address, 2 note) or null for the whole line. */
export interface BlacklistProblem {
  line: number;
  column: number | null;
  field: 'address' | 'note' | null;
  code: BlacklistProblemCode;
  message: string;
}

/** A valid entry: the address normalised as lists are (domain lower-cased, in ASCII). */
export interface BlacklistFileEntry {
  line: number;
  address: string;
  note: string;
}

/** The verdict on a whole blacklist file. */
export interface BlacklistFileReport {
  ok: boolean;
  /** Valid entries seen (all entries when ok). */
  rows: number;
  problems: BlacklistProblem[];
  moreProblems: number;
  /** false when a problem stopped the check early (a line too long, too many rows). */
  complete: boolean;
}

/** Bounds of the check. */
export interface BlacklistFileRules {
  maxProblems?: number;
  /** A physical line longer than this stops the check (default 4 KiB: an address is at most 320 bytes, a note 500 characters). */
  maxLineBytes?: number;
  /** More entries than this stop the check (default 1,000,000). */
  maxRows?: number;
  /** Longest note in characters (default 500). */
  maxNote?: number;
}

const BATCH = 1_000;
const HEADER = new Set(['address', 'email', 'e-mail', 'destination']);
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Reads a whole blacklist file from `source`, checks every line, and hands
 * valid entries to `onEntries` in batches (awaited) until the first problem.
 * Never throws for bad input.
 */
export async function validateBlacklistFile(
  source: AsyncIterable<Buffer | string>,
  rules: BlacklistFileRules = {},
  onEntries?: (entries: BlacklistFileEntry[]) => void | Promise<void>,
): Promise<BlacklistFileReport> {
  const maxProblems = rules.maxProblems ?? 1_000;
  const maxLineBytes = rules.maxLineBytes ?? 4096;
  const maxRows = rules.maxRows ?? 1_000_000;
  const maxNote = rules.maxNote ?? 500;
  const report: BlacklistFileReport = { ok: false, rows: 0, problems: [], moreProblems: 0, complete: true };
  const problem = (line: number, column: number | null, code: BlacklistProblemCode, message: string): void => {
    if (report.problems.length < maxProblems) report.problems.push({ line, column, field: column === 1 ? 'address' : column === 2 ? 'note' : null, code, message });
    else report.moreProblems++;
  };
  const problems = (): number => report.problems.length + report.moreProblems;

  let batch: BlacklistFileEntry[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const entries = batch;
    batch = [];
    if (problems() === 0 && onEntries) await onEntries(entries);
  };

  let delimiter: ';' | ',' | null = null;
  let first = true;
  let stopped = false;
  let lineNo = 0;

  const checkLine = (bytes: Buffer): void => {
    lineNo++;
    let raw = bytes;
    if (lineNo === 1 && raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf) raw = raw.subarray(3);
    if (raw.length > 0 && raw[raw.length - 1] === 0x0d) raw = raw.subarray(0, raw.length - 1);
    if (raw.length > maxLineBytes) {
      problem(lineNo, null, 'line_too_long', `longer than ${maxLineBytes} bytes; the rest of the file was not checked`);
      stopped = true;
      report.complete = false;
      return;
    }
    if (!isUtf8(raw)) {
      problem(lineNo, null, 'encoding', 'not valid UTF-8 (the file may be Latin-1 or Windows-1252): save it as UTF-8');
      return;
    }
    const text = raw.toString('utf8');
    if (text.trim() === '') return;
    delimiter ??= text.includes(';') || !text.includes(',') ? ';' : ',';
    const fields = splitLine(text, delimiter);
    if (fields === null) {
      problem(lineNo, null, 'csv_syntax', 'a quoted value is not closed on its line');
      return;
    }
    // a trailing delimiter leaves one empty field
    const cells = fields.length > 1 && fields[fields.length - 1]!.trim() === '' ? fields.slice(0, -1) : fields;
    if (cells.every((c) => c.trim() === '')) return;
    if (first) {
      first = false;
      if (HEADER.has(cells[0]!.trim().toLowerCase())) return;
    }
    if (cells.length > 2) {
      problem(lineNo, null, 'columns', `${cells.length} columns: a line is an address and, optionally, a note`);
      return;
    }
    if (report.rows + problems() >= maxRows) {
      problem(lineNo, null, 'too_many_rows', `more than ${maxRows} lines: split the file`);
      stopped = true;
      report.complete = false;
      return;
    }
    const addressCell = cells[0]!;
    const note = (cells[1] ?? '').trim();
    let ok = true;
    const address = CONTROL.test(addressCell) ? null : normalizeDestination(addressCell);
    if (address === null) {
      ok = false;
      problem(lineNo, 1, 'address', addressCell.trim() === '' ? 'the address is empty' : `"${clip(addressCell)}" is not a valid email address`);
    }
    if (CONTROL.test(note)) {
      ok = false;
      problem(lineNo, 2, 'note', 'the note contains a control character');
    } else if (note.length > maxNote) {
      ok = false;
      problem(lineNo, 2, 'note', `the note is longer than ${maxNote} characters`);
    }
    if (ok && address !== null) {
      report.rows++;
      batch.push({ line: lineNo, address, note });
    }
  };

  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of source) {
    if (stopped) break;
    const buf = carry.length > 0 ? Buffer.concat([carry, typeof chunk === 'string' ? Buffer.from(chunk) : chunk]) : typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (lineNo === 0 && ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff))) {
      problem(1, null, 'encoding', 'the file is UTF-16: save it as UTF-8 (CSV UTF-8 in spreadsheet programs)');
      stopped = true;
      report.complete = false;
      break;
    }
    let at = 0;
    for (let nl = buf.indexOf(0x0a, at); nl >= 0 && !stopped; nl = buf.indexOf(0x0a, at)) {
      checkLine(buf.subarray(at, nl));
      at = nl + 1;
      if (batch.length >= BATCH) await flush();
    }
    if (stopped) break;
    carry = Buffer.from(buf.subarray(at));
    // a partial line already too long is refused without waiting for its end
    if (carry.length > maxLineBytes + 4) {
      lineNo++;
      problem(lineNo, null, 'line_too_long', `longer than ${maxLineBytes} bytes; the rest of the file was not checked`);
      stopped = true;
      report.complete = false;
    }
  }
  if (!stopped && carry.length > 0) checkLine(carry);
  if (report.rows === 0 && problems() === 0) problem(1, null, 'empty', 'the file has no addresses');
  await flush();
  report.ok = problems() === 0;
  return report;
}

/** One line's fields (RFC 4180 quotes: "" is a quote inside a quoted field); null when a quote is left open. */
export function splitLine(line: string, delimiter: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return null;
        value += line.slice(i, q);
        if (line[q + 1] === '"') {
          value += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      // text after the closing quote up to the delimiter belongs to the field (relaxed, as spreadsheets write it)
      const d = line.indexOf(delimiter, i);
      value += d < 0 ? line.slice(i) : line.slice(i, d);
      out.push(value);
      if (d < 0) return out;
      i = d + 1;
    } else {
      const d = line.indexOf(delimiter, i);
      out.push(d < 0 ? line.slice(i) : line.slice(i, d));
      if (d < 0) return out;
      i = d + 1;
    }
  }
}

function clip(s: string): string {
  // eslint-disable-next-line no-control-regex
  const one = s.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return one.length > 60 ? `${one.slice(0, 57)}...` : one;
}
