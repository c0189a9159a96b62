import type { Report, ReportAgent, ReportCampaign, ReportQuery, ReportRatings } from '@postdesk/contracts';
import type { Queryable } from '../../platform/db/db.ts';
import { notFound } from '../../platform/http/errors.ts';
import { reportFigures, reportPeriods, type FigureRow, type ScopeParams } from './reports.repo.ts';

const pct = (part: number, whole: number): number | null => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : null);

const EMPTY: Omit<FigureRow, 'campaign_id' | 'agent_id' | 'agent_name'> = {
  answered: 0, answered_in_sl: 0, abandoned: 0, avg_wait_sec: null, handled: 0, avg_handling_sec: null,
  ratings: 0, avg_score: null, r1: 0, r2: 0, r3: 0, r4: 0, r5: 0,
};

const ratingsOf = (f: typeof EMPTY): ReportRatings => ({
  count: f.ratings,
  average: f.avg_score,
  distribution: [f.r1, f.r2, f.r3, f.r4, f.r5],
});

/**
 * The report of a period for the reader's campaigns (or one of them: 404
 * when it is not theirs): one line per campaign, in its own zone, and one
 * per agent who answered, handled or was rated in it. Service level of a
 * campaign: answered within its SL time / (answered + abandoned); of an
 * agent: answered within SL / answered (abandoned mail has no agent).
 */
export async function buildReport(q: Queryable, scope: ScopeParams, query: ReportQuery, now: Date): Promise<Report> {
  const campaignId = query.campaignId ?? null;
  const period = { preset: query.preset, from: query.from, to: query.to };
  const periods = await reportPeriods(q, scope, campaignId, now, period);
  if (campaignId && periods.length === 0) throw notFound('campaign');
  const rows = periods.length > 0 ? await reportFigures(q, scope, campaignId, now, period) : [];
  const ofCampaign = new Map(rows.filter((r) => r.campaign_id !== null).map((r) => [r.campaign_id!, r]));
  const campaigns: ReportCampaign[] = periods.map((p) => {
    const f = ofCampaign.get(p.id) ?? EMPTY;
    return {
      campaignId: p.id,
      key: p.key,
      name: p.name,
      timezone: p.timezone,
      from: p.d_from,
      to: p.d_to,
      serviceLevelSec: p.service_level_sec,
      answered: f.answered,
      answeredWithinSl: f.answered_in_sl,
      abandoned: f.abandoned,
      serviceLevelPct: pct(f.answered_in_sl, f.answered + f.abandoned),
      avgWaitSec: f.avg_wait_sec,
      handled: f.handled,
      avgHandlingSec: f.avg_handling_sec,
      ratings: ratingsOf(f),
    };
  });
  const agents: ReportAgent[] = rows
    .filter((r) => r.campaign_id === null && r.agent_id !== null)
    .map((f) => ({
      agentId: f.agent_id!,
      name: f.agent_name ?? '',
      answered: f.answered,
      answeredWithinSl: f.answered_in_sl,
      serviceLevelPct: pct(f.answered_in_sl, f.answered),
      avgWaitSec: f.avg_wait_sec,
      handled: f.handled,
      avgHandlingSec: f.avg_handling_sec,
      ratings: ratingsOf(f),
    }));
  return { preset: query.preset, campaigns, agents };
}
