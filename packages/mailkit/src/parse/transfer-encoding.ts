// Content-Transfer-Encoding decoding for the parts we read ourselves (report
// parts, embedded messages). Lenient on purpose: broken encodings are common
// and we want whatever text is recoverable, never an exception.

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Quoted-printable (RFC 2045 6.7): soft line breaks removed, =XX decoded, anything else kept. */
export function decodeQuotedPrintable(input: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(input.length);
  let n = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input[i]!;
    if (c !== 0x3d) {
      out[n++] = c;
      continue;
    }
    const a = input[i + 1];
    const b = input[i + 2];
    if (a === 0x0a) {
      i += 1; // soft break "=\n"
    } else if (a === 0x0d && b === 0x0a) {
      i += 2; // soft break "=\r\n"
    } else if (a !== undefined && b !== undefined && hexValue(a) >= 0 && hexValue(b) >= 0) {
      out[n++] = hexValue(a) * 16 + hexValue(b);
      i += 2;
    } else {
      // Trailing whitespace after a soft-break "=" is transport padding.
      let j = i + 1;
      while (input[j] === 0x20 || input[j] === 0x09) j++;
      if (input[j] === 0x0a || (input[j] === 0x0d && input[j + 1] === 0x0a)) i = input[j] === 0x0a ? j : j + 1;
      else out[n++] = c;
    }
  }
  return out.subarray(0, n);
}

// Node decodes base64 only from a string: a 34 MB body would first become a
// 34 MB string. Past this size the body is decoded a slice at a time into one
// output buffer, so the string never exceeds the slice.
const BASE64_SLICE = 1024 * 1024;

function decodeBase64(body: Buffer): Buffer {
  if (body.length <= BASE64_SLICE) return Buffer.from(body.toString('latin1'), 'base64');
  const out = Buffer.allocUnsafe(Math.ceil((body.length * 3) / 4));
  let n = 0;
  let carry = '';
  for (let at = 0; at < body.length; at += BASE64_SLICE) {
    // only the alphabet counts: whitespace and garbage are skipped, as Node's decoder does
    const chars = carry + body.toString('latin1', at, Math.min(body.length, at + BASE64_SLICE)).replace(/[^A-Za-z0-9+/=_-]/g, '');
    const last = at + BASE64_SLICE >= body.length;
    // a slice ends on a whole quad, the rest waits for the next one
    const quads = chars.slice(0, last ? chars.length : chars.length - (chars.length % 4));
    n += out.write(quads, n, 'base64');
    carry = chars.slice(quads.length);
    // padding ends the data (Node's decoder stops there too)
    if (!last && quads.includes('=')) break;
  }
  return out.subarray(0, n);
}

/** Decodes a body by its Content-Transfer-Encoding; unknown encodings are taken as identity, as RFC 2045 readers do. */
export function decodeTransfer(body: Buffer, encoding: string): Buffer {
  switch (encoding) {
    case 'base64':
      // Node's decoder skips whitespace and stops at garbage instead of throwing.
      return decodeBase64(body);
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    default:
      return body;
  }
}
