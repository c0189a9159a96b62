import { decodeEncodedWords } from './encoded-words.ts';
import { findHeaderEnd, splitHeaderFields } from './header-block.ts';
import { normalizeLineEnds } from './line-ends.ts';
import { extractMessageIds } from './message-id.ts';
import { firstValue } from './mime-scan.ts';

/** How much of a message peekHeaders reads: the message may be huge or broken. */
export const PEEK_BYTES = 64 * 1024;

/** What a look at a message's top header block finds; null where a field is absent. */
export interface PeekedHeaders {
  /** Decoded, control characters blanked, at most 300 characters: a hostile string, shown as text. */
  subject: string | null;
  /** As subject. */
  from: string | null;
  /** Without angle brackets. */
  messageId: string | null;
}

/**
 * Subject, From and Message-ID of a message that may not parse (the
 * quarantine list shows them, the replay check compares the Message-ID),
 * read from its first 64 KiB with the parser's own header reader (and its
 * reading of line ends), without a full parse.
 */
export function peekHeaders(raw: Buffer): PeekedHeaders {
  const head = normalizeLineEnds(raw.subarray(0, PEEK_BYTES));
  const bounds = findHeaderEnd(head, 0, head.length, head.length);
  const fields = splitHeaderFields(head.subarray(0, bounds?.headerEnd ?? head.length));
  const text = (name: string): string | null => {
    const v = firstValue(fields, name);
    // eslint-disable-next-line no-control-regex
    return v === undefined ? null : decodeEncodedWords(v).replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 300) || null;
  };
  return { subject: text('subject'), from: text('from'), messageId: extractMessageIds(firstValue(fields, 'message-id'))[0] ?? null };
}
