import { describe, expect, it } from 'vitest';
import { formPathOf, framesToRows, inviteEndError, inviteTimeError, rowsToFrames, scheduleRowError, type ScheduleRowValue } from './dialer-form-values.ts';

const row = (days: string[], start: string, end: string): ScheduleRowValue => ({ key: days.join(''), days, start, end });

describe('the dialer form: schedule rows and frames', () => {
  it('groups frames of the same hours into one row of weekdays, Monday first, and back', () => {
    const frames = [0, 5, 4, 3, 2, 1].map((day) => ({ day, start: '13:00', end: '18:00' })).concat([{ day: 6, start: '09:00', end: '12:00' }, { day: 1, start: '09:00', end: '12:00' }]);
    const rows = framesToRows(frames);
    expect(rows.map((r) => [r.days, r.start, r.end])).toEqual([
      [['1', '2', '3', '4', '5', '0'], '13:00', '18:00'],
      [['6', '1'].sort((a, b) => Number(a) - Number(b)), '09:00', '12:00'],
    ]);
    expect(rowsToFrames(rows)).toEqual([
      ...[1, 2, 3, 4, 5, 0].map((day) => ({ day, start: '13:00', end: '18:00' })),
      { day: 1, start: '09:00', end: '12:00' },
      { day: 6, start: '09:00', end: '12:00' },
    ]);
    expect(rowsToFrames([row([], '10:00', '11:00')])).toEqual([]);
  });

  it('names what is wrong with a row: no day, a bad time, end not after start, an overlap with an earlier row on a shared day', () => {
    expect(scheduleRowError(row([], '13:00', '18:00'), [])).toMatchObject({ field: 'days' });
    expect(scheduleRowError(row(['1'], '25:00', '18:00'), [])).toMatchObject({ field: 'start', key: 'dialer.schedule.badTime' });
    expect(scheduleRowError(row(['1'], '18:00', '13:00'), [])).toMatchObject({ field: 'end', key: 'dialer.schedule.endAfterStart' });
    expect(scheduleRowError(row(['1'], '13:00', '13:00'), [])).toMatchObject({ field: 'end' });
    const first = row(['1', '2', '3'], '09:00', '14:00');
    expect(scheduleRowError(row(['3', '4'], '13:00', '18:00'), [first])).toEqual({ field: 'start', key: 'dialer.schedule.overlaps', n: 1 });
    expect(scheduleRowError(row(['4', '5'], '13:00', '18:00'), [first])).toBeNull();
    expect(scheduleRowError(row(['1'], '14:00', '24:00'), [first])).toBeNull();
  });

  it('maps a server error on a frame back to the row it came from', () => {
    const rows = [row(['1', '2', '3', '4', '5'], '13:00', '18:00'), row(['6'], '10:00', '09:00')];
    expect(formPathOf('schedule.5.end', rows)).toEqual({ field: 'schedule.1.end' });
    expect(formPathOf('schedule.2.day', rows)).toEqual({ field: 'schedule.0.days' });
    expect(formPathOf('schedule.9.end', rows)).toEqual({ field: 'schedule' });
    expect(formPathOf('domainLimits.1.domain', rows)).toEqual({ field: 'domainLimits', line: 2 });
    expect(formPathOf('invite.end', rows)).toEqual({ field: 'invite.end' });
    expect(formPathOf('name', rows)).toEqual({ field: 'name' });
  });
});

describe('the dialer form: invitation times', () => {
  it('takes an ISO instant with its offset or one ${variable}', () => {
    expect(inviteTimeError('2026-03-01T10:00:00Z')).toBeNull();
    expect(inviteTimeError('2026-03-01T10:00+01:00')).toBeNull();
    expect(inviteTimeError(' ${starts} ')).toBeNull();
    expect(inviteTimeError('')).toBe('validation.required');
    expect(inviteTimeError('2026-03-01 10:00')).toBe('dialer.invite.badTime');
    expect(inviteTimeError('2026-02-30T10:00:00Z')).toBeNull(); // Date.parse rolls it over, as the server's check does
    expect(inviteTimeError('${a} ${b}')).toBe('dialer.invite.badTime');
  });

  it('wants the end after the start, and both of one kind', () => {
    expect(inviteEndError('2026-03-01T10:00:00Z', '2026-03-01T11:00:00Z')).toBeNull();
    expect(inviteEndError('2026-03-01T10:00:00Z', '2026-03-01T10:00:00Z')).toBe('dialer.invite.endAfterStart');
    expect(inviteEndError('2026-03-01T10:00:00+01:00', '2026-03-01T09:30:00Z')).toBeNull();
    expect(inviteEndError('2026-03-01T10:00:00Z', '${ends}')).toBe('dialer.invite.sameKind');
    expect(inviteEndError('${starts}', '${ends}')).toBeNull();
    expect(inviteEndError('bad', '2026-03-01T10:00:00Z')).toBeNull();
    expect(inviteEndError('${s}', 'bad')).toBe('dialer.invite.badTime');
  });
});
