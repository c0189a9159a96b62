import type { Dialer, DialerStatus } from '@postdesk/contracts';
import type { Queryable } from '../../platform/db/db.ts';
import { notFound } from '../../platform/http/errors.ts';
import { isOpen, nextOpening } from '../routing/index.ts';
import { requiredVariables } from './dialer-variables.ts';
import { findDialer, listCounts, listDialers, recentMinutes, templateOfCampaign, type DialerRow } from './dialers.repo.ts';
import { presentDialer, presentList, sumCounters } from './dialers.presenter.ts';

async function withVariables(q: Queryable, d: DialerRow): Promise<Dialer> {
  const html = d.template_id === null ? null : ((await templateOfCampaign(q, d.template_id, d.campaign_id)) ?? null);
  return presentDialer(d, requiredVariables(html, d.subject, d.invite));
}

/** Every dialer, by name. */
export async function readDialers(q: Queryable): Promise<Dialer[]> {
  return Promise.all((await listDialers(q)).map((d) => withVariables(q, d)));
}

/** One dialer's configuration. */
export async function readDialer(q: Queryable, id: string): Promise<Dialer> {
  const d = await findDialer(q, id);
  if (!d) throw notFound('dialer');
  return withVariables(q, d);
}

/** A dialer's dashboard: its state, schedule, counters per list and in total (from the ledger's counters), the last hour by minute. */
export async function readDialerStatus(q: Queryable, id: string, now: Date): Promise<DialerStatus> {
  const d = await findDialer(q, id);
  if (!d) throw notFound('dialer');
  const [dialer, lists, minutes] = await Promise.all([withVariables(q, d), listCounts(q, id), recentMinutes(q, id, new Date(now.getTime() - 3_600_000))]);
  const open = isOpen(d.schedule, d.timezone, now);
  return {
    dialer,
    inSchedule: open,
    nextOpening: open ? null : (nextOpening(d.schedule, d.timezone, now)?.toISOString() ?? null),
    sending: d.run_until !== null && d.run_until > now,
    inFlightRecovered: d.in_flight_recovered,
    totals: sumCounters(lists),
    lists: lists.map(presentList),
    minutes: minutes.map((m) => ({ minute: m.minute.toISOString(), sent: m.sent, failed: m.failed })),
  };
}
