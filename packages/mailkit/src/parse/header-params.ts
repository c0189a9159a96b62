import { decodeCharset } from './charset.ts';
import { decodeEncodedWords } from './encoded-words.ts';

/** A MIME header with parameters (Content-Type, Content-Disposition), split and decoded once. */
export interface StructuredValue {
  /** Lowercased main value, comments removed ('' when absent). */
  value: string;
  /** Lowercased parameter names; RFC 2231 values joined and decoded, RFC 2047 decoded in name/filename. */
  params: Record<string, string>;
}

// Parameters whose values are display text; only these get RFC 2047 decoding
// (a boundary may legitimately contain "=?").
const TEXT_PARAMS = new Set(['name', 'filename']);

/** Splits on `;` outside quoted strings and drops (comments), as RFC 2045 allows them between tokens. */
function segments(input: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  let comment = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (quoted) {
      current += c;
      if (c === '\\' && i + 1 < input.length) current += input[++i];
      else if (c === '"') quoted = false;
    } else if (comment > 0) {
      if (c === '\\') i++;
      else if (c === '(') comment++;
      else if (c === ')') comment--;
    } else if (c === '"') {
      quoted = true;
      current += c;
    } else if (c === '(') comment = 1;
    else if (c === ';') {
      out.push(current);
      current = '';
    } else current += c;
  }
  out.push(current);
  return out;
}

function unquote(raw: string): string {
  const v = raw.trim();
  if (!v.startsWith('"')) return v;
  const body = v.endsWith('"') && v.length > 1 ? v.slice(1, -1) : v.slice(1);
  return body.replace(/\\(.)/g, '$1');
}

function percentBytes(text: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '%' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(...Buffer.from(text[i]!, 'utf8'));
  }
  return Buffer.from(out);
}

interface Section {
  index: number;
  encoded: boolean;
  text: string;
}

/** Parses `type/subtype; a=b; c*=utf-8''x%20y`, the way a MIME reader needs it and no further. */
export function parseStructuredValue(input: string): StructuredValue {
  const [head = '', ...rest] = segments(input);
  const plain = new Map<string, string>();
  const continued = new Map<string, Section[]>();
  for (const segment of rest) {
    const eq = segment.indexOf('=');
    if (eq <= 0) continue;
    const rawName = segment.slice(0, eq).trim().toLowerCase();
    const text = unquote(segment.slice(eq + 1));
    // RFC 2231: name*=charset'lang'value, name*0=..., name*1*=...
    const m = /^([^*]+)\*(\d{1,3})?(\*)?$/.exec(rawName);
    if (m) {
      const name = m[1]!;
      const index = m[2] === undefined ? 0 : Number(m[2]);
      const encoded = m[2] === undefined ? true : m[3] === '*';
      const list = continued.get(name) ?? [];
      if (list.length < 100) list.push({ index, encoded, text });
      continued.set(name, list);
    } else if (!plain.has(rawName)) {
      plain.set(rawName, text);
    }
  }
  const params = new Map<string, string>();
  for (const [name, text] of plain) params.set(name, TEXT_PARAMS.has(name) ? decodeEncodedWords(text) : text);
  for (const [name, list] of continued) {
    list.sort((a, b) => a.index - b.index);
    let charset = 'utf-8';
    const bytes: Buffer[] = [];
    list.forEach((section, i) => {
      let text = section.text;
      if (section.encoded && i === 0) {
        const parts = /^([^']*)'[^']*'(.*)$/s.exec(text);
        if (parts) {
          charset = parts[1] || 'utf-8';
          text = parts[2]!;
        }
      }
      bytes.push(section.encoded ? percentBytes(text) : Buffer.from(text, 'utf8'));
    });
    // An RFC 2231 value wins over a plain one of the same name: it is the precise form.
    params.set(name, decodeCharset(Buffer.concat(bytes), charset));
  }
  return { value: head.trim().toLowerCase(), params: Object.fromEntries(params) };
}
