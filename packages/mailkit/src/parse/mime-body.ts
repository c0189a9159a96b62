// The body of a message — its text, its HTML and its files — read straight
// from the scanner's entities. It used to come from mailparser, which splits
// and decodes the message a second time through streams, line by line, and
// decodes base64 in JavaScript: most of the parser's CPU time (about 10 ms a
// message on the ingest benchmark) and, for a 25 MB attachment, 100+ MB of
// chunk buffers. The scanner has already found every part with its headers,
// so what is left is decoding, with Node's native base64 and the platform's
// TextDecoder. The rules are mailparser's (options keepDeliveryStatus,
// ignoreEmbedded, skipTextToHtml), so stored mail reads the same as before:
//   - a leaf that is not text/plain or text/html, or whose disposition is not
//     inline, is a file; an embedded message is one file, never body text;
//   - `text` joins the inline text/plain parts, plus HTML converted to text
//     where the message has text elsewhere outside an alternative (or the
//     HTML is the whole message); `html` joins the inline text/html parts.
import { createHash } from 'node:crypto';
import { htmlToText } from 'html-to-text';
import libmime from 'libmime';
import { limitNesting } from '../render/limit-nesting.ts';
import { decodeCharset } from './charset.ts';
import { decodeEncodedWords } from './encoded-words.ts';
import { sanitizeFilename } from './filename.ts';
import { firstValue, type ScannedEntity } from './mime-scan.ts';
import { decodeTransfer } from './transfer-encoding.ts';
import type { ParsedAttachment } from './types.ts';

// html-to-text costs about 0.5 s per MiB: HTML parts past this size, or all
// of them past the total, are not converted to plain text for `text`. The
// HTML itself is still returned.
const MAX_HTML_TO_TEXT = 2 * 1024 * 1024;
const MAX_HTML_TO_TEXT_TOTAL = 4 * 1024 * 1024;
// html-to-text walks the tree recursively: deeper markup is not converted.
// Its parser (htmlparser2) costs time in proportion to the depth for every
// tag, so the markup is flattened past MAX_HTML_NESTING first (limitNesting):
// 100,000 nested <div> took longer than the parse time bound without it.
const MAX_HTML_DEPTH = 1000;

const TEXT_TYPES = new Set(['text/plain', 'text/html']);

export interface MessageBody {
  text: string | null;
  html: string | null;
  attachments: ParsedAttachment[];
}

/** True when a multipart of this type encloses the entity, at any depth. */
function within(e: ScannedEntity, type: string): boolean {
  for (let p = e.parent; p; p = p.parent) if (p.contentType === type) return true;
  return false;
}

/** True when the entity is a file of the message rather than part of its readable body. */
const isAttachment = (e: ScannedEntity): boolean => !TEXT_TYPES.has(e.contentType) || e.disposition === 'attachment';

/** The bytes of a text part as its author wrote them: transfer-decoded, format=flowed unfolded (RFC 3676), charset decoded. */
function textOf(e: ScannedEntity): string {
  let bytes = decodeTransfer(e.body, e.transferEncoding);
  const params = e.params;
  if (e.contentType === 'text/plain' && params.format?.trim().toLowerCase() === 'flowed') {
    // libmime unfolds on a binary string, before the charset is applied (as mailparser does)
    const delSp = params.delsp?.trim().toLowerCase() === 'yes';
    bytes = Buffer.from(libmime.decodeFlowed(bytes.toString('latin1'), delSp), 'latin1');
  }
  const text = decodeCharset(bytes, params.charset);
  return text.includes('\r\n') ? text.replace(/\r\n/g, '\n') : text;
}

function convertHtml(html: string, total: number): string {
  if (total > MAX_HTML_TO_TEXT_TOTAL || html.length > MAX_HTML_TO_TEXT) return '';
  try {
    return htmlToText(limitNesting(html).html, { limits: { maxDepth: MAX_HTML_DEPTH } });
  } catch {
    // markup html-to-text cannot read (or too deep for its recursion): the HTML is still kept
    return '';
  }
}

function contentIdOf(e: ScannedEntity): string | null {
  const raw = firstValue(e.fields, 'content-id');
  return raw === undefined ? null : decodeEncodedWords(raw).trim().replace(/^<|>$/g, '').trim();
}

function attachmentOf(e: ScannedEntity, index: number): ParsedAttachment {
  const content = decodeTransfer(e.body, e.transferEncoding);
  const declared = e.dispositionParams.filename || e.params.name || null;
  // a file sent as application/octet-stream is named for what it is (report.pdf)
  const contentType = e.contentType === 'application/octet-stream' && declared ? (libmime.detectMimeType(declared) ?? e.contentType).toLowerCase() : e.contentType;
  const contentId = contentIdOf(e);
  return {
    partPath: e.path ?? '',
    filename: sanitizeFilename(declared, { index, contentType }),
    contentType,
    size: content.length,
    sha256: createHash('sha256').update(content).digest('hex'),
    contentId,
    inline: e.disposition === 'inline' || (contentId !== null && within(e, 'multipart/related')),
    // a decoded copy owns its memory; an unencoded body is a view into the whole message, so copy it out
    content: content === e.body ? Buffer.from(content) : content,
  };
}

/** Reads text, HTML and files from the scanned entities of one message (enclosed and container entities are skipped). */
export function readBody(entities: readonly ScannedEntity[]): MessageBody {
  const own = entities.filter((e) => !e.enclosed && !e.contentType.startsWith('multipart/'));
  const readable = own.filter((e) => !isAttachment(e));
  const hasText = readable.some((e) => e.contentType === 'text/plain');
  const htmlTotal = readable.reduce((sum, e) => (e.contentType === 'text/html' ? sum + e.body.length : sum), 0);
  const root = entities[0];
  const text: string[] = [];
  const html: string[] = [];
  const attachments: ParsedAttachment[] = [];
  for (const e of own) {
    if (isAttachment(e)) {
      attachments.push(attachmentOf(e, attachments.length + 1));
      continue;
    }
    const content = textOf(e);
    if (!content) continue;
    if (e.contentType === 'text/plain') {
      text.push(content);
      continue;
    }
    if ((hasText && !within(e, 'multipart/alternative')) || (e === root && !hasText)) text.push(convertHtml(content, htmlTotal));
    html.push(content);
  }
  return {
    text: text.length > 0 ? text.join('\n') : null,
    html: html.length > 0 ? html.join('<br/>\n') : null,
    attachments,
  };
}
