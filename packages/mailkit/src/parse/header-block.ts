import { decodeUnlabelled } from './charset.ts';

/** One header field as written: lowercased name, unfolded value not yet RFC 2047 decoded. */
export interface RawHeaderField {
  name: string;
  value: string;
  /** Bytes of the field after unfolding (name, colon and value): what maxHeaderLineBytes bounds. */
  bytes: number;
}

/** Where an entity's header block ends: `headerEnd` excludes the blank line, `bodyStart` follows it. */
export interface HeaderBounds {
  headerEnd: number;
  bodyStart: number;
}

/**
 * Finds the blank line that ends a header block in buf[start, end), giving up
 * as soon as the block passes `maxBytes` (returns null) so a header that never
 * ends costs no more than the limit. Without a blank line the block runs to
 * `end` and the body is empty, as in every MIME reader.
 */
export function findHeaderEnd(buf: Buffer, start: number, end: number, maxBytes: number): HeaderBounds | null {
  let pos = start;
  while (pos < end) {
    let lf = buf.indexOf(0x0a, pos);
    if (lf < 0 || lf >= end) lf = end;
    const lineLength = lf - pos;
    if (lineLength === 0 || (lineLength === 1 && buf[pos] === 0x0d)) {
      return { headerEnd: pos, bodyStart: Math.min(lf + 1, end) };
    }
    if (lf - start > maxBytes) return null;
    pos = lf + 1;
  }
  return end - start > maxBytes ? null : { headerEnd: end, bodyStart: end };
}

// A field name is printable US-ASCII without colon (RFC 5322 2.2); we allow
// whitespace before the colon as the obsolete syntax does.
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

/**
 * Splits a header block into fields, unfolding continuation lines. Lines that
 * are not fields (an mbox "From " line, garbage) are skipped, not fatal; a
 * colon-less line after a field continues it.
 * Values are text: UTF-8 when valid, windows-1252 otherwise.
 */
export function splitHeaderFields(block: Buffer): RawHeaderField[] {
  const fields: RawHeaderField[] = [];
  // The field being collected: its name (null while skipping a non-field line), chunks and size.
  let name: string | null = null;
  let chunks: Buffer[] = [];
  let bytes = 0;
  const finish = (): void => {
    if (name !== null) fields.push({ name, value: decodeUnlabelled(Buffer.concat(chunks)).trim(), bytes });
    name = null;
    chunks = [];
    bytes = 0;
  };
  let pos = 0;
  while (pos < block.length) {
    let lf = block.indexOf(0x0a, pos);
    if (lf < 0) lf = block.length;
    let lineEnd = lf;
    if (lineEnd > pos && block[lineEnd - 1] === 0x0d) lineEnd--;
    const line = block.subarray(pos, lineEnd);
    pos = lf + 1;
    if (line.length === 0) continue;
    if (line[0] === 0x20 || line[0] === 0x09) {
      // Continuation: unfolding removes only the line break (RFC 5322 2.2.3).
      chunks.push(line);
      bytes += line.length;
      continue;
    }
    const colon = line.indexOf(0x3a);
    if (colon < 0 && name !== null) {
      // A line without a colon inside a field is a fold that lost its
      // indentation (seen in real bounces: `Content-Type: multipart/x;` then
      // `boundary="..."` at column 0); keeping it recovers the sender's intent.
      chunks.push(Buffer.from(' '), line);
      bytes += line.length + 1;
      continue;
    }
    finish();
    if (colon <= 0) continue;
    const fieldName = line.subarray(0, colon).toString('latin1').trimEnd().toLowerCase();
    if (!FIELD_NAME.test(fieldName)) continue;
    name = fieldName;
    chunks = [line.subarray(colon + 1)];
    bytes = line.length;
  }
  finish();
  return fields;
}
