import type { Queryable } from '../../platform/db/db.ts';
import { waitingBehindHoldSql } from '../outbound/outbox.repo.ts';
import { activeLoadSql } from './routing.repo.ts';
import { isOpen, type ScheduleFrame } from './schedule.ts';
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
 * Every active campaign's live queue and a period's figures — today in the
 * campaign's time zone unless a period is given: the interactions that
 * entered the queue in the period plus those still waiting from before,
 * through the pure service-level rules.
 */
export async function queueStats(q: Queryable, now: Date, period: { from: Date | null; to: Date | null } = { from: null, to: null }): Promise<QueueFigures[]> {
  const campaigns = await q.query<{
    id: string; key: string; name: string; timezone: string; schedule: ScheduleFrame[]; service_level_sec: number; max_interactions_per_agent: number;
    threshold_service_level_sec: number; threshold_dropout_sec: number; threshold_chat_time_sec: number; threshold_acd_sec: number;
  }>(
    `SELECT id, key, name, timezone, schedule, service_level_sec, max_interactions_per_agent,
            threshold_service_level_sec, threshold_dropout_sec, threshold_chat_time_sec, threshold_acd_sec
       FROM campaigns WHERE deleted_at IS NULL AND enabled ORDER BY lower(name)`,
  );
  const items = await q.query<{
    campaign_id: string; queue_state: string; queued_at: Date; first_accepted_at: Date | null; closed_at: Date | null; abandoned_at: Date | null;
  }>(
    `SELECT i.campaign_id, i.queue_state, i.queued_at, i.first_accepted_at, i.closed_at, i.abandoned_at
       FROM interactions i JOIN campaigns c ON c.id = i.campaign_id AND c.deleted_at IS NULL AND c.enabled
      WHERE i.queue_state IN ('waiting', 'offered')
         OR (i.queued_at >= coalesce($2::timestamptz, date_trunc('day', $1::timestamptz AT TIME ZONE c.timezone) AT TIME ZONE c.timezone)
             AND i.queued_at < coalesce($3::timestamptz, 'infinity'))`,
    [now, period.from, period.to],
  );
  const agents = await q.query<{ campaign_id: string; state: string | null; load: number }>(
    `SELECT m.campaign_id, p.state,
            ${activeLoadSql('m.user_id')}::int AS load
       FROM campaign_members m JOIN users u ON u.id = m.user_id AND u.enabled LEFT JOIN agent_presence p ON p.user_id = m.user_id`,
  );
  const holds = await q.query<{ campaign_id: string; since: Date; retry_at: Date | null; response: string; waiting: number }>(
    `SELECT h.campaign_id, h.since, h.retry_at, h.response,
            ${waitingBehindHoldSql('h.campaign_id')} AS waiting
       FROM smtp_holds h`,
  );
  const heldOf = new Map(holds.rows.map((h) => [h.campaign_id, h]));
  const byCampaign = new Map<string, typeof items.rows>();
  for (const r of items.rows) {
    let list = byCampaign.get(r.campaign_id);
    if (!list) byCampaign.set(r.campaign_id, (list = []));
    list.push(r);
  }
  return campaigns.rows.map((c) => {
    const rows = byCampaign.get(c.id) ?? [];
    const sl: ServiceLevelItem[] = rows.map((r) => ({
      createdAt: r.queued_at.getTime(),
      acceptedAt: ms(r.first_accepted_at),
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
      now: now.getTime(),
    });
    const team = agents.rows.filter((a) => a.campaign_id === c.id);
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
