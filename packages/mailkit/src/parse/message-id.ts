import { decodeEncodedWords } from './encoded-words.ts';

// `<local@domain>` as written; the content may not hold blanks or brackets.
const BRACKETED = /<([^<>\s]{1,998})>/g;
const LOOSE = /^[^\s<>"(),;]{1,998}@[^\s<>"(),;]{1,998}$/;

/**
 * Message-IDs in a header value, without angle brackets, in order, deduped.
 * Takes `<id>` tokens; when there are none (mailers that drop the brackets)
 * takes bare `local@domain` words. Comments and phrases around the IDs, as in
 * old In-Reply-To values, are ignored.
 */
export function extractMessageIds(value: string | undefined): string[] {
  if (!value) return [];
  const text = decodeEncodedWords(value);
  const ids = [...text.matchAll(BRACKETED)].map((m) => m[1]!);
  const found = ids.length > 0 ? ids : text.split(/[\s,]+/).map((w) => w.replace(/^<|>$/g, '')).filter((w) => LOOSE.test(w));
  return [...new Set(found)];
}
