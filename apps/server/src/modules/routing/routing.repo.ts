import type { Prepared, Queryable } from '../../platform/db/db.ts';
import type { RoutingMember, RoutingPresence } from './select-agents.ts';
import type { ScheduleFrame } from './schedule.ts';
import { toRoutingStrategy, type RoutingStrategy } from './strategy.ts';

// Locks. A routing decision takes: its campaign (advisory) → every member as
// an agent (advisory, in id order) → the interaction's row. Anything else
// that adds load to an agent (a transfer) or withdraws their offers
// (presence) takes that agent's lock too. Advisory locks live in memory and
// vanish at commit; hash collisions only serialise a little more than needed.
// PostgreSQL detects the rare deadlock left and the loser is retried.
const CAMPAIGN_LOCK = 71_001;
const AGENT_LOCK = 71_002;

// An agent's load, in SQL, for the agent id held by `col`: what counts
// against the maximum is defined here only (see agentLoads).
export const activeLoadSql = (col: string): string =>
  `(SELECT count(*) FROM interactions i WHERE i.assigned_to = ${col} AND i.queue_state = 'assigned')`;
export const pendingLoadSql = (col: string): string => `(SELECT count(*) FROM offers o WHERE o.user_id = ${col} AND o.state = 'pending')`;

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
  active: boolean;
  strategy: RoutingStrategy | null;
  maxPerAgent: number;
  offerTimeoutSec: number;
  autoAssign: boolean;
  timezone: string;
  schedule: ScheduleFrame[];
  rrCursor: string | null;
}

const CAMPAIGN_SQL: Prepared = {
  name: 'routing_campaign',
  text: `SELECT set_config('synchronous_commit', 'off', true) AS async, pg_advisory_xact_lock($1, hashtext($2::uuid::text)) AS locked,
                c.id, (c.enabled AND c.deleted_at IS NULL) AS active, c.strategy, c.max_interactions_per_agent,
                c.offer_timeout_sec, c.auto_assign, c.timezone, c.schedule
           FROM campaigns c WHERE c.id = $2::uuid`,
};

/**
 * Starts a routing decision: takes the campaign's routing lock and reads its
 * settings, in one round trip. The decision need not wait for its WAL flush:
 * it is atomic, so one lost in a database crash leaves the interaction
 * waiting, to be routed again (an agent who saw its push gets "no longer
 * available"). Accepting and closing do wait for theirs.
 */
export async function beginCampaignRouting(q: Queryable, campaignId: string): Promise<RoutingCampaign | null> {
  const { rows } = await q.query<{
    id: string; active: boolean; strategy: string; max_interactions_per_agent: number; offer_timeout_sec: number;
    auto_assign: boolean; timezone: string; schedule: ScheduleFrame[];
  }>(CAMPAIGN_SQL, [CAMPAIGN_LOCK, campaignId]);
  const r = rows[0];
  if (!r) return null;
  return {
    id: r.id,
    active: r.active,
    strategy: toRoutingStrategy(r.strategy),
    maxPerAgent: r.max_interactions_per_agent,
    offerTimeoutSec: r.offer_timeout_sec,
    autoAssign: r.auto_assign,
    timezone: r.timezone,
    schedule: r.schedule,
    rrCursor: null,
  };
}

const MEMBER_LOCKS_SQL: Prepared = {
  name: 'routing_member_locks',
  // The subquery's order is the order the locks are taken in; uuid order is
  // the order of their lowercase text, as lockAgents sorts.
  text: `SELECT count(pg_advisory_xact_lock($1, hashtext(user_id::text)))::int AS n
           FROM (SELECT user_id FROM campaign_members WHERE campaign_id = $2 ORDER BY user_id) m`,
};

/**
 * Locks every member of the campaign as an agent (sorted, like lockAgents),
 * so the loads read next stay true until the offer is written: nobody else
 * can add load to these agents meanwhile.
 */
export async function lockMembers(q: Queryable, campaignId: string): Promise<void> {
  await q.query(MEMBER_LOCKS_SQL, [AGENT_LOCK, campaignId]);
}

/** A waiting interaction as routing sees it. */
export interface WaitingInteraction {
  id: number;
  queuedAt: Date;
  lastAgent: string | null;
  stickyAgentUntil: Date | null;
  /** Agents who declined it, or let its offer lapse, since it last entered the queue. */
  refusedBy: string[];
}

export interface QueueSnapshot {
  rrCursor: string | null;
  head: WaitingInteraction[];
  members: RoutingMember[];
}

const SNAPSHOT_SQL: Prepared = {
  name: 'routing_snapshot',
  text: `SELECT
    (SELECT rr_cursor FROM campaign_routing WHERE campaign_id = $1) AS rr_cursor,
    (SELECT coalesce(json_agg(h), '[]') FROM (
       SELECT w.id, w.queued_at, w.last_agent, w.sticky_agent_until,
              ARRAY(SELECT DISTINCT o.user_id FROM offers o
                     WHERE o.interaction_id = w.id AND o.created_at >= w.queued_at AND o.state IN ('declined', 'expired')) AS refused_by
         FROM ((SELECT id, queued_at, last_agent, sticky_agent_until, 0 AS band FROM interactions
                 WHERE campaign_id = $1 AND queue_state = 'waiting' AND (sticky_queue_until IS NOT NULL OR transfer_until IS NOT NULL)
                   AND (sticky_queue_until > $2 OR transfer_until > $2)
                 ORDER BY queued_at, id LIMIT $3)
               UNION ALL
               (SELECT id, queued_at, last_agent, sticky_agent_until, 1 AS band FROM interactions
                 WHERE campaign_id = $1 AND queue_state = 'waiting'
                   AND (sticky_queue_until IS NULL OR sticky_queue_until <= $2) AND (transfer_until IS NULL OR transfer_until <= $2)
                 ORDER BY queued_at, id LIMIT $3)) w
        ORDER BY w.band, w.queued_at, w.id) h) AS head,
    (SELECT coalesce(json_agg(m), '[]') FROM (
       SELECT m.user_id, coalesce((SELECT p.state FROM agent_presence p WHERE p.user_id = m.user_id), 'offline') AS state, m.penalty, m.position,
              ${activeLoadSql('m.user_id')} AS active,
              ${pendingLoadSql('m.user_id')} AS pending,
              CASE WHEN $4 THEN (SELECT max(closed_at) FROM interactions i WHERE i.last_agent = m.user_id AND i.status = 'closed') END AS last_finished,
              CASE WHEN $4 THEN (SELECT count(*) FROM interactions i
                                  WHERE i.last_agent = m.user_id AND i.status = 'closed'
                                    AND i.closed_at >= (date_trunc('day', $2::timestamptz AT TIME ZONE $5::text) AT TIME ZONE $5::text))
                   ELSE 0 END AS completed_today
         FROM campaign_members m
        WHERE m.campaign_id = $1 AND (SELECT u.enabled FROM users u WHERE u.id = m.user_id)) m) AS members`,
};

/**
 * Everything one decision reads, in one round trip, after the locks: the
 * round-robin cursor; the head of the queue — first what waits with priority
 * (a sticky interaction in its "wait for the assigned queue" phase, or a
 * transfer), then the rest in arrival order; and the members with their
 * load. The statistics only `leastrecent` and `fewestcalls` need are
 * computed only for them; "today" starts at midnight in the campaign's zone.
 */
export async function queueSnapshot(q: Queryable, campaign: RoutingCampaign, now: Date, headSize: number): Promise<QueueSnapshot> {
  const stats = campaign.strategy === 'leastrecent' || campaign.strategy === 'fewestcalls';
  const { rows } = await q.query<{
    rr_cursor: string | null;
    head: Array<{ id: number; queued_at: string; last_agent: string | null; sticky_agent_until: string | null; refused_by: string[] }>;
    members: Array<{ user_id: string; state: RoutingPresence; penalty: number; position: number; active: number; pending: number; last_finished: string | null; completed_today: number }>;
  }>(SNAPSHOT_SQL, [campaign.id, now, headSize, stats, campaign.timezone]);
  const r = rows[0]!;
  return {
    rrCursor: r.rr_cursor,
    head: r.head.map((h) => ({
      id: Number(h.id),
      queuedAt: new Date(h.queued_at),
      lastAgent: h.last_agent,
      stickyAgentUntil: h.sticky_agent_until ? new Date(h.sticky_agent_until) : null,
      refusedBy: h.refused_by,
    })),
    members: r.members.map((m) => ({
      userId: m.user_id,
      presence: m.state,
      activeInteractions: Number(m.active),
      pendingOffers: Number(m.pending),
      penalty: m.penalty,
      lastFinishedAt: m.last_finished ? Date.parse(m.last_finished) : null,
      completedToday: Number(m.completed_today),
      order: m.position,
    })),
  };
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
            ${activeLoadSql('u')}::int AS active,
            ${pendingLoadSql('u')}::int AS pending
       FROM unnest($1::uuid[]) AS u`,
    [userIds],
  );
  return new Map(rows.map((r) => [r.user_id, { active: r.active, pending: r.pending }]));
}

/** Campaigns the agent is a member of. */
export async function campaignsOf(q: Queryable, userId: string): Promise<string[]> {
  const { rows } = await q.query<{ campaign_id: string }>(`SELECT campaign_id FROM campaign_members WHERE user_id = $1`, [userId]);
  return rows.map((r) => r.campaign_id);
}
