/** One weekly time frame as campaigns store it: day 0 = Sunday … 6 = Saturday, `HH:MM` wall-clock times in the campaign's zone. */
export interface ScheduleFrame {
  day: number;
  start: string;
  end: string;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
// Offset transitions are found by sampling this often; real zones never change twice within it.
const SCAN_STEP = 3 * 60 * MINUTE;

/** A frame as a half-open interval of milliseconds since local midnight. */
interface Window {
  day: number;
  fromMs: number;
  toMs: number;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;
const clock = (hhmm: string): number | null => {
  const m = HHMM.exec(hhmm);
  if (!m) return null;
  return m[1] === undefined ? 24 * 60 : Number(m[1]) * 60 + Number(m[2]);
};

/**
 * The end minute is inclusive, as in the reference ("open from 8 am to
 * 6.59 pm: at 7:00 pm no new interactions"): 08:00–18:59 is open until
 * 18:59:59.999; "23:59" and "24:00" both mean to the end of the day.
 * Unparseable frames, or frames that end before they start, never open.
 */
function windows(schedule: readonly ScheduleFrame[]): Window[] {
  return schedule.flatMap((f) => {
    const start = clock(f.start);
    const end = clock(f.end);
    if (start === null || end === null || !Number.isInteger(f.day) || f.day < 0 || f.day > 6) return [];
    const fromMs = start * MINUTE;
    const toMs = Math.min(end + 1, 24 * 60) * MINUTE;
    return fromMs < toMs ? [{ day: f.day, fromMs, toMs }] : [];
  });
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock time in the zone at instant `t`, written as if it were a UTC instant (so date arithmetic is plain). */
function wall(timeZone: string, t: number): number {
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(t)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const ms = ((t % 1000) + 1000) % 1000;
  return Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, (p.hour ?? 0) % 24, p.minute ?? 0, p.second ?? 0) + ms;
}

const offset = (timeZone: string, t: number): number => wall(timeZone, t) - t;

function openAt(ws: readonly Window[], timeZone: string, t: number): boolean {
  const w = wall(timeZone, t);
  const sinceMidnight = ((w % DAY) + DAY) % DAY;
  const day = new Date(w - sinceMidnight).getUTCDay();
  return ws.some((x) => x.day === day && x.fromMs <= sinceMidnight && sinceMidnight < x.toMs);
}

/**
 * Offers are made only while the campaign is open; an empty schedule means
 * always open. Throws a RangeError for a zone the runtime does not know
 * (campaigns validate it on save).
 */
export function isOpen(schedule: readonly ScheduleFrame[], timeZone: string, at: Date): boolean {
  if (schedule.length === 0) return true;
  return openAt(windows(schedule), timeZone, at.getTime());
}

/** The instants in [from, to) where the zone's UTC offset changes (DST), to the millisecond. */
function transitions(timeZone: string, from: number, to: number): number[] {
  const found: number[] = [];
  for (let a = from; a < to; a += SCAN_STEP) {
    let lo = a;
    let hi = Math.min(a + SCAN_STEP, to);
    const before = offset(timeZone, lo);
    if (offset(timeZone, hi) === before) continue;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (offset(timeZone, mid) === before) lo = mid;
      else hi = mid;
    }
    found.push(hi);
  }
  return found;
}

/**
 * When waiting interactions can next be offered: `at` itself when open,
 * otherwise the first later instant the schedule opens, or null when no
 * frame can ever open. Handles DST: a frame starting inside a skipped hour
 * opens when the clocks jump past its start; a repeated hour can reopen a
 * frame at the moment the clocks go back.
 */
export function nextOpening(schedule: readonly ScheduleFrame[], timeZone: string, at: Date): Date | null {
  const now = at.getTime();
  if (schedule.length === 0) return new Date(now);
  const ws = windows(schedule);
  if (ws.length === 0) return null;
  if (openAt(ws, timeZone, now)) return new Date(now);

  // The schedule only becomes open where the wall clock reaches a frame's
  // start, or where it jumps (an offset change). Collect both over a bit
  // more than a week and keep the earliest that really is open.
  const candidates: number[] = transitions(timeZone, now, now + 9 * DAY);
  const today = wall(timeZone, now);
  const midnight = today - (((today % DAY) + DAY) % DAY);
  for (let k = -1; k <= 8; k++) {
    const date = midnight + k * DAY;
    const day = new Date(date).getUTCDay();
    for (const w of ws) {
      if (w.day !== day) continue;
      const target = date + w.fromMs;
      // every instant whose wall clock reads `target` (none in a gap, two in a repeated hour)
      for (const o of new Set([offset(timeZone, target - DAY), offset(timeZone, target), offset(timeZone, target + DAY)])) {
        if (wall(timeZone, target - o) === target) candidates.push(target - o);
      }
    }
  }
  const opening = candidates.filter((t) => t > now && openAt(ws, timeZone, t)).sort((a, b) => a - b)[0];
  return opening === undefined ? null : new Date(opening);
}
