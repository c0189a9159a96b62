import { describe, expect, it } from 'vitest';
import { isOpen, nextOpening, type ScheduleFrame } from './schedule.ts';

const f = (day: number, start: string, end: string): ScheduleFrame => ({ day, start, end });
const z = (iso: string): Date => new Date(iso);

// Days: 0 = Sunday … 6 = Saturday. 2024-01-15 is a Monday; Madrid is UTC+1
// in winter, UTC+2 in summer (2024-03-31 01:00Z → 2024-10-27 01:00Z).
const weekdays = [1, 2, 3, 4, 5].map((d) => f(d, '08:00', '18:59'));
const splitDay = [f(1, '09:00', '12:59'), f(1, '15:00', '18:59')];
const sunday = (start: string, end: string) => [f(0, start, end)];

describe('isOpen', () => {
  it.each<[string, ScheduleFrame[], string, string, boolean]>([
    ['empty schedule is always open', [], 'Europe/Madrid', '2024-01-14T03:00:00Z', true],
    ['before the first minute', weekdays, 'Europe/Madrid', '2024-01-15T06:59:59.999Z', false],
    ['at the start', weekdays, 'Europe/Madrid', '2024-01-15T07:00:00Z', true],
    ['inside the end minute (18:59 is inclusive)', weekdays, 'Europe/Madrid', '2024-01-15T17:59:59.999Z', true],
    ['at 19:00 it is closed', weekdays, 'Europe/Madrid', '2024-01-15T18:00:00Z', false],
    ['weekend closed', weekdays, 'Europe/Madrid', '2024-01-13T12:00:00Z', false],
    ['the day is the local one, not UTC (Sat 23:30Z = Sun 00:30 Madrid)', sunday('00:00', '01:59'), 'Europe/Madrid', '2024-01-13T23:30:00Z', true],
    ['23:59 runs to the end of the day', [f(1, '22:00', '23:59')], 'Europe/Madrid', '2024-01-15T22:59:59.999Z', true],
    ['24:00 runs to the end of the day', [f(1, '22:00', '24:00')], 'Europe/Madrid', '2024-01-15T22:59:59.999Z', true],
    ['and the next day is not included', [f(1, '22:00', '24:00')], 'Europe/Madrid', '2024-01-15T23:00:00Z', false],
    ['several frames: first', splitDay, 'Europe/Madrid', '2024-01-15T08:30:00Z', true],
    ['several frames: the gap', splitDay, 'Europe/Madrid', '2024-01-15T12:30:00Z', false],
    ['several frames: second', splitDay, 'Europe/Madrid', '2024-01-15T14:00:00Z', true],
    ['summer time: 08:00 CEST is 06:00Z', weekdays, 'Europe/Madrid', '2024-07-01T06:00:00Z', true],
    ['summer time: 07:59 CEST', weekdays, 'Europe/Madrid', '2024-07-01T05:59:00Z', false],
    ['spring forward: 01:59:59 CET, before a 02:30 frame', sunday('02:30', '03:59'), 'Europe/Madrid', '2024-03-31T00:59:59Z', false],
    ['spring forward: clocks jump to 03:00, inside it', sunday('02:30', '03:59'), 'Europe/Madrid', '2024-03-31T01:00:00Z', true],
    ['spring forward: a frame wholly in the skipped hour never opens', sunday('02:10', '02:40'), 'Europe/Madrid', '2024-03-31T01:00:00Z', false],
    ['fall back: 02:30 CEST', sunday('02:30', '02:44'), 'Europe/Madrid', '2024-10-27T00:30:00Z', true],
    ['fall back: 02:50 CEST is outside', sunday('02:30', '02:44'), 'Europe/Madrid', '2024-10-27T00:50:00Z', false],
    ['fall back: 02:30 CET, the hour again', sunday('02:30', '02:44'), 'Europe/Madrid', '2024-10-27T01:30:00Z', true],
    ['Kolkata (UTC+5:30): Tue 09:00 IST is Tue 03:30Z', [f(2, '09:00', '17:59')], 'Asia/Kolkata', '2024-01-16T03:30:00Z', true],
    ['Kolkata: 03:29Z is 08:59 IST', [f(2, '09:00', '17:59')], 'Asia/Kolkata', '2024-01-16T03:29:59Z', false],
    ['Kolkata: Mon 20:00Z is already Tue 01:30 IST', [f(2, '00:00', '05:59')], 'Asia/Kolkata', '2024-01-15T20:00:00Z', true],
    ['São Paulo (UTC−3): Sun 01:30Z is Sat 22:30', [f(6, '22:00', '23:59')], 'America/Sao_Paulo', '2024-01-14T01:30:00Z', true],
    ['São Paulo 2018: midnight skipped, 02:59Z is Sat 23:59', sunday('00:00', '05:59'), 'America/Sao_Paulo', '2018-11-04T02:59:59Z', false],
    ['São Paulo 2018: 03:00Z is Sun 01:00 summer time', sunday('00:00', '05:59'), 'America/Sao_Paulo', '2018-11-04T03:00:00Z', true],
    ['UTC', [f(1, '00:00', '00:00')], 'UTC', '2024-01-15T00:00:59Z', true],
    ['a frame ending before it starts never opens', [f(1, '10:00', '09:00')], 'UTC', '2024-01-15T09:30:00Z', false],
    ['a malformed time never opens', [f(1, '9:00', '18:00')], 'UTC', '2024-01-15T10:00:00Z', false],
    ['a day out of range never opens', [f(7, '00:00', '24:00')], 'UTC', '2024-01-15T10:00:00Z', false],
  ])('%s', (_name, schedule, tz, at, expected) => {
    expect(isOpen(schedule, tz, z(at))).toBe(expected);
  });

  it('rejects an unknown time zone', () => {
    expect(() => isOpen(weekdays, 'Mars/Olympus', z('2024-01-15T10:00:00Z'))).toThrow(RangeError);
  });
});

describe('nextOpening', () => {
  it.each<[string, ScheduleFrame[], string, string, string | null]>([
    ['empty schedule: now', [], 'Europe/Madrid', '2024-01-14T03:00:00Z', '2024-01-14T03:00:00.000Z'],
    ['already open: now', weekdays, 'Europe/Madrid', '2024-01-15T10:00:00.123Z', '2024-01-15T10:00:00.123Z'],
    ['early morning: today at 08:00', weekdays, 'Europe/Madrid', '2024-01-15T05:00:00Z', '2024-01-15T07:00:00.000Z'],
    ['evening: tomorrow at 08:00', weekdays, 'Europe/Madrid', '2024-01-15T18:00:00Z', '2024-01-16T07:00:00.000Z'],
    ['Friday evening: Monday', weekdays, 'Europe/Madrid', '2024-01-19T20:00:00Z', '2024-01-22T07:00:00.000Z'],
    ['lunch gap: the afternoon frame', splitDay, 'Europe/Madrid', '2024-01-15T12:30:00Z', '2024-01-15T14:00:00.000Z'],
    ['after the last frame: next week', splitDay, 'Europe/Madrid', '2024-01-15T19:00:00Z', '2024-01-22T08:00:00.000Z'],
    ['Saturday night: Sunday 00:00 local', sunday('00:00', '01:59'), 'Europe/Madrid', '2024-01-13T22:00:00Z', '2024-01-13T23:00:00.000Z'],
    ['across spring forward: Monday 08:00 is now 06:00Z', [f(1, '08:00', '18:59')], 'Europe/Madrid', '2024-03-29T12:00:00Z', '2024-04-01T06:00:00.000Z'],
    ['spring forward: a frame starting in the skipped hour opens at the jump', sunday('02:30', '03:59'), 'Europe/Madrid', '2024-03-31T00:00:00Z', '2024-03-31T01:00:00.000Z'],
    ['spring forward: a frame wholly skipped opens the next week', sunday('02:10', '02:40'), 'Europe/Madrid', '2024-03-30T12:00:00Z', '2024-04-07T00:10:00.000Z'],
    ['spring forward day: a morning frame', sunday('08:00', '08:59'), 'Europe/Madrid', '2024-03-30T12:00:00Z', '2024-03-31T06:00:00.000Z'],
    ['fall back: first 02:30 (CEST)', sunday('02:30', '02:44'), 'Europe/Madrid', '2024-10-26T23:00:00Z', '2024-10-27T00:30:00.000Z'],
    ['fall back: the second 02:30 (CET)', sunday('02:30', '02:44'), 'Europe/Madrid', '2024-10-27T00:50:00Z', '2024-10-27T01:30:00.000Z'],
    ['fall back: clocks going back reopen a frame', sunday('01:00', '02:14'), 'Europe/Madrid', '2024-10-27T00:20:00Z', '2024-10-27T01:00:00.000Z'],
    ['fall back day: a morning frame', sunday('09:00', '09:59'), 'Europe/Madrid', '2024-10-26T12:00:00Z', '2024-10-27T08:00:00.000Z'],
    ['Kolkata: Monday evening UTC → Tuesday 09:00 IST', [f(2, '09:00', '17:59')], 'Asia/Kolkata', '2024-01-15T12:00:00Z', '2024-01-16T03:30:00.000Z'],
    ['São Paulo: Monday 08:00 is 11:00Z', [f(1, '08:00', '17:59')], 'America/Sao_Paulo', '2024-01-14T12:00:00Z', '2024-01-15T11:00:00.000Z'],
    ['São Paulo 2018: a frame at a skipped midnight opens at 01:00', sunday('00:00', '05:59'), 'America/Sao_Paulo', '2018-11-03T20:00:00Z', '2018-11-04T03:00:00.000Z'],
    ['only invalid frames: never', [f(1, '10:00', '09:00')], 'UTC', '2024-01-15T09:30:00Z', null],
    ['seconds matter: 08:00 opens after 07:59:30', [f(1, '08:00', '08:59')], 'UTC', '2024-01-15T07:59:30Z', '2024-01-15T08:00:00.000Z'],
  ])('%s', (_name, schedule, tz, at, expected) => {
    expect(nextOpening(schedule, tz, z(at))?.toISOString() ?? null).toBe(expected);
  });

  it('the opening is open and the moment before it is not', () => {
    const cases: [ScheduleFrame[], string, string][] = [
      [sunday('02:30', '03:59'), 'Europe/Madrid', '2024-03-31T00:00:00Z'],
      [sunday('01:00', '02:14'), 'Europe/Madrid', '2024-10-27T00:20:00Z'],
      [splitDay, 'Europe/Madrid', '2024-01-15T12:30:00Z'],
    ];
    for (const [schedule, tz, at] of cases) {
      const open = nextOpening(schedule, tz, z(at));
      expect(open).not.toBeNull();
      expect(isOpen(schedule, tz, open ?? z(at))).toBe(true);
      expect(isOpen(schedule, tz, new Date((open?.getTime() ?? 0) - 1))).toBe(false);
    }
  });
});
