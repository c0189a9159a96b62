import type { Queryable } from '../../platform/db/db.ts';
import { isOpen } from './schedule.ts';
import { memberStates, smtpHolds, statsCampaigns, statsItems, type ScopeParams } from './supervisor.repo.ts';
import { serviceLevelStats, type ServiceLevelItem, type ServiceLevelStats } from './service-level.ts';

export interface QueueFigures extends ServiceLevelStats {
  campaignId: string;
  campaignKey: string;
  campaignName: string;
  open: boolean;
  offered: number;
  inProgress: number;
  agents: { available: number; paused: number; offline: number; busy: number };
  serviceLevelSec: number;
  /** The campaign's SMTP account is held back by the outbox: replies wait (see smtp_holds). */
  sendingHeld: { since: string; retryAt: string | null; waiting: number; response: string } | null;
}

const ms = (d: Date | null): number | null => (d ? d.getTime() : null);

/**
 * Every active campaign in the scope: its live queue and a period's figures
 * — today in the campaign's time zone unless a period is given: the
 * interactions that entered the queue in the period plus those still waiting
 * from before, through the pure service-level rules. A period that ended
 * before now holds only what happened in it: it is evaluated at its end
 * (waiting = entered in it and not yet answered then), and mail waiting now
 * is not part of it.
 */
export async function queueStats(q: Queryable, now: Date, scope: ScopeParams, period: { from: Date | null; to: Date | null } = { from: null, to: null }): Promise<QueueFigures[]> {
  const campaigns = await statsCampaigns(q, scope);
  const ids = campaigns.map((c) => c.id);
  const at = period.to && period.to < now ? period.to : now;
  const items = await statsItems(q, now, period, ids, at === now);
  const agents = await memberStates(q, ids);
  const holds = await smtpHolds(q);
  const heldOf = new Map(holds.map((h) => [h.campaign_id, h]));
  const byCampaign = new Map<string, typeof items>();
  for (const r of items) {
    let list = byCampaign.get(r.campaign_id);
    if (!list) byCampaign.set(r.campaign_id, (list = []));
    list.push(r);
  }
  return campaigns.map((c) => {
    const rows = byCampaign.get(c.id) ?? [];
    const sl: ServiceLevelItem[] = rows.map((r) => ({
      createdAt: r.queued_at.getTime(),
      acceptedAt: ms(r.accepted_at),
      closedAt: ms(r.closed_at),
      abandonedAt: ms(r.abandoned_at),
    }));
    const stats = serviceLevelStats(sl, {
      serviceLevelSec: c.service_level_sec,
      thresholds: {
        serviceLevelSec: c.threshold_service_level_sec,
        dropoutSec: c.threshold_dropout_sec,
        chatTimeSec: c.threshold_chat_time_sec,
        acdSec: c.threshold_acd_sec,
      },
      now: at.getTime(),
    });
    const team = agents.filter((a) => a.campaign_id === c.id);
    const held = heldOf.get(c.id);
    return {
      ...stats,
      campaignId: c.id,
      campaignKey: c.key,
      campaignName: c.name,
      open: isOpen(c.schedule, c.timezone, now),
      offered: rows.filter((r) => r.queue_state === 'offered').length,
      inProgress: rows.filter((r) => r.queue_state === 'assigned').length,
      serviceLevelSec: c.service_level_sec,
      sendingHeld: held ? { since: held.since.toISOString(), retryAt: held.retry_at?.toISOString() ?? null, waiting: held.waiting, response: held.response } : null,
      agents: {
        available: team.filter((a) => a.state === 'available' && a.load < c.max_interactions_per_agent).length,
        busy: team.filter((a) => a.state === 'available' && a.load >= c.max_interactions_per_agent).length,
        paused: team.filter((a) => a.state === 'paused').length,
        offline: team.filter((a) => !a.state || a.state === 'offline').length,
      },
    };
  });
}
