import { decodeCharset } from './charset.ts';

// =?charset[*lang]?B|Q?text?= (RFC 2047, with the RFC 2231 language suffix).
const ENCODED_WORD = /=\?([^?\s*]+)(?:\*[^?\s]*)?\?([bBqQ])\?([^?\s]*)\?=/g;

function qBytes(text: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5f) out.push(0x20);
    else if (c === 0x3d && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x100) out.push(c);
    else out.push(...Buffer.from(text[i]!, 'utf8'));
  }
  return Buffer.from(out);
}

/**
 * Decodes RFC 2047 encoded words in a header value. Adjacent words of one
 * charset are joined as bytes first, because mailers split multibyte
 * characters across words. The result is plain text: `=?utf-8?Q?<script>?=`
 * gives the string `<script>`, which callers must escape like any other text.
 */
export function decodeEncodedWords(value: string): string {
  if (!value.includes('=?')) return value;
  let out = '';
  let last = 0;
  // A run of encoded words in one charset separated only by whitespace, not yet decoded.
  let runCharset: string | null = null;
  let run: Buffer[] = [];
  const flush = (): void => {
    if (runCharset !== null) out += decodeCharset(Buffer.concat(run), runCharset);
    runCharset = null;
    run = [];
  };
  for (const m of value.matchAll(ENCODED_WORD)) {
    const between = value.slice(last, m.index);
    const charset = m[1]!.toLowerCase();
    const bytes = m[2]!.toLowerCase() === 'b' ? Buffer.from(m[3]!, 'base64') : qBytes(m[3]!);
    // Whitespace between adjacent encoded words is not part of the text (RFC 2047 6.2).
    const adjacent = runCharset !== null && /^[ \t\r\n]*$/.test(between);
    if (!adjacent || runCharset !== charset) {
      flush();
      if (!adjacent) out += between;
      runCharset = charset;
    }
    run.push(bytes);
    last = m.index + m[0].length;
  }
  flush();
  return out + value.slice(last);
}
