// A hand-written MIME structure scanner: the first and only pass that splits
// a message. It checks every limit cheaply and stops at the first violation,
// before anything is decoded; it sees inside embedded message/rfc822 parts,
// which stay out of the message's own text (see mime-body.ts) but which
// classification must read; and the body reader decodes straight from the
// entities it returns. The boundary rules follow mailsplit's (the splitter of
// mailparser, which Postdesk used before), so part numbers stay the ones
// stored for earlier mail: a delimiter is `--boundary`, optional `--`,
// optional blanks, a line end; the line break before it belongs to it; an
// unclosed inner multipart ends at its parent's next delimiter; lines after
// the closing delimiter are epilogue.
import type { ParseLimits } from './limits.ts';
import { ParseRejectedError } from './parse-error.ts';
import { findHeaderEnd, splitHeaderFields, type RawHeaderField } from './header-block.ts';
import { parseStructuredValue } from './header-params.ts';
import { decodeTransfer } from './transfer-encoding.ts';

/** One MIME entity as the scanner found it; bodies are views into the input (or a decoded copy). */
export interface ScannedEntity {
  /** IMAP part number; null for the multipart root of an embedded message, which IMAP does not number. */
  path: string | null;
  depth: number;
  fields: RawHeaderField[];
  /** Raw header block, without the blank line that ends it. */
  header: Buffer;
  /** Lowercased type/subtype after defaults (text/plain, message/rfc822 in a digest). */
  contentType: string;
  params: Record<string, string>;
  disposition: 'inline' | 'attachment' | null;
  dispositionParams: Record<string, string>;
  /** Lowercased Content-Transfer-Encoding ('' when absent). */
  transferEncoding: string;
  /** The body as written, still transfer-encoded. */
  body: Buffer;
  /** For message/rfc822 and message/global: the embedded message's top entity, when it was scanned. */
  embedded: ScannedEntity | null;
  /** Parts found in a multipart; 0 when its boundary never appears. */
  childCount: number;
  /** The multipart (or, for an embedded message's top entity, the message/rfc822 part) this entity is in. */
  parent: ScannedEntity | null;
  /** True inside an embedded message: read for classification, never part of the outer message's body or files. */
  enclosed: boolean;
}

/** Content types whose body is a whole message we look into. */
export const EMBEDDED_MESSAGE_TYPES: ReadonlySet<string> = new Set(['message/rfc822', 'message/global']);

interface Task {
  buf: Buffer;
  start: number;
  end: number;
  depth: number;
  /** How this entity is numbered. */
  numbering: { kind: 'root' } | { kind: 'child'; path: string } | { kind: 'embedded'; ownerPath: string };
  parentType: string;
  owner: ScannedEntity | null;
  parent: ScannedEntity | null;
  enclosed: boolean;
}

const prefix = (path: string): string => (path === '' ? '' : `${path}.`);

/** The value of the first header field of this (lowercased) name. */
export function firstValue(fields: readonly RawHeaderField[], name: string): string | undefined {
  return fields.find((f) => f.name === name)?.value;
}

/** Delimiter lines of `boundary` in buf[start, end), in order, with what they open or close. */
function findDelimiters(buf: Buffer, start: number, end: number, boundary: Buffer, cap: number): Array<{ lineStart: number; next: number; closing: boolean }> {
  const view = buf.subarray(start, end); // bounds indexOf to this entity, never the rest of the message
  const needle = Buffer.concat([Buffer.from('--'), boundary]);
  const found: Array<{ lineStart: number; next: number; closing: boolean }> = [];
  let from = 0;
  // Past `cap` delimiters the part limit is exceeded anyway; stop collecting.
  while (found.length < cap) {
    const at = view.indexOf(needle, from);
    if (at < 0) break;
    from = at + 1;
    if (at > 0 && view[at - 1] !== 0x0a) continue;
    let i = at + needle.length;
    let closing = false;
    if (view[i] === 0x2d && view[i + 1] === 0x2d) {
      closing = true;
      i += 2;
    }
    while (view[i] === 0x20 || view[i] === 0x09) i++;
    while (view[i] === 0x0d) i++;
    if (i < view.length && view[i] !== 0x0a) continue;
    const next = Math.min(i + 1, view.length);
    found.push({ lineStart: start + at, next: start + next, closing });
    from = next;
  }
  return found;
}

/** The end of a part's content: the line break in front of the next delimiter belongs to the delimiter. */
function contentEnd(buf: Buffer, contentStart: number, lineStart: number): number {
  let end = lineStart;
  if (end > contentStart && buf[end - 1] === 0x0a) end--;
  if (end > contentStart && buf[end - 1] === 0x0d) end--;
  return Math.max(end, contentStart);
}

function contentTypeOf(fields: RawHeaderField[], parentType: string, disposition: string, hasFilename: boolean): { type: string; params: Record<string, string> } {
  const header = firstValue(fields, 'content-type');
  if (header === undefined || header.trim() === '') {
    // RFC 2046 5.1.5: parts of a digest default to message/rfc822.
    if (parentType === 'multipart/digest') return { type: 'message/rfc822', params: {} };
    // A named attachment without a type is a file, not text to show.
    if (disposition === 'attachment' || hasFilename) return { type: 'application/octet-stream', params: {} };
    return { type: 'text/plain', params: {} };
  }
  const parsed = parseStructuredValue(header);
  // A type without a valid type/subtype (RFC 2045 5.2 says text/plain) is kept
  // out of text rendering: it is read as a file.
  const valid = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(parsed.value);
  return { type: valid ? parsed.value : 'application/octet-stream', params: parsed.params };
}

/**
 * Scans the MIME structure of a message and enforces the part, depth and
 * header limits, throwing ParseRejectedError at the first one exceeded.
 * Returns every entity in document order (containers before their children).
 */
export function scanMime(raw: Buffer, limits: ParseLimits): ScannedEntity[] {
  const out: ScannedEntity[] = [];
  const stack: Task[] = [{ buf: raw, start: 0, end: raw.length, depth: 0, numbering: { kind: 'root' }, parentType: '', owner: null, parent: null, enclosed: false }];
  // Encoded embedded messages are decoded to be scanned; this bounds the
  // extra bytes so nested encodings cannot multiply the work.
  let decodeBudget = raw.length;
  while (stack.length > 0) {
    const task = stack.pop()!;
    if (task.depth > limits.maxDepth) {
      throw new ParseRejectedError('too_deep', `MIME nesting is deeper than ${limits.maxDepth} levels`);
    }
    const { buf, start, end } = task;
    const bounds = findHeaderEnd(buf, start, end, limits.maxHeaderBytes);
    if (!bounds) {
      throw new ParseRejectedError('header_too_long', `a header block is longer than ${limits.maxHeaderBytes} bytes`);
    }
    const header = buf.subarray(start, bounds.headerEnd);
    const fields = splitHeaderFields(header);
    const long = fields.find((f) => f.bytes > limits.maxHeaderLineBytes);
    if (long) {
      throw new ParseRejectedError('header_too_long', `the ${long.name} header field is longer than ${limits.maxHeaderLineBytes} bytes`);
    }
    const dispositionHeader = parseStructuredValue(firstValue(fields, 'content-disposition') ?? '');
    const hasFilename = dispositionHeader.params.filename !== undefined;
    const { type, params } = contentTypeOf(fields, task.parentType, dispositionHeader.value, hasFilename);
    const boundaryParam = (params.boundary ?? '').trimEnd();
    // Like mailsplit: a non-ASCII boundary counts as none.
    const boundary = type.startsWith('multipart/') && /^[\x20-\x7e]+$/.test(boundaryParam) ? Buffer.from(boundaryParam, 'latin1') : null;

    let path: string | null;
    switch (task.numbering.kind) {
      case 'root':
        path = '';
        break;
      case 'child':
        path = task.numbering.path;
        break;
      case 'embedded':
        path = boundary ? null : `${prefix(task.numbering.ownerPath)}1`;
        break;
    }
    const entity: ScannedEntity = {
      path,
      depth: task.depth,
      fields,
      header,
      contentType: type,
      params,
      disposition: dispositionHeader.value === 'inline' ? 'inline' : dispositionHeader.value === '' ? null : 'attachment',
      dispositionParams: dispositionHeader.params,
      transferEncoding: (firstValue(fields, 'content-transfer-encoding') ?? '').replace(/\(.*?\)/g, '').trim().toLowerCase(),
      body: buf.subarray(bounds.bodyStart, end),
      embedded: null,
      childCount: 0,
      parent: task.parent,
      enclosed: task.enclosed,
    };
    if (task.owner) task.owner.embedded = entity;
    out.push(entity);

    const children: Task[] = [];
    if (boundary) {
      // The prefix for children: our own path, or for an unnumbered embedded root, its owner's.
      const childBase = path ?? (task.numbering.kind === 'embedded' ? task.numbering.ownerPath : '');
      const delimiters = findDelimiters(buf, bounds.bodyStart, end, boundary, limits.maxParts + 2);
      let open: number | null = null;
      let n = 0;
      const addChild = (childEnd: number, nextLine: number, nextOpens: boolean): void => {
        if (open === null) return;
        // Where mailsplit emits no node it numbers none, and agreeing on
        // numbers matters more than keeping a part that holds nothing: two
        // delimiter lines in a row enclose no part, and a part whose header
        // never ends before the next part's delimiter is dropped.
        if (nextLine === open) return;
        if (nextOpens && findHeaderEnd(buf, open, nextLine, limits.maxHeaderBytes)?.headerEnd === nextLine) return;
        n++;
        children.push({
          buf,
          start: open,
          end: childEnd,
          depth: task.depth + 1,
          numbering: { kind: 'child', path: `${prefix(childBase)}${n}` },
          parentType: type,
          owner: null,
          parent: entity,
          enclosed: task.enclosed,
        });
      };
      for (const d of delimiters) {
        if (d.closing && open === null) continue; // a closing delimiter in the preamble is ignored
        addChild(contentEnd(buf, open ?? d.lineStart, d.lineStart), d.lineStart, !d.closing);
        if (d.closing) {
          open = null;
          break; // the rest is epilogue
        }
        open = d.next;
      }
      addChild(end, end, false); // a multipart that is never closed runs to the end of its parent
      entity.childCount = children.length;
    } else if (EMBEDDED_MESSAGE_TYPES.has(type) && path !== null) {
      let inner = entity.body;
      if (entity.transferEncoding === 'base64' || entity.transferEncoding === 'quoted-printable') {
        inner = decodeBudget >= inner.length ? decodeTransfer(inner, entity.transferEncoding) : Buffer.alloc(0);
        decodeBudget -= inner.length;
      }
      if (inner.length > 0) {
        children.push({ buf: inner, start: 0, end: inner.length, depth: task.depth + 1, numbering: { kind: 'embedded', ownerPath: path }, parentType: type, owner: entity, parent: entity, enclosed: true });
      }
    }
    // Every queued task becomes an entity, so the part limit can be judged now.
    if (out.length + stack.length + children.length > limits.maxParts) {
      throw new ParseRejectedError('too_many_parts', `the message has more than ${limits.maxParts} MIME parts`);
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return out;
}
