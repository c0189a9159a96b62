import { parseAddressList, parseReturnPath } from './address.ts';
import { decodeCharset, decodeUnlabelled } from './charset.ts';
import { decodeEncodedWords } from './encoded-words.ts';
import { findHeaderEnd } from './header-block.ts';
import { normalizeLineEnds } from './line-ends.ts';
import { resolveLimits, type ParseLimits } from './limits.ts';
import { readBody } from './mime-body.ts';
import { extractMessageIds } from './message-id.ts';
import { EMBEDDED_MESSAGE_TYPES, scanMime, type ScannedEntity } from './mime-scan.ts';
import { ParseRejectedError } from './parse-error.ts';
import { sanitizeFilename } from './filename.ts';
import { decodeTransfer } from './transfer-encoding.ts';
import type { HeaderField, ParsedAttachment, ParsedMessage, ParsedPart } from './types.ts';

/** How much decoded text a ParsedPart carries: enough for any report, bounded for hostile ones. */
export const PART_TEXT_MAX_BYTES = 256 * 1024;

// Parts whose text classification reads besides text/* (RFC 3464, 6533, 5965, 8098).
const REPORT_TYPES = new Set([
  'message/delivery-status',
  'message/global-delivery-status',
  'message/feedback-report',
  'message/disposition-notification',
  'message/global-disposition-notification',
  'message/global-headers',
]);

/** Drops what is not part of the message: a UTF-8 BOM and an mbox `From ` envelope line. */
function stripEnvelope(raw: Buffer): Buffer {
  let start = raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf ? 3 : 0;
  if (raw.toString('latin1', start, start + 5) === 'From ') {
    const lf = raw.indexOf(0x0a, start);
    start = lf < 0 ? raw.length : lf + 1;
  }
  return raw.subarray(start);
}

/** True for the parts whose text a ParsedPart carries (see partText). */
const carriesText = (type: string): boolean => EMBEDDED_MESSAGE_TYPES.has(type) || type.startsWith('text/') || REPORT_TYPES.has(type);

function partText(entity: ScannedEntity, decoded: Buffer): string | undefined {
  const type = entity.contentType;
  if (EMBEDDED_MESSAGE_TYPES.has(type)) {
    // The embedded message's header block: its Message-ID links a bounce to our original.
    let header = entity.embedded?.header;
    if (!header) {
      const bounds = findHeaderEnd(decoded, 0, Math.min(decoded.length, PART_TEXT_MAX_BYTES), PART_TEXT_MAX_BYTES);
      header = decoded.subarray(0, bounds?.headerEnd ?? 0);
    }
    return decodeUnlabelled(header.subarray(0, PART_TEXT_MAX_BYTES)).replace(/\r\n?/g, '\n');
  }
  if (type.startsWith('text/') || REPORT_TYPES.has(type)) {
    return decodeCharset(decoded.subarray(0, PART_TEXT_MAX_BYTES), entity.params.charset).replace(/\r\n?/g, '\n');
  }
  return undefined;
}

function buildParts(entities: ScannedEntity[], attachments: ParsedAttachment[]): ParsedPart[] {
  const byPath = new Map(attachments.map((a) => [a.partPath, a]));
  const parts: ParsedPart[] = [];
  entities.forEach((entity, index) => {
    if (entity.path === null) return;
    const container = entity.contentType.startsWith('multipart/');
    const attachment = byPath.get(entity.path);
    // Decoded only when needed: an attachment's size is known already, and a
    // 25 MB PDF decoded a second time here would double its memory.
    const decoded = container || (attachment && !carriesText(entity.contentType)) ? null : decodeTransfer(entity.body, entity.transferEncoding);
    const declared = entity.dispositionParams.filename ?? entity.params.name;
    const part: ParsedPart = {
      path: entity.path,
      contentType: entity.contentType,
      params: entity.params,
      disposition: entity.disposition,
      filename: attachment?.filename ?? (declared ? sanitizeFilename(declared, { index: index + 1, contentType: entity.contentType }) : null),
      size: attachment?.size ?? decoded?.length ?? entity.body.length,
    };
    // A multipart whose boundary never appears has no parts: its body is all
    // there is to read (the body reader shows nothing for it), so it is the text.
    const text = container
      ? entity.childCount === 0
        ? decodeUnlabelled(entity.body.subarray(0, PART_TEXT_MAX_BYTES)).replace(/\r\n?/g, '\n')
        : undefined
      : decoded ? partText(entity, decoded) : undefined;
    if (text !== undefined) part.text = text;
    parts.push(part);
  });
  return parts;
}

function parseDate(value: string | undefined): string | null {
  if (!value) return null;
  const time = Date.parse(value.replace(/\s*\([^)]*\)\s*$/, ''));
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

/**
 * Parses one raw message safely: limits are checked on the bytes before the
 * decoder runs, and every failure is a ParseRejectedError with a stable code,
 * so the caller can quarantine the message and keep the mailbox flowing.
 * Header values come back decoded but never interpreted (a subject of
 * `<script>` is that string). CPU time is not bounded here: run hostile input
 * through the parser pool.
 */
export async function parseMessage(raw: Buffer, limits?: Partial<ParseLimits>): Promise<ParsedMessage> {
  const l = resolveLimits(limits);
  if (raw.length > l.maxMessageBytes) {
    throw new ParseRejectedError('too_large', `the message is ${raw.length} bytes, more than the limit of ${l.maxMessageBytes}`);
  }
  // line ends first: an mbox "From " line ending in CR alone is found only then
  const input = stripEnvelope(normalizeLineEnds(raw));
  if (input.length === 0) throw new ParseRejectedError('unparseable', 'the message is empty');
  const entities = scanMime(input, l);

  const body = readBody(entities);

  const root = entities[0]!;
  const all = (name: string): string[] => root.fields.filter((f) => f.name === name).map((f) => f.value);
  const first = (name: string): string | undefined => all(name)[0];
  const headers: HeaderField[] = root.fields.map((f) => ({ name: f.name, value: decodeEncodedWords(f.value) }));
  return {
    headers,
    messageId: extractMessageIds(first('message-id'))[0] ?? null,
    inReplyTo: extractMessageIds(all('in-reply-to').join(' ')),
    references: extractMessageIds(all('references').join(' ')),
    subject: decodeEncodedWords(first('subject') ?? ''),
    date: parseDate(first('date')),
    from: parseAddressList(first('from'))[0] ?? null,
    sender: parseAddressList(first('sender'))[0] ?? null,
    replyTo: all('reply-to').flatMap(parseAddressList),
    to: all('to').flatMap(parseAddressList),
    cc: all('cc').flatMap(parseAddressList),
    returnPath: parseReturnPath(first('return-path')),
    text: body.text,
    html: body.html,
    parts: buildParts(entities, body.attachments),
    attachments: body.attachments,
  };
}
