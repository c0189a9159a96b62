import MailComposer, { type MailComposerAttachment, type MailComposerOptions } from 'nodemailer/lib/mail-composer';
import { cleanMessageId } from '../threading/index.ts';
import { isValidAddress } from './address.ts';
import { ComposeError } from './compose-error.ts';

/** A mailbox: the address, and the display name people see. */
export interface MailAddress {
  address: string;
  name?: string;
}

/** A file sent with the message; with `cid` it is inline, referenced from the HTML as cid:… */
export interface ComposeAttachment {
  filename: string;
  /** A bare MIME type such as "application/pdf" (no parameters). */
  contentType: string;
  content: Buffer;
  cid?: string;
}

/** Marks a message written by a program, per RFC 3834, so other programs do not answer it. */
export type AutoSubmitted = 'auto-replied' | 'auto-generated';

/** Everything an outbound message is made of; every string here may come from a user and is checked. */
export interface ComposeInput {
  from: MailAddress;
  to: readonly MailAddress[];
  cc?: readonly MailAddress[];
  /** Envelope only: never written into the message (see messageEnvelope). */
  bcc?: readonly MailAddress[];
  replyTo?: MailAddress;
  subject: string;
  text?: string;
  html?: string;
  /** Our Message-ID, stored before sending (see createMessageId); angle brackets optional. */
  messageId: string;
  inReplyTo?: string | null;
  references?: readonly string[];
  /** Set for confirmation messages and other mail no person wrote. */
  autoSubmitted?: AutoSubmitted;
  /** Extra header fields, e.g. X-Postdesk-Interaction; the fields this function writes itself are refused. */
  headers?: Readonly<Record<string, string>>;
  attachments?: readonly ComposeAttachment[];
  date: Date;
}

// Header fields composeMessage writes itself, or that only a transport or
// MIME structure may set: an extra header with one of these names is refused
// rather than silently duplicated or overridden.
const RESERVED = new Set(
  [
    'from', 'sender', 'to', 'cc', 'bcc', 'reply-to', 'subject', 'date', 'message-id', 'in-reply-to', 'references',
    'mime-version', 'content-type', 'content-transfer-encoding', 'content-disposition', 'content-id',
    'auto-submitted', 'x-auto-response-suppress', 'precedence', 'return-path', 'received', 'dkim-signature',
  ],
);
const INJECTION = /[\r\n\0]/;
// RFC 5322 field-name: printable ASCII except the colon
const FIELD_NAME = /^[!-9;-~]{1,76}$/;
const CONTENT_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;
const CONTENT_ID = /^[!-;=?-~]{1,250}$/;

/**
 * Builds the raw RFC 5322 bytes of an outbound message with nodemailer's
 * MailComposer, after refusing anything that could forge or inject header
 * fields: CR, LF or NUL in any header built from input (subject, names,
 * addresses, extra headers, filenames, ids) is a ComposeError with code
 * 'header_injection' naming the field; implausible addresses are
 * 'invalid_address'. Bcc never appears in the output. The bytes are what is
 * stored and sent, so a retry sends exactly the same message.
 *
 * With autoSubmitted it adds RFC 3834's `Auto-Submitted`, Microsoft's
 * `X-Auto-Response-Suppress: All`, and `Precedence: bulk`. Precedence is not
 * standard and RFC 3834 does not ask for it, but vacation(1), procmail-era
 * responders and several helpdesks look only at Precedence bulk/junk/list;
 * "auto_reply" is honoured by almost none of them, so "bulk" is the value
 * that actually stops loops.
 */
export async function composeMessage(input: ComposeInput): Promise<Buffer> {
  const options = composerOptions(input);
  return new MailComposer(options).compile().build();
}

/**
 * The SMTP envelope of a composed message: the From address, and every To,
 * Cc and Bcc recipient once. The only place Bcc recipients exist, since the
 * message itself must not name them.
 */
export function messageEnvelope(input: Pick<ComposeInput, 'from' | 'to' | 'cc' | 'bcc'>): { from: string; to: string[] } {
  const seen = new Set<string>();
  const to: string[] = [];
  for (const r of [...input.to, ...(input.cc ?? []), ...(input.bcc ?? [])]) {
    const key = r.address.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    to.push(r.address);
  }
  return { from: input.from.address, to };
}

function composerOptions(input: ComposeInput): MailComposerOptions {
  const from = mailbox(input.from, 'from');
  const to = input.to.map((a, i) => mailbox(a, `to[${i}]`));
  const cc = (input.cc ?? []).map((a, i) => mailbox(a, `cc[${i}]`));
  (input.bcc ?? []).forEach((a, i) => mailbox(a, `bcc[${i}]`));
  const replyTo = input.replyTo ? mailbox(input.replyTo, 'replyTo') : undefined;
  if (to.length + cc.length + (input.bcc?.length ?? 0) === 0) throw new ComposeError('missing_recipient', 'to', 'at least one recipient is required');

  headerText(input.subject, 'subject');
  if (input.text === undefined && input.html === undefined && (input.attachments?.length ?? 0) === 0) {
    throw new ComposeError('missing_body', 'text', 'a text or HTML body (or an attachment) is required');
  }
  if (!(input.date instanceof Date) || Number.isNaN(input.date.getTime())) throw new ComposeError('invalid_header', 'date', 'not a valid date');

  const messageId = messageIdOf(input.messageId, 'messageId');
  const inReplyTo = input.inReplyTo == null ? undefined : messageIdOf(input.inReplyTo, 'inReplyTo');
  const references = (input.references ?? []).map((r, i) => messageIdOf(r, `references[${i}]`));

  const headers: Array<{ key: string; value: string }> = [];
  for (const [key, value] of Object.entries(input.headers ?? {})) {
    const field = `headers.${key}`;
    if (INJECTION.test(key)) throw new ComposeError('header_injection', field, 'the header name contains a line break or NUL');
    if (!FIELD_NAME.test(key)) throw new ComposeError('invalid_header', field, 'not a valid header name');
    if (RESERVED.has(key.toLowerCase())) throw new ComposeError('reserved_header', field, 'this header is set by Postdesk itself');
    headerText(value, field);
    headers.push({ key, value });
  }
  if (input.autoSubmitted !== undefined) {
    headers.push({ key: 'Auto-Submitted', value: input.autoSubmitted });
    headers.push({ key: 'X-Auto-Response-Suppress', value: 'All' });
    headers.push({ key: 'Precedence', value: 'bulk' });
  }

  const attachments = (input.attachments ?? []).map((a, i) => attachment(a, `attachments[${i}]`));

  return {
    from,
    to,
    ...(cc.length > 0 ? { cc } : {}),
    ...(replyTo ? { replyTo } : {}),
    subject: input.subject,
    messageId: `<${messageId}>`,
    ...(inReplyTo ? { inReplyTo: `<${inReplyTo}>` } : {}),
    ...(references.length > 0 ? { references: references.map((r) => `<${r}>`) } : {}),
    date: input.date,
    ...(input.text !== undefined ? { text: crlf(input.text) } : {}),
    ...(input.html !== undefined ? { html: crlf(input.html) } : {}),
    headers,
    attachments,
    // content is always a Buffer we were given: never let a path or URL be read
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

// RFC 5322 allows CR and LF only together; the stored bytes are exactly what goes on the wire
function crlf(text: string): string {
  return text.replace(/\r\n?|\n/g, '\r\n');
}

function headerText(value: string, field: string): void {
  if (typeof value !== 'string') throw new ComposeError('invalid_header', field, 'must be text');
  if (INJECTION.test(value)) throw new ComposeError('header_injection', field, 'contains a line break or NUL');
}

function mailbox(a: MailAddress, field: string): { name: string; address: string } {
  headerText(a.address, `${field}.address`);
  if (a.name !== undefined) headerText(a.name, `${field}.name`);
  if (!isValidAddress(a.address)) throw new ComposeError('invalid_address', `${field}.address`, `"${a.address}" is not a valid email address`);
  return { name: a.name ?? '', address: a.address };
}

function messageIdOf(value: string, field: string): string {
  headerText(value, field);
  const id = cleanMessageId(value);
  if (id === null) throw new ComposeError('invalid_message_id', field, 'not a valid Message-ID (local@domain)');
  return id;
}

function attachment(a: ComposeAttachment, field: string): MailComposerAttachment {
  headerText(a.filename, `${field}.filename`);
  if (a.filename.trim() === '') throw new ComposeError('invalid_header', `${field}.filename`, 'a file name is required');
  headerText(a.contentType, `${field}.contentType`);
  if (!CONTENT_TYPE.test(a.contentType)) throw new ComposeError('invalid_content_type', `${field}.contentType`, 'not a MIME type such as application/pdf');
  if (!Buffer.isBuffer(a.content)) throw new ComposeError('invalid_header', `${field}.content`, 'must be a Buffer');
  if (a.cid !== undefined) {
    headerText(a.cid, `${field}.cid`);
    if (!CONTENT_ID.test(a.cid)) throw new ComposeError('invalid_header', `${field}.cid`, 'not a valid Content-ID');
  }
  return {
    filename: a.filename,
    contentType: a.contentType,
    content: a.content,
    ...(a.cid !== undefined ? { cid: a.cid, contentDisposition: 'inline' } : { contentDisposition: 'attachment' }),
  };
}
