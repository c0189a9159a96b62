import type { Queryable } from '../../platform/db/db.ts';
import type { RoutingMember, RoutingPresence } from './select-agents.ts';
import type { ScheduleFrame } from './schedule.ts';
import { toRoutingStrategy, type RoutingStrategy } from './strategy.ts';

// Lock order, kept by every routing transaction so they never deadlock:
// campaign (advisory) → interaction row (FOR UPDATE) → agents (advisory, by id).
// Advisory locks live in memory and vanish at commit; hash collisions only
// serialise a little more than needed.
const CAMPAIGN_LOCK = 71_001;
const AGENT_LOCK = 71_002;

/** Serialises routing decisions of one campaign across every node, until the transaction ends. */
export async function lockCampaignRouting(q: Queryable, campaignId: string): Promise<void> {
  await q.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [CAMPAIGN_LOCK, campaignId]);
}

/**
 * Serialises every change that adds load to these agents (a new offer, a
 * transfer), so two campaigns sharing an agent can never push them past a
 * maximum between reading the load and writing the offer.
 */
export async function lockAgents(q: Queryable, userIds: readonly string[]): Promise<void> {
  const sorted = [...new Set(userIds)].sort();
  if (sorted.length === 0) return;
  // unnest yields the sorted array in order, one lock per row, no sort step to reorder them
  await q.query(`SELECT pg_advisory_xact_lock($1, hashtext(u)) FROM unnest($2::text[]) AS u`, [AGENT_LOCK, sorted]);
}

/** What routing needs of a campaign. */
export interface RoutingCampaign {
  id: string;
  key: string;
  active: boolean;
  strategy: RoutingStrategy | null;
  maxPerAgent: number;
  offerTimeoutSec: number;
  autoAssign: boolean;
  timezone: string;
  schedule: ScheduleFrame[];
  rrCursor: string | null;
}

export async function loadRoutingCampaign(q: Queryable, campaignId: string): Promise<RoutingCampaign | null> {
  const { rows } = await q.query<{
    id: string; key: string; active: boolean; strategy: string; max_interactions_per_agent: number; offer_timeout_sec: number;
    auto_assign: boolean; timezone: string; schedule: ScheduleFrame[]; rr_cursor: string | null;
  }>(
    `SELECT c.id, c.key, (c.enabled AND c.deleted_at IS NULL) AS active, c.strategy, c.max_interactions_per_agent,
            c.offer_timeout_sec, c.auto_assign, c.timezone, c.schedule, r.rr_cursor
       FROM campaigns c LEFT JOIN campaign_routing r ON r.campaign_id = c.id
      WHERE c.id = $1`,
    [campaignId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    id: r.id,
    key: r.key,
    active: r.active,
    strategy: toRoutingStrategy(r.strategy),
    maxPerAgent: r.max_interactions_per_agent,
    offerTimeoutSec: r.offer_timeout_sec,
    autoAssign: r.auto_assign,
    timezone: r.timezone,
    schedule: r.schedule,
    rrCursor: r.rr_cursor,
  };
}

export async function saveRrCursor(q: Queryable, campaignId: string, cursor: string | null): Promise<void> {
  await q.query(
    `INSERT INTO campaign_routing (campaign_id, rr_cursor) VALUES ($1, $2)
     ON CONFLICT (campaign_id) DO UPDATE SET rr_cursor = excluded.rr_cursor`,
    [campaignId, cursor],
  );
}

/**
 * An agent's load counts across every campaign: interactions assigned to
 * them and offers waiting for their answer. The maximum of the campaign
 * offering is compared with that total, because a person working five
 * mails in one queue is busy for every queue.
 */
export async function agentLoads(q: Queryable, userIds: readonly string[]): Promise<Map<string, { active: number; pending: number }>> {
  const { rows } = await q.query<{ user_id: string; active: number; pending: number }>(
    `SELECT u AS user_id,
            (SELECT count(*) FROM interactions i WHERE i.assigned_to = u AND i.queue_state = 'assigned')::int AS active,
            (SELECT count(*) FROM offers o WHERE o.user_id = u AND o.state = 'pending')::int AS pending
       FROM unnest($1::uuid[]) AS u`,
    [userIds],
  );
  return new Map(rows.map((r) => [r.user_id, { active: r.active, pending: r.pending }]));
}

/**
 * The campaign's members as routing sees them. The statistics that only
 * `leastrecent` and `fewestcalls` read are computed only for them; "today"
 * starts at midnight in the campaign's time zone.
 */
export async function loadMembers(q: Queryable, campaign: RoutingCampaign, now: Date): Promise<RoutingMember[]> {
  const stats = campaign.strategy === 'leastrecent' || campaign.strategy === 'fewestcalls';
  const { rows } = await q.query<{
    user_id: string; state: RoutingPresence | null; penalty: number; position: number; active: number; pending: number;
    last_finished: Date | null; completed_today: number;
  }>(
    `SELECT m.user_id, p.state, m.penalty, m.position,
            (SELECT count(*) FROM interactions i WHERE i.assigned_to = m.user_id AND i.queue_state = 'assigned')::int AS active,
            (SELECT count(*) FROM offers o WHERE o.user_id = m.user_id AND o.state = 'pending')::int AS pending,
            CASE WHEN $2 THEN (SELECT max(closed_at) FROM interactions i WHERE i.last_agent = m.user_id AND i.status = 'closed') END AS last_finished,
            CASE WHEN $2 THEN (SELECT count(*) FROM interactions i
                                WHERE i.last_agent = m.user_id AND i.status = 'closed'
                                  AND i.closed_at >= (date_trunc('day', $3::timestamptz AT TIME ZONE $4) AT TIME ZONE $4))::int
                 ELSE 0 END AS completed_today
       FROM campaign_members m
       JOIN users u ON u.id = m.user_id AND u.enabled
       LEFT JOIN agent_presence p ON p.user_id = m.user_id
      WHERE m.campaign_id = $1`,
    [campaign.id, stats, now, campaign.timezone],
  );
  return rows.map((r) => ({
    userId: r.user_id,
    presence: r.state ?? 'offline',
    activeInteractions: r.active,
    pendingOffers: r.pending,
    penalty: r.penalty,
    lastFinishedAt: r.last_finished ? r.last_finished.getTime() : null,
    completedToday: r.completed_today,
    order: r.position,
  }));
}

/** A waiting interaction as routing sees it. */
export interface WaitingInteraction {
  id: number;
  queuedAt: Date;
  lastAgent: string | null;
  stickyAgentUntil: Date | null;
}

/**
 * The head of a campaign's queue: first what waits with priority (a sticky
 * interaction in its "wait for the assigned queue" phase, or a transfer),
 * then the rest in arrival order. Sticky interactions whose agent cannot take
 * them yet are skipped by the caller, so a few are read.
 */
export async function waitingHead(q: Queryable, campaignId: string, now: Date, limit: number): Promise<WaitingInteraction[]> {
  const { rows } = await q.query<{ id: number; queued_at: Date; last_agent: string | null; sticky_agent_until: Date | null }>(
    `(SELECT id, queued_at, last_agent, sticky_agent_until FROM interactions
       WHERE campaign_id = $1 AND queue_state = 'waiting' AND (sticky_queue_until > $2 OR transfer_until > $2)
       ORDER BY queued_at, id LIMIT $3)
     UNION ALL
     (SELECT id, queued_at, last_agent, sticky_agent_until FROM interactions
       WHERE campaign_id = $1 AND queue_state = 'waiting'
         AND (sticky_queue_until IS NULL OR sticky_queue_until <= $2) AND (transfer_until IS NULL OR transfer_until <= $2)
       ORDER BY queued_at, id LIMIT $3)`,
    [campaignId, now, limit],
  );
  return rows.map((r) => ({ id: r.id, queuedAt: r.queued_at, lastAgent: r.last_agent, stickyAgentUntil: r.sticky_agent_until }));
}

/** Agents who declined this interaction, or let its offer lapse, since it last entered the queue. */
export async function refusedBy(q: Queryable, interactionId: number, since: Date): Promise<string[]> {
  const { rows } = await q.query<{ user_id: string }>(
    `SELECT DISTINCT user_id FROM offers WHERE interaction_id = $1 AND created_at >= $2 AND state IN ('declined', 'expired')`,
    [interactionId, since],
  );
  return rows.map((r) => r.user_id);
}

/** Campaigns the agent is a member of. */
export async function campaignsOf(q: Queryable, userId: string): Promise<string[]> {
  const { rows } = await q.query<{ campaign_id: string }>(`SELECT campaign_id FROM campaign_members WHERE user_id = $1`, [userId]);
  return rows.map((r) => r.campaign_id);
}
