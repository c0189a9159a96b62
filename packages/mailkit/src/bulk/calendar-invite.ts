// An iCalendar invitation (RFC 5545 objects, RFC 5546 METHOD:REQUEST), one
// per recipient, written by hand: the object is fifteen lines whose rules
// (text escaping, 75-octet folding, UTC times) fit in this file, and a
// library that builds an object model per message would cost more than the
// rest of the message.

/** The organizer or an attendee: an address and an optional display name. */
export interface CalendarParty {
  email: string;
  name?: string;
}

/** One recipient's invitation. */
export interface CalendarInvite {
  /** Unique per recipient and stable across retries, so a resend updates the same event. */
  uid: string;
  /** When the invitation was made (DTSTAMP). */
  stamp: Date;
  start: Date;
  end: Date;
  summary: string;
  organizer: CalendarParty;
  attendee: CalendarParty;
  description?: string;
  location?: string;
  /** Raised when the same event is sent again with changes; 0 for the first invitation. */
  sequence?: number;
}

/** Thrown for an invitation that must not be sent: the field at fault and why. */
export class CalendarInviteError extends Error {
  override readonly name = 'CalendarInviteError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

import { compileTemplate, fillTemplate } from './compiled-template.ts';

const PRODID = '-//Postdesk//Email dialer//EN';
const encoder = new TextEncoder();

/**
 * Checks an event before any message is built: start and end are real
 * dates, the end after the start, the summary not empty. Dialers call it
 * when they are saved and when a list row gives its own dates.
 */
export function validateInviteTimes(start: Date, end: Date): void {
  if (!(start instanceof Date) || Number.isNaN(start.getTime())) throw new CalendarInviteError('start', 'not a valid date');
  if (!(end instanceof Date) || Number.isNaN(end.getTime())) throw new CalendarInviteError('end', 'not a valid date');
  if (end.getTime() <= start.getTime()) throw new CalendarInviteError('end', 'must be after the start');
}

/**
 * Writes a VCALENDAR with METHOD:REQUEST and one VEVENT, lines ending in
 * CRLF and folded at 75 octets, text values escaped; throws
 * CalendarInviteError for an end not after the start, an empty summary, or
 * a line break in a UID or address.
 */
export function writeCalendarInvite(invite: CalendarInvite): string {
  validateInviteTimes(invite.start, invite.end);
  if (invite.summary.trim() === '') throw new CalendarInviteError('summary', 'is empty');
  noBreaks(invite.uid, 'uid');
  noBreaks(invite.organizer.email, 'organizer.email');
  noBreaks(invite.attendee.email, 'attendee.email');
  const lines = [
    'BEGIN:VCALENDAR',
    `PRODID:${PRODID}`,
    'VERSION:2.0',
    'CALSCALE:GREGORIAN',
    'METHOD:REQUEST',
    'BEGIN:VEVENT',
    `UID:${invite.uid}`,
    `DTSTAMP:${utc(invite.stamp)}`,
    `DTSTART:${utc(invite.start)}`,
    `DTEND:${utc(invite.end)}`,
    `SUMMARY:${escapeText(invite.summary)}`,
    ...(invite.description ? [`DESCRIPTION:${escapeText(invite.description)}`] : []),
    ...(invite.location ? [`LOCATION:${escapeText(invite.location)}`] : []),
    `ORGANIZER${cn(invite.organizer.name)}:mailto:${invite.organizer.email}`,
    // ROLE=REQ-PARTICIPANT and PARTSTAT=NEEDS-ACTION are the defaults (RFC 5545 §3.2.16, §3.2.12)
    `ATTENDEE${cn(invite.attendee.name)};RSVP=TRUE:mailto:${invite.attendee.email}`,
    `SEQUENCE:${invite.sequence ?? 0}`,
    'STATUS:CONFIRMED',
    'TRANSP:OPAQUE',
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  let out = '';
  for (const line of lines) out += foldLine(line) + '\r\n';
  return out;
}

/** A dialer's event: title and organizer name may hold `${fields}` filled from each recipient's values. */
export interface CalendarInviteSpec {
  summary: string;
  organizer: CalendarParty;
  description?: string;
  location?: string;
}

/** One recipient's part of a compiled invitation. */
export interface CalendarInviteRecipient {
  uid: string;
  stamp: Date;
  start: Date;
  end: Date;
  attendee: string;
  values: Readonly<Record<string, string>>;
}

/**
 * The bulk form of writeCalendarInvite: the lines every recipient shares are
 * written and folded once, and a recipient costs their UID, times, attendee
 * and any templated title or organizer name. Same output, same checks.
 */
export function compileCalendarInvite(spec: CalendarInviteSpec): (r: CalendarInviteRecipient) => string {
  noBreaks(spec.organizer.email, 'organizer.email');
  const summary = compileTemplate(spec.summary);
  const organizerName = spec.organizer.name === undefined ? null : compileTemplate(spec.organizer.name);
  const fixedSummary = summary.names.length === 0 ? summaryLine(spec.summary) : null;
  const organizerLine = (name: string | undefined): string => foldLine(`ORGANIZER${cn(name)}:mailto:${spec.organizer.email}`) + '\r\n';
  const fixedOrganizer = organizerName === null || organizerName.names.length === 0 ? organizerLine(spec.organizer.name) : null;
  const head = ['BEGIN:VCALENDAR', `PRODID:${PRODID}`, 'VERSION:2.0', 'CALSCALE:GREGORIAN', 'METHOD:REQUEST', 'BEGIN:VEVENT', ''].join('\r\n');
  const extra =
    (spec.description ? foldLine(`DESCRIPTION:${escapeText(spec.description)}`) + '\r\n' : '') +
    (spec.location ? foldLine(`LOCATION:${escapeText(spec.location)}`) + '\r\n' : '');
  const tail = ['SEQUENCE:0', 'STATUS:CONFIRMED', 'TRANSP:OPAQUE', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
  const times = new Map<number, string>();
  const timeOf = (d: Date): string => {
    const ms = d.getTime();
    let t = times.get(ms);
    if (t === undefined) {
      t = utc(d);
      if (times.size > 1_000) times.clear();
      times.set(ms, t);
    }
    return t;
  };
  return (r) => {
    validateInviteTimes(r.start, r.end);
    noBreaks(r.uid, 'uid');
    noBreaks(r.attendee, 'attendee.email');
    return (
      head +
      foldLine(`UID:${r.uid}`) +
      '\r\nDTSTAMP:' +
      timeOf(r.stamp) +
      '\r\nDTSTART:' +
      timeOf(r.start) +
      '\r\nDTEND:' +
      timeOf(r.end) +
      '\r\n' +
      (fixedSummary ?? summaryLine(fillTemplate(summary, r.values, 'text'))) +
      extra +
      (fixedOrganizer ?? organizerLine(fillTemplate(organizerName!, r.values, 'text'))) +
      foldLine(`ATTENDEE;RSVP=TRUE:mailto:${r.attendee}`) +
      '\r\n' +
      tail
    );
  };
}

function summaryLine(summary: string): string {
  if (summary.trim() === '') throw new CalendarInviteError('summary', 'is empty');
  return foldLine(`SUMMARY:${escapeText(summary)}`) + '\r\n';
}

/** RFC 5545 §3.3.11 TEXT: backslash, semicolon and comma escaped, line breaks as \n, other controls dropped. */
export function escapeText(value: string): string {
  return value
    .replace(/\r\n?/g, '\n')
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
    .replace(/[\\;,\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/**
 * RFC 5545 §3.1: a content line longer than 75 octets is split, each
 * continuation starting with one space, never inside a UTF-8 sequence.
 */
export function foldLine(line: string): string {
  if (line.length <= 75 && isAscii(line)) return line;
  const bytes = encoder.encode(line);
  if (bytes.length <= 75) return line;
  let out = '';
  let start = 0;
  let limit = 75;
  while (bytes.length - start > limit) {
    let cut = start + limit;
    // back up to the first byte of a UTF-8 sequence (continuation bytes are 10xxxxxx)
    while ((bytes[cut]! & 0xc0) === 0x80) cut--;
    out += decoder.decode(bytes.subarray(start, cut)) + '\r\n ';
    start = cut;
    limit = 74; // the leading space counts
  }
  return out + decoder.decode(bytes.subarray(start));
}

const decoder = new TextDecoder();

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

// CN is a parameter value: quoted (it may hold ':' ';' ','), and a quoted value cannot hold a DQUOTE
function cn(name: string | undefined): string {
  if (name === undefined || name.trim() === '') return '';
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[\u0000-\u001f\u007f]/g, ' ').replace(/"/g, "'");
  return `;CN="${clean}"`;
}

function noBreaks(value: string, field: string): void {
  if (/[\r\n]/.test(value)) throw new CalendarInviteError(field, 'contains a line break');
  if (value.trim() === '') throw new CalendarInviteError(field, 'is empty');
}

function utc(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new CalendarInviteError('stamp', 'not a valid date');
  // 2026-12-01T10:00:00.000Z → 20261201T100000Z
  const iso = d.toISOString();
  return iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 13) + iso.slice(14, 16) + iso.slice(17, 19) + 'Z';
}
