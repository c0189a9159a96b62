// Quoted-printable (RFC 2045 §6.7) written for bulk mail, where a template's
// literal text is encoded once and only each recipient's values are encoded
// per message. Every encoded segment starts at column 0 and ends with a soft
// line break, so segments encoded separately can be concatenated in any
// order and decode to the concatenation of their texts. Two further rules
// make the output safe to send as is: a "." or "From " at the start of a
// line is encoded (=2E, =46), so the SMTP client never needs to dot-stuff
// and no mbox tool rewrites it; and "=" is always encoded, so a MIME
// boundary containing "=_" can never occur in an encoded body. Hand-written
// because libmime's encoder works on whole bodies and knows neither rule.

// content characters per line; the 76th is the "=" of a soft break
const MAX_CONTENT = 75;
const HEX = '0123456789ABCDEF';

// printable ASCII except "=", plus space and tab
function isLiteral(c: number): boolean {
  return (c >= 33 && c <= 126 && c !== 61) || c === 32 || c === 9;
}

function hexByte(b: number): string {
  return '=' + HEX[b >> 4]! + HEX[b & 15]!;
}

/**
 * Encodes text as a self-contained quoted-printable segment: CRLF-separated
 * lines of at most 76 characters, line breaks in the text (LF or CRLF) as
 * hard breaks, and a trailing soft break unless the text ended with a line
 * break. The empty string encodes to the empty string.
 */
export function encodeQuotedPrintableSegment(text: string): string {
  const n = text.length;
  if (n === 0) return '';
  let out = '';
  let col = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) === 10)) {
      out = hardBreak(out, col);
      col = 0;
      i += c === 13 ? 2 : 1;
      continue;
    }
    if (isLiteral(c)) {
      let j = i + 1;
      while (j < n && isLiteral(text.charCodeAt(j))) j++;
      while (i < j) {
        if (col === MAX_CONTENT) {
          out += '=\r\n';
          col = 0;
        }
        if (col === 0) {
          const c0 = text.charCodeAt(i);
          if (c0 === 46 || (c0 === 70 && text.startsWith('From ', i))) {
            out += hexByte(c0);
            col = 3;
            i++;
            continue;
          }
        }
        const take = Math.min(MAX_CONTENT - col, j - i);
        out += text.slice(i, i + take);
        col += take;
        i += take;
      }
      continue;
    }
    // anything else: the UTF-8 bytes of one code point, each as =XX, never split over lines
    let cp = c;
    let width = 1;
    if (c >= 0xd800 && c <= 0xdbff) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
        width = 2;
      } else cp = 0xfffd;
    } else if (c >= 0xdc00 && c <= 0xdfff) cp = 0xfffd;
    const encoded = utf8Hex(cp);
    if (col + encoded.length > MAX_CONTENT) {
      out += '=\r\n';
      col = 0;
    }
    out += encoded;
    col += encoded.length;
    i += width;
  }
  if (col > 0) out += '=\r\n';
  return out;
}

// A space or tab before a hard break would be taken for transport padding and dropped: encode it.
function hardBreak(out: string, col: number): string {
  if (col === 0) return out + '\r\n';
  const last = out.charCodeAt(out.length - 1);
  if (last !== 32 && last !== 9) return out + '\r\n';
  const head = out.slice(0, -1);
  return (col + 2 > MAX_CONTENT + 1 ? head + '=\r\n' : head) + hexByte(last) + '\r\n';
}

function utf8Hex(cp: number): string {
  if (cp < 0x80) return hexByte(cp);
  if (cp < 0x800) return hexByte(0xc0 | (cp >> 6)) + hexByte(0x80 | (cp & 63));
  if (cp < 0x10000) return hexByte(0xe0 | (cp >> 12)) + hexByte(0x80 | ((cp >> 6) & 63)) + hexByte(0x80 | (cp & 63));
  return hexByte(0xf0 | (cp >> 18)) + hexByte(0x80 | ((cp >> 12) & 63)) + hexByte(0x80 | ((cp >> 6) & 63)) + hexByte(0x80 | (cp & 63));
}

/** Decodes quoted-printable (for tests and diagnostics; the server's parser has its own). */
export function decodeQuotedPrintable(encoded: string): string {
  const bytes: number[] = [];
  const text = encoded.replace(/=\r?\n/g, '');
  const enc = new TextEncoder();
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...enc.encode(c));
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
