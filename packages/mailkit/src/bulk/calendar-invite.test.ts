import { describe, expect, it } from 'vitest';
import { CalendarInviteError, compileCalendarInvite, escapeText, foldLine, writeCalendarInvite, type CalendarInvite } from './calendar-invite.ts';

const base: CalendarInvite = {
  uid: 'pdd-42@acme.test',
  stamp: new Date('2026-12-01T08:00:00Z'),
  start: new Date('2026-12-03T10:00:00Z'),
  end: new Date('2026-12-03T11:30:00Z'),
  summary: 'Product demo',
  organizer: { email: 'sales@acme.test', name: 'Acme Sales' },
  attendee: { email: 'ana@example.test' },
};

// unfold (RFC 5545 §3.1) and split into content lines
const contentLines = (ics: string): string[] => ics.replace(/\r\n /g, '').split('\r\n').slice(0, -1);

describe('writeCalendarInvite', () => {
  it('writes a REQUEST with one event, times in UTC', () => {
    const ics = writeCalendarInvite(base);
    expect(ics.endsWith('\r\n')).toBe(true);
    expect(ics.split('\r\n').slice(0, -1).every((l) => !l.includes('\n') && !l.includes('\r'))).toBe(true);
    expect(contentLines(ics)).toEqual([
      'BEGIN:VCALENDAR',
      'PRODID:-//Postdesk//Email dialer//EN',
      'VERSION:2.0',
      'CALSCALE:GREGORIAN',
      'METHOD:REQUEST',
      'BEGIN:VEVENT',
      'UID:pdd-42@acme.test',
      'DTSTAMP:20261201T080000Z',
      'DTSTART:20261203T100000Z',
      'DTEND:20261203T113000Z',
      'SUMMARY:Product demo',
      'ORGANIZER;CN="Acme Sales":mailto:sales@acme.test',
      'ATTENDEE;RSVP=TRUE:mailto:ana@example.test',
      'SEQUENCE:0',
      'STATUS:CONFIRMED',
      'TRANSP:OPAQUE',
      'END:VEVENT',
      'END:VCALENDAR',
    ]);
  });

  const refused: Array<[string, Partial<CalendarInvite>, string]> = [
    ['an end before the start', { end: new Date('2026-12-03T09:00:00Z') }, 'end'],
    ['an end equal to the start', { end: new Date('2026-12-03T10:00:00Z') }, 'end'],
    ['an invalid start', { start: new Date('nope') }, 'start'],
    ['an empty summary', { summary: '  ' }, 'summary'],
    ['a line break in the UID', { uid: 'a\r\nATTENDEE:mailto:x@y' }, 'uid'],
    ['a line break in the attendee', { attendee: { email: 'a@b.test\r\nX:1' } }, 'attendee.email'],
  ];
  it.each(refused)('refuses %s', (_n, patch, field) => {
    expect(() => writeCalendarInvite({ ...base, ...patch })).toThrow(CalendarInviteError);
    try {
      writeCalendarInvite({ ...base, ...patch });
    } catch (err) {
      expect((err as CalendarInviteError).field).toBe(field);
    }
  });

  it('escapes text and keeps a hostile name inside its parameter', () => {
    const ics = writeCalendarInvite({ ...base, summary: 'Q1; review, part\\2\nnext', organizer: { email: 'a@b.test', name: 'Evil"; ROLE=CHAIR:mailto:x@y' } });
    const lines = contentLines(ics);
    expect(lines).toContain('SUMMARY:Q1\\; review\\, part\\\\2\\nnext');
    expect(lines).toContain(`ORGANIZER;CN="Evil'; ROLE=CHAIR:mailto:x@y":mailto:a@b.test`);
  });
});

describe('foldLine', () => {
  const cases: Array<[string, string]> = [
    ['short', 'SUMMARY:hi'],
    ['exactly 75 octets', 'X'.repeat(75)],
    ['ASCII past 75', 'X'.repeat(200)],
    ['multi-byte at the cut', 'SUMMARY:' + 'é'.repeat(60)],
    ['emoji', 'SUMMARY:' + '😀'.repeat(40)],
  ];
  it.each(cases)('%s: lines ≤ 75 octets, unfolds to the original, no split UTF-8', (_n, line) => {
    const folded = foldLine(line);
    for (const l of folded.split('\r\n')) expect(Buffer.byteLength(l)).toBeLessThanOrEqual(75);
    expect(folded.replace(/\r\n /g, '')).toBe(line);
    expect(folded).not.toContain('\ufffd');
  });
});

describe('escapeText', () => {
  it('drops control characters other than line breaks', () => {
    expect(escapeText('a\u0000b\u0007c\r\nd')).toBe('abc\\nd');
  });
});

describe('compileCalendarInvite', () => {
  it('writes what writeCalendarInvite writes, title and organizer filled per recipient', () => {
    const write = compileCalendarInvite({ summary: 'Demo for ${company}', organizer: { email: 'sales@acme.test', name: '${rep}' } });
    const ics = write({ uid: base.uid, stamp: base.stamp, start: base.start, end: base.end, attendee: 'ana@example.test', values: { company: 'Foo, Inc.', rep: 'Bo' } });
    expect(ics).toBe(writeCalendarInvite({ ...base, summary: 'Demo for Foo, Inc.', organizer: { email: 'sales@acme.test', name: 'Bo' } }));
  });

  it('checks each recipient’s times', () => {
    const write = compileCalendarInvite({ summary: 'Demo', organizer: { email: 'sales@acme.test' } });
    expect(() => write({ uid: 'u@x', stamp: base.stamp, start: base.end, end: base.start, attendee: 'a@b.test', values: {} })).toThrow(/end: must be after the start/);
  });
});
