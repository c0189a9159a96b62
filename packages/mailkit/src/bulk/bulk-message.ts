import { randomBytes } from 'node:crypto';
import libmime from 'libmime';
import { isValidAddress } from '../compose/address.ts';
import { escapeHtml } from '../template/render.ts';
import { compileCalendarInvite, type CalendarInviteSpec } from './calendar-invite.ts';
import { compileTemplate, fillTemplate, type CompiledTemplate } from './compiled-template.ts';
import { isUnsubscribeUrl, LIST_UNSUBSCRIBE_POST } from './list-unsubscribe.ts';
import { encodeQuotedPrintableSegment } from './quoted-printable.ts';
import type { RecipientKeys } from './recipient-keys.ts';

// A dialer's message compiled once and filled per recipient. Composing every
// message from scratch (nodemailer's MailComposer: a MIME tree, streams,
// encoders) costs 0.4–0.7 ms; here the header block, the MIME structure and
// the quoted-printable text of the template are built once, and a recipient
// costs their own pieces: To, Message-ID, Date, the subject and body fields
// (values HTML-escaped in HTML), the pixel and unsubscribe links, and the
// invitation's UID. Bodies are quoted-printable with a soft break around
// every recipient value (see quoted-printable.ts), so only the values are
// encoded per message; no line starts with "." (no dot-stuffing needed) and
// "=" never appears unencoded, so the boundaries, which contain "=_", cannot
// collide with any body.

/** Names the composer fills itself; a list variable of the same name is overridden. */
export const BUILT_IN_FIELDS = ['email', 'unsubscribeUrl'] as const;

/** The event a dialer attaches: title and organizer name may hold `${fields}`; dates come per recipient. */
export type BulkInviteSpec = CalendarInviteSpec;

/** A file as it is attached to every message that names it; encode once with prepareAttachment. */
export interface PreparedAttachment {
  readonly part: string;
}

/** What a dialer's messages are made of; checked when compiled. */
export interface BulkMessageSpec {
  from: { address: string; name?: string };
  replyTo?: { address: string; name?: string };
  /** Subject template (text; values must not hold line breaks). */
  subject: string;
  /** HTML body template, already sanitised by the caller. */
  html: string;
  /** Plain-text alternative template (see textAlternative, which derives one from the HTML). */
  text: string;
  /** The recipient's token is appended: e.g. https://desk.example.com/api/public/dialer/u/ */
  unsubscribeUrlPrefix: string;
  /** The recipient's token is appended for the 1×1 tracking image; no pixel when absent. */
  pixelUrlPrefix?: string;
  /** Adds a text/calendar REQUEST alternative when set. */
  invite?: BulkInviteSpec;
}

/** One recipient's pieces. */
export interface BulkRecipient {
  to: string;
  /** The list row's variables. */
  values: Readonly<Record<string, string>>;
  keys: RecipientKeys;
  date: Date;
  /** Required when the spec has an invite. */
  invite?: { start: Date; end: Date; uid: string };
  attachments?: readonly PreparedAttachment[];
}

/** Thrown for a spec or a recipient that cannot make a valid message; names the field. */
export class BulkComposeError extends Error {
  override readonly name = 'BulkComposeError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** A compiled dialer message; compose() is the per-recipient step. */
export interface BulkMessage {
  /** The raw message for one recipient: ASCII, CRLF line ends, no line starting with ".". */
  compose(r: BulkRecipient): string;
  /** Every field the templates use, built-ins excluded: what a list row must provide. */
  readonly fields: readonly string[];
}

interface QpTemplate {
  /** parts[i] already quoted-printable encoded */
  parts: string[];
  names: readonly string[];
}

const INJECTION = /[\r\n\0]/;

/** Compiles a dialer's message once; throws BulkComposeError naming a bad field. */
export function compileBulkMessage(spec: BulkMessageSpec): BulkMessage {
  if (!isValidAddress(spec.from.address)) throw new BulkComposeError('from.address', 'not a valid address');
  if (spec.replyTo && !isValidAddress(spec.replyTo.address)) throw new BulkComposeError('replyTo.address', 'not a valid address');
  for (const [field, value] of [['from.name', spec.from.name], ['replyTo.name', spec.replyTo?.name], ['subject', spec.subject]] as const) {
    if (value !== undefined && INJECTION.test(value)) throw new BulkComposeError(field, 'contains a line break');
  }
  if (!isUnsubscribeUrl(spec.unsubscribeUrlPrefix + 'x')) throw new BulkComposeError('unsubscribeUrlPrefix', 'not an absolute http(s) URL');
  if (spec.pixelUrlPrefix !== undefined && !isUnsubscribeUrl(spec.pixelUrlPrefix + 'x')) throw new BulkComposeError('pixelUrlPrefix', 'not an absolute http(s) URL');

  const tag = randomBytes(12).toString('hex');
  const alt = `----=_pd_${tag}_a`;
  const mixed = `----=_pd_${tag}_m`;

  const subject = compileTemplate(spec.subject);
  const fixedSubject = subject.names.length === 0 ? subjectLine(spec.subject) : null;
  const html = qpTemplate(withPixelSlot(spec.html, spec.pixelUrlPrefix !== undefined));
  const text = qpTemplate(compileTemplate(crlf(spec.text)));
  const inviteSummary = spec.invite ? compileTemplate(spec.invite.summary) : null;
  const inviteOrganizer = spec.invite?.organizer.name !== undefined ? compileTemplate(spec.invite.organizer.name) : null;
  if (spec.invite && !isValidAddress(spec.invite.organizer.email)) throw new BulkComposeError('invite.organizer.email', 'not a valid address');
  const writeInvite = spec.invite ? compileCalendarInvite(spec.invite) : null;

  const fields = new Set<string>();
  for (const t of [subject, compileTemplate(spec.html), compileTemplate(spec.text), inviteSummary, inviteOrganizer]) {
    for (const f of t?.fields ?? []) fields.add(f);
  }
  for (const b of BUILT_IN_FIELDS) fields.delete(b);

  const head =
    `From: ${mailboxHeader(spec.from)}\r\n` + (spec.replyTo ? `Reply-To: ${mailboxHeader(spec.replyTo)}\r\n` : '') + 'To: ';
  const afterMessageId =
    'MIME-Version: 1.0\r\n' +
    'Auto-Submitted: auto-generated\r\n' +
    'X-Auto-Response-Suppress: All\r\n' +
    'Precedence: bulk\r\n' +
    `List-Unsubscribe-Post: ${LIST_UNSUBSCRIBE_POST}\r\n` +
    'List-Unsubscribe: <' +
    spec.unsubscribeUrlPrefix;
  const qpHeaders = 'Content-Transfer-Encoding: quoted-printable\r\n\r\n';
  const altHeader = `Content-Type: multipart/alternative; boundary="${alt}"\r\n`;
  const altBody =
    `\r\n--${alt}\r\nContent-Type: text/plain; charset=utf-8\r\n${qpHeaders}`;
  const htmlHead = `\r\n--${alt}\r\nContent-Type: text/html; charset=utf-8\r\n${qpHeaders}`;
  // an invitation in ASCII goes as it is (its lines are folded at 75 octets and none starts with "."), else quoted-printable
  const calHead = `\r\n--${alt}\r\nContent-Type: text/calendar; charset=utf-8; method=REQUEST\r\n`;
  const cal7bit = 'Content-Transfer-Encoding: 7bit\r\n\r\n';
  const altEnd = `\r\n--${alt}--\r\n`;
  const mixedHeader = `Content-Type: multipart/mixed; boundary="${mixed}"\r\n`;
  const pixelPrefix = spec.pixelUrlPrefix === undefined ? '' : encodeQuotedPrintableSegment(escapeHtml(spec.pixelUrlPrefix));
  let dateSecond = -1;
  let dateText = '';

  return {
    fields: [...fields],
    compose(r: BulkRecipient): string {
      if (INJECTION.test(r.to) || !isValidAddress(r.to)) throw new BulkComposeError('to', 'not a valid address');
      const unsubscribeUrl = spec.unsubscribeUrlPrefix + r.keys.token;
      const values: Record<string, string> = { ...r.values, email: r.to, unsubscribeUrl };
      const second = Math.floor(r.date.getTime() / 1000);
      if (second !== dateSecond) {
        dateSecond = second;
        dateText = r.date.toUTCString().replace(/GMT$/, '+0000');
      }
      let out =
        head +
        r.to +
        '\r\n' +
        (fixedSubject ?? subjectLine(fillTemplate(subject, values, 'text'))) +
        'Date: ' +
        dateText +
        '\r\nMessage-ID: <' +
        r.keys.messageId +
        '>\r\n' +
        afterMessageId +
        r.keys.token +
        '>\r\n';
      const files = r.attachments ?? [];
      if (files.length > 0) out += mixedHeader + `\r\n--${mixed}\r\n`;
      out += altHeader + altBody + fillQp(text, values, 'text', null) + htmlHead + fillQp(html, values, 'html', pixelPrefix === '' ? null : pixelPrefix + r.keys.token);
      if (writeInvite) {
        if (!r.invite) throw new BulkComposeError('invite', 'the dialer sends an invitation: start, end and uid are required');
        const ics = writeInvite({ uid: r.invite.uid, stamp: r.date, start: r.invite.start, end: r.invite.end, attendee: r.to, values });
        out += calHead + (isAscii(ics) ? cal7bit + ics.slice(0, -2) : qpHeaders + encodeQuotedPrintableSegment(ics));
      }
      out += altEnd;
      if (files.length > 0) {
        for (const f of files) out += `\r\n--${mixed}\r\n` + f.part;
        out += `\r\n--${mixed}--\r\n`;
      }
      return out;
    },
  };
}

/**
 * Encodes a file once for every message that attaches it: base64 in 76-column
 * lines, the name RFC 2231-encoded when it is not plain ASCII.
 */
export function prepareAttachment(file: { filename: string; contentType: string; content: Buffer }): PreparedAttachment {
  if (INJECTION.test(file.filename) || file.filename.trim() === '') throw new BulkComposeError('attachments.filename', 'empty or contains a line break');
  if (!/^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/.test(file.contentType)) {
    throw new BulkComposeError('attachments.contentType', 'not a MIME type such as application/pdf');
  }
  const b64 = file.content.toString('base64');
  let body = '';
  for (let i = 0; i < b64.length; i += 76) body += b64.slice(i, i + 76) + '\r\n';
  const name = /^[\x20-\x7e]+$/.test(file.filename) && !/["\\]/.test(file.filename)
    ? `filename="${file.filename}"`
    : `filename*=utf-8''${encodeURIComponent(file.filename).replace(/['()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())}`;
  return {
    part:
      `Content-Type: ${file.contentType}\r\n` +
      `Content-Disposition: attachment; ${name}\r\n` +
      'Content-Transfer-Encoding: base64\r\n\r\n' +
      body,
  };
}

// The HTML template with an extra last field, PIXEL, where the image goes: before </body>, else at the end.
const PIXEL = '\u0000pixel';

function withPixelSlot(html: string, pixel: boolean): CompiledTemplate {
  const t = compileTemplate(crlf(html));
  if (!pixel) return t;
  const parts = [...t.parts];
  const names = [...t.names];
  const last = parts.pop()!;
  const at = last.toLowerCase().lastIndexOf('</body>');
  const cut = at < 0 ? last.length : at;
  parts.push(last.slice(0, cut) + '<img src="', '" width="1" height="1" alt="" style="display:block;border:0;width:1px;height:1px">' + last.slice(cut));
  names.push(PIXEL);
  return { parts, names, fields: t.fields };
}

function qpTemplate(t: CompiledTemplate): QpTemplate {
  return { parts: t.parts.map(encodeQuotedPrintableSegment), names: t.names };
}

// The HTML template's values are escaped before encoding; the pixel URL comes pre-encoded.
function fillQp(t: QpTemplate, values: Readonly<Record<string, string>>, mode: 'html' | 'text', pixel: string | null): string {
  let out = t.parts[0]!;
  for (let i = 0; i < t.names.length; i++) {
    const name = t.names[i]!;
    if (name === PIXEL) out += (pixel ?? '') + '=\r\n';
    else {
      const v = Object.hasOwn(values, name) ? values[name]! : '';
      out += encodeQuotedPrintableSegment(mode === 'html' ? escapeHtml(v) : v);
    }
    out += t.parts[i + 1]!;
  }
  return out;
}

function subjectLine(subject: string): string {
  if (INJECTION.test(subject)) throw new BulkComposeError('subject', 'contains a line break');
  const ascii = /^[\x20-\x7e]*$/.test(subject);
  if (ascii && subject.length <= 69) return `Subject: ${subject}\r\n`;
  const value = ascii ? subject : libmime.encodeWords(subject, 'Q', 52);
  return libmime.foldLines(`Subject: ${value}`, 76) + '\r\n';
}

function mailboxHeader(m: { address: string; name?: string }): string {
  if (!m.name) return m.address;
  const name = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]*$/.test(m.name)
    ? m.name
    : /^[\x20-\x7e]*$/.test(m.name)
      ? `"${m.name.replace(/(["\\])/g, '\\$1')}"`
      : libmime.encodeWords(m.name, 'Q', 52);
  return `${name} <${m.address}>`;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

function crlf(text: string): string {
  return text.replace(/\r\n?|\n/g, '\r\n');
}
