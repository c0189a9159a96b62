import type { DialerInvite, ScheduleFrame } from '@postdesk/contracts';

// The dialer form's values and their checks, kept apart from the screen so
// they are unit-tested: the weekly schedule is edited as rows of "these
// weekdays, from – to" (Mon–Fri 13:00–18:00 is one row) and saved as the
// server's one frame per day; the invitation's times are ISO instants with
// their offset or one ${variable} each, both of one kind, end after start.

/** One schedule row: weekdays (0 = Sunday … 6 = Saturday, as strings for the chips) and the hours. */
export interface ScheduleRowValue {
  key: string;
  days: string[];
  start: string;
  end: string;
}

/** The invitation as the form edits it. */
export interface InviteValues {
  summary: string;
  organizerEmail: string;
  organizerName: string;
  location: string;
  description: string;
  start: string;
  end: string;
}

let keys = 0;
/** A fresh key for a schedule row (React only; never sent). */
export const newScheduleKey = (): string => `s${++keys}`;

const WEEK = ['1', '2', '3', '4', '5', '6', '0'];
const byWeek = (a: string, b: string): number => WEEK.indexOf(a) - WEEK.indexOf(b);

/** The server's frames as rows: frames with the same hours become one row of their days (Monday first). */
export function framesToRows(frames: readonly ScheduleFrame[]): ScheduleRowValue[] {
  const rows = new Map<string, ScheduleRowValue>();
  for (const f of frames) {
    const k = `${f.start}-${f.end}`;
    const row = rows.get(k) ?? { key: newScheduleKey(), days: [], start: f.start, end: f.end };
    if (!row.days.includes(String(f.day))) row.days.push(String(f.day));
    rows.set(k, row);
  }
  return [...rows.values()].map((r) => ({ ...r, days: r.days.sort(byWeek) }));
}

/** Rows as the server's frames, one a day, Monday first; rows without days give none. */
export function rowsToFrames(rows: readonly ScheduleRowValue[]): ScheduleFrame[] {
  return rows.flatMap((r) => [...r.days].sort(byWeek).map((d) => ({ day: Number(d), start: r.start, end: r.end })));
}

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const minutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

/** What is wrong with a schedule row (the message key and its field), or null; `others` are the rows before it, for overlaps. */
export function scheduleRowError(row: ScheduleRowValue, others: readonly ScheduleRowValue[]): { field: 'days' | 'start' | 'end'; key: string; n?: number } | null {
  if (row.days.length === 0) return { field: 'days', key: 'dialer.schedule.noDays' };
  if (!HHMM.test(row.start)) return { field: 'start', key: 'dialer.schedule.badTime' };
  if (!HHMM.test(row.end)) return { field: 'end', key: 'dialer.schedule.badTime' };
  if (minutes(row.start) >= minutes(row.end)) return { field: 'end', key: 'dialer.schedule.endAfterStart' };
  for (let i = 0; i < others.length; i++) {
    const o = others[i]!;
    if (!o.days.some((d) => row.days.includes(d)) || !HHMM.test(o.start) || !HHMM.test(o.end)) continue;
    if (minutes(row.start) < minutes(o.end) && minutes(o.start) < minutes(row.end)) return { field: 'start', key: 'dialer.schedule.overlaps', n: i + 1 };
  }
  return null;
}

const VARIABLE = /^\$\{\s*[A-Za-z_][A-Za-z0-9_.-]{0,63}\s*\}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** Whether an invitation time is a `${variable}`. */
export const isInviteVariable = (v: string): boolean => VARIABLE.test(v.trim());

/** An invitation time's problem (a message key), or null: an ISO instant with its offset, or one ${variable}. */
export function inviteTimeError(v: string): string | null {
  const t = v.trim();
  if (t === '') return 'validation.required';
  if (VARIABLE.test(t)) return null;
  return INSTANT.test(t) && !Number.isNaN(Date.parse(t)) ? null : 'dialer.invite.badTime';
}

/** The end's problem given the start (both valid on their own): both fixed or both variables, and the end after the start. */
export function inviteEndError(start: string, end: string): string | null {
  if (inviteTimeError(start) !== null || inviteTimeError(end) !== null) return inviteTimeError(end);
  if (isInviteVariable(start) !== isInviteVariable(end)) return 'dialer.invite.sameKind';
  if (!isInviteVariable(start) && !(Date.parse(end.trim()) > Date.parse(start.trim()))) return 'dialer.invite.endAfterStart';
  return null;
}

/** The form's invitation from a stored one (or blank). */
export function inviteValues(invite: DialerInvite | null): InviteValues {
  return {
    summary: invite?.summary ?? '',
    organizerEmail: invite?.organizerEmail ?? '',
    organizerName: invite?.organizerName ?? '',
    location: invite?.location ?? '',
    description: invite?.description ?? '',
    start: invite?.start ?? '',
    end: invite?.end ?? '',
  };
}

/** The invitation as sent: trimmed. */
export function inviteInput(v: InviteValues): DialerInvite {
  return {
    summary: v.summary.trim(),
    organizerEmail: v.organizerEmail.trim(),
    organizerName: v.organizerName.trim(),
    location: v.location.trim(),
    description: v.description,
    start: v.start.trim(),
    end: v.end.trim(),
  };
}

/**
 * Where a server error's path shows in the form: `schedule.3.end` (the
 * fourth frame sent) on the row it came from, `domainLimits.2.domain` on
 * the limits box naming its line, `invite.end` on that field.
 */
export function formPathOf(path: string, rows: readonly ScheduleRowValue[]): { field: string; line?: number } {
  const s = /^schedule\.(\d+)\.(\w+)$/.exec(path);
  if (s) {
    let n = Number(s[1]);
    for (let i = 0; i < rows.length; i++) {
      if (n < rows[i]!.days.length) return { field: `schedule.${i}.${s[2] === 'day' ? 'days' : s[2]}` };
      n -= rows[i]!.days.length;
    }
    return { field: 'schedule' };
  }
  const d = /^domainLimits\.(\d+)/.exec(path);
  if (d) return { field: 'domainLimits', line: Number(d[1]) + 1 };
  if (/^invite\.\w+$/.test(path)) return { field: path };
  return { field: path.split('.')[0]! };
}
