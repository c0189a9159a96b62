// Turns bytes in a declared charset into a string with the platform's
// WHATWG TextDecoder (Node ships full ICU), so no charset table of our own.

// UTF-7 is refused on purpose: `+ADw-script+AD4-` decodes to `<script>` and
// slips past filters that look for `<` in the raw bytes (mailparser refuses it
// too). base64/hex are transfer encodings mislabelled as charsets.
const REFUSED = /^(?:(?:cs)?unicode11)?utf7(?:imap)?$|^base64$|^hex$/;

// Labels seen in real mail that the WHATWG list does not know.
const ALIASES: Record<string, string> = {
  cp932: 'shift_jis',
  'ms932': 'shift_jis',
  'windows-31j': 'shift_jis',
  'x-unknown': 'utf-8',
  unknown: 'utf-8',
  'unicode-1-1-utf-8': 'utf-8',
  utf8: 'utf-8',
  'iso-8859-8-e': 'iso-8859-8',
  cp936: 'gbk',
  cp949: 'euc-kr',
  cp850: 'windows-1252',
  '646': 'us-ascii',
};

// Node 20's TextDecoder decodes windows-1252 (and the labels WHATWG maps to
// it: latin1, iso-8859-1, ascii) as ISO-8859-1, leaving 0x80-0x9F as C1
// controls. This is the real windows-1252 for that row.
const CP1252_80_9F = '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';
const fixCp1252 = (s: string): string => s.replace(/[\u0080-\u009f]/g, (c) => CP1252_80_9F[c.charCodeAt(0) - 0x80]!);

const decoders = new Map<string, TextDecoder | null>();
const utf8Fatal = new TextDecoder('utf-8', { fatal: true });
const windows1252 = new TextDecoder('windows-1252');

function decoderFor(label: string): TextDecoder | null {
  let decoder = decoders.get(label);
  if (decoder === undefined) {
    try {
      decoder = new TextDecoder(label);
    } catch {
      decoder = null;
    }
    if (decoders.size < 256) decoders.set(label, decoder);
  }
  return decoder;
}

/**
 * Bytes of unknown or ASCII-declared charset: UTF-8 when they are valid UTF-8
 * (the common case of undeclared 8-bit mail), windows-1252 otherwise, so no
 * byte is ever lost to an exception.
 */
export function decodeUnlabelled(bytes: Uint8Array): string {
  try {
    return utf8Fatal.decode(bytes);
  } catch {
    return fixCp1252(windows1252.decode(bytes));
  }
}

// The ISO-2022 family is 7-bit by definition: 8-bit bytes under such a label
// are text converted on the way (to UTF-8, EUC-JP, Shift_JIS, EUC-KR or GBK)
// without the label being changed. These are tried, strictly, in that order.
const SEVEN_BIT_LABEL = /^(?:cs)?iso-?2022/;
const EIGHT_BIT_GUESSES = ['utf-8', 'euc-jp', 'shift_jis', 'euc-kr', 'gbk'].map((label) => new TextDecoder(label, { fatal: true }));

function guessEightBit(bytes: Uint8Array): string | null {
  for (const decoder of EIGHT_BIT_GUESSES) {
    try {
      return decoder.decode(bytes);
    } catch {
      // not this one
    }
  }
  return null;
}

const hasEightBit = (bytes: Uint8Array): boolean => bytes.some((b) => b >= 0x80);

/** Decodes mail text in its declared charset, never throwing: mail often lies about its charset. */
export function decodeCharset(bytes: Uint8Array, charset: string | undefined): string {
  const label = (charset ?? '').trim().toLowerCase().replace(/^["']|["']$/g, '');
  if (!label || label === 'us-ascii' || label === 'ascii' || label === '646') return decodeUnlabelled(bytes);
  if (SEVEN_BIT_LABEL.test(label) && hasEightBit(bytes)) {
    const guessed = guessEightBit(bytes);
    if (guessed !== null) return guessed;
  }
  if (REFUSED.test(label.replace(/[^a-z0-9]/g, ''))) return new TextDecoder('utf-8').decode(bytes);
  const decoder = decoderFor(ALIASES[label] ?? label);
  if (!decoder) return decodeUnlabelled(bytes);
  const text = decoder.decode(bytes);
  return decoder.encoding === 'windows-1252' ? fixCp1252(text) : text;
}
