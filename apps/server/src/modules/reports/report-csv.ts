import { stringify } from 'csv-stringify/sync';
import type { Report } from '@postdesk/contracts';
import { neutraliseCell } from '../records/index.ts';

const COLUMNS = [
  'level', 'key', 'name', 'time_zone', 'from', 'to', 'answered', 'answered_within_sl', 'abandoned', 'service_level_pct',
  'avg_wait_sec', 'handled', 'avg_handling_sec', 'ratings', 'avg_rating', 'rating_1', 'rating_2', 'rating_3', 'rating_4', 'rating_5',
] as const;

const n = (x: number | null): string => (x === null ? '' : String(x));

/**
 * A report as CSV: one line per campaign, then one per agent; UTF-8 with a
 * byte-order mark, quoting by csv-stringify, and every cell a spreadsheet
 * would run as a formula neutralised (names are user input). A report has
 * one line per campaign and agent, so it is built whole, not streamed.
 */
export function reportCsv(r: Report): string {
  const lines: string[][] = [];
  for (const c of r.campaigns) {
    lines.push([
      'campaign', c.key, c.name, c.timezone, c.from, c.to, n(c.answered), n(c.answeredWithinSl), n(c.abandoned), n(c.serviceLevelPct),
      n(c.avgWaitSec), n(c.handled), n(c.avgHandlingSec), n(c.ratings.count), n(c.ratings.average), ...c.ratings.distribution.map(n),
    ]);
  }
  for (const a of r.agents) {
    lines.push([
      'agent', '', a.name, '', '', '', n(a.answered), n(a.answeredWithinSl), '', n(a.serviceLevelPct),
      n(a.avgWaitSec), n(a.handled), n(a.avgHandlingSec), n(a.ratings.count), n(a.ratings.average), ...a.ratings.distribution.map(n),
    ]);
  }
  return stringify(lines.map((l) => l.map(neutraliseCell)), { bom: true, header: true, columns: [...COLUMNS] });
}
