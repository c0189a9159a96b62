import type { Prepared, Queryable } from '../../platform/db/db.ts';
import { EVENTS_CHANNEL, type DomainEvent } from '../../platform/events/events.ts';
import { claimForRoutingCte } from '../interactions/index.ts';
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
// against the maximum is defined here only (see agentLoads). A mail the
// agent started holds no place until the customer answers it.
export const activeLoadSql = (col: string): string =>
  `(SELECT count(*) FROM interactions i WHERE i.assigned_to = ${col} AND i.queue_state = 'assigned' AND NOT i.awaiting_reply)`;
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
  /** How many times an interaction nobody accepts is offered to the same agents. */
  offerRounds: number;
}

const CAMPAIGN_SQL: Prepared = {
  name: 'routing_campaign',
  text: `SELECT set_config('synchronous_commit', 'off', true) AS async, pg_advisory_xact_lock($1, hashtext($2::uuid::text)) AS locked,
                c.id, (c.enabled AND c.deleted_at IS NULL) AS active, c.strategy, c.max_interactions_per_agent,
                c.offer_timeout_sec, c.auto_assign, c.timezone, c.schedule, c.offer_rounds
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
    auto_assign: boolean; timezone: string; schedule: ScheduleFrame[]; offer_rounds: number;
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
    offerRounds: r.offer_rounds,
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
  /** Agents who declined it, or let its offer lapse, since it last entered the queue and since they last became available. */
  refusedBy: string[];
  /** The most times one of them did: how many rounds of offers it has had. */
  rounds: number;
}

export interface QueueSnapshot {
  rrCursor: string | null;
  head: WaitingInteraction[];
  members: RoutingMember[];
}

// The offers of interaction `x` an agent declined or let lapse since it
// entered the queue and since that agent last became available (an agent
// back from a pause is offered it again), one row per offer.
const refusalsSql = (x: string): string => `offers o LEFT JOIN agent_presence p ON p.user_id = o.user_id
   WHERE o.interaction_id = ${x}.id AND o.created_at >= ${x}.queued_at AND o.created_at >= coalesce(p.since, ${x}.queued_at)
     AND o.state IN ('declined', 'expired')`;
// How many rounds of offers interaction `x` has had: the most refusals by one agent.
const roundsSql = (x: string): string => `(SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM ${refusalsSql(x)} GROUP BY o.user_id) r)`;
// Whether interaction `x` may still be offered: rounds left, or an available
// member it has not been refused by. One that may not (ring all's bound, $6)
// stays out of the head, so it never holds up the mail behind it.
const offerableSql = (x: string): string => `(${roundsSql(x)} < $6 OR EXISTS (
     SELECT 1 FROM campaign_members am JOIN agent_presence ap ON ap.user_id = am.user_id AND ap.state = 'available'
      WHERE am.campaign_id = $1 AND NOT EXISTS (
        SELECT 1 FROM offers ao WHERE ao.interaction_id = ${x}.id AND ao.user_id = am.user_id AND ao.state IN ('declined', 'expired')
           AND ao.created_at >= ${x}.queued_at AND ao.created_at >= ap.since)))`;

const SNAPSHOT_SQL: Prepared = {
  name: 'routing_snapshot',
  text: `SELECT
    (SELECT rr_cursor FROM campaign_routing WHERE campaign_id = $1) AS rr_cursor,
    (SELECT coalesce(json_agg(h), '[]') FROM (
       SELECT w.id, w.queued_at, w.last_agent, w.sticky_agent_until,
              ARRAY(SELECT DISTINCT o.user_id FROM ${refusalsSql('w')}) AS refused_by,
              ${roundsSql('w')} AS rounds
         FROM ((SELECT id, queued_at, last_agent, sticky_agent_until, 0 AS band FROM interactions x
                 WHERE campaign_id = $1 AND queue_state = 'waiting' AND (sticky_queue_until IS NOT NULL OR transfer_until IS NOT NULL)
                   AND (sticky_queue_until > $2 OR transfer_until > $2) AND ${offerableSql('x')}
                 ORDER BY queued_at, id LIMIT $3)
               UNION ALL
               (SELECT id, queued_at, last_agent, sticky_agent_until, 1 AS band FROM interactions x
                 WHERE campaign_id = $1 AND queue_state = 'waiting'
                   AND (sticky_queue_until IS NULL OR sticky_queue_until <= $2) AND (transfer_until IS NULL OR transfer_until <= $2)
                   AND ${offerableSql('x')}
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
    head: Array<{ id: number; queued_at: string; last_agent: string | null; sticky_agent_until: string | null; refused_by: string[]; rounds: number }>;
    members: Array<{ user_id: string; state: RoutingPresence; penalty: number; position: number; active: number; pending: number; last_finished: string | null; completed_today: number }>;
  }>(SNAPSHOT_SQL, [campaign.id, now, headSize, stats, campaign.timezone, campaign.offerRounds]);
  const r = rows[0]!;
  return {
    rrCursor: r.rr_cursor,
    head: r.head.map((h) => ({
      id: Number(h.id),
      queuedAt: new Date(h.queued_at),
      lastAgent: h.last_agent,
      stickyAgentUntil: h.sticky_agent_until ? new Date(h.sticky_agent_until) : null,
      refusedBy: h.refused_by,
      rounds: Number(h.rounds),
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

// One statement per placement: the interaction is claimed only if it is
// still waiting (its row lock is taken here, so an answer or a close since
// the snapshot wins; the claim is the interactions module's), and only then
// are the offers, the round-robin cursor and the event written. No row back
// = not placed.
const PLACE_SQL: Prepared = {
  name: 'routing_place',
  text: `WITH ${claimForRoutingCte({ id: '$1', userIds: '$3', now: '$5', direct: '$7' })},
         o AS (
           INSERT INTO offers (interaction_id, campaign_id, user_id, kind, state, created_at, expires_at, decided_at)
           SELECT c.id, $2, u, $4, CASE WHEN $7 THEN 'accepted' ELSE 'pending' END, $5, $6, CASE WHEN $7 THEN $5::timestamptz END
             FROM claimed c, unnest($3::uuid[]) AS u),
         cur AS (
           INSERT INTO campaign_routing (campaign_id, rr_cursor) SELECT $2, $8 FROM claimed WHERE $9
           ON CONFLICT (campaign_id) DO UPDATE SET rr_cursor = excluded.rr_cursor)
         SELECT pg_notify($10, $11) FROM claimed`,
};

/** One placement of a routing decision (see PLACE_SQL). */
export interface Placement {
  interactionId: number;
  campaignId: string;
  /** The agents offered it; with `direct`, the one it is assigned to. */
  userIds: readonly string[];
  kind: 'route' | 'sticky';
  now: Date;
  expires: Date;
  direct: boolean;
  /** The campaign's new round-robin cursor, when it moved. */
  rrCursor: string | null | undefined;
  /** Sent with the placement, in the same statement. */
  event: DomainEvent;
}

/** Claims a waiting interaction and writes its offers, cursor and event in one statement; false when it was no longer waiting. */
export async function placeInteraction(q: Queryable, p: Placement): Promise<boolean> {
  const r = await q.query(PLACE_SQL, [
    p.interactionId, p.campaignId, p.userIds, p.kind, p.now, p.expires, p.direct,
    p.rrCursor ?? null, p.rrCursor !== undefined, EVENTS_CHANNEL, JSON.stringify(p.event),
  ]);
  return r.rowCount === 1;
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

/** What closing and transferring need of a campaign's rules. */
export interface HandlingRules {
  mandatory_disposition: boolean;
  transfer_to_agent: boolean;
  transfer_to_agent_timeout_sec: number;
  transfer_to_queue: boolean;
  transfer_to_queue_timeout_sec: number;
  max_interactions_per_agent: number;
}

/** A campaign's rules for closing and transferring its interactions. */
export async function handlingRules(q: Queryable, campaignId: string): Promise<HandlingRules | undefined> {
  const { rows } = await q.query<HandlingRules>(
    `SELECT mandatory_disposition, transfer_to_agent, transfer_to_agent_timeout_sec, transfer_to_queue, transfer_to_queue_timeout_sec, max_interactions_per_agent
       FROM campaigns WHERE id = $1`,
    [campaignId],
  );
  return rows[0];
}

/** Whether a campaign takes interactions now (exists, enabled, not deleted): a transfer's destination must. */
export async function isActiveCampaign(q: Queryable, campaignId: string): Promise<boolean> {
  const r = await q.query(`SELECT 1 FROM campaigns WHERE id = $1 AND deleted_at IS NULL AND enabled`, [campaignId]);
  return (r.rowCount ?? 0) > 0;
}

/** An enabled member of the campaign and their presence (null presence: never set, i.e. offline); undefined when not a member. */
export async function memberPresence(q: Queryable, campaignId: string, userId: string): Promise<{ state: string | null } | undefined> {
  const { rows } = await q.query<{ state: string | null }>(
    `SELECT p.state FROM campaign_members m JOIN users u ON u.id = m.user_id AND u.enabled
       LEFT JOIN agent_presence p ON p.user_id = m.user_id
      WHERE m.campaign_id = $1 AND m.user_id = $2`,
    [campaignId, userId],
  );
  return rows[0];
}

/**
 * The campaign's enabled members other than `except`, with their presence, by
 * name: whom an interaction may be transferred to. An available agent whose
 * load (every campaign) has reached this campaign's maximum shows as `full`,
 * since the transfer would be refused.
 */
export async function transferAgents(q: Queryable, campaignId: string, except: string | null): Promise<Array<{ userId: string; displayName: string; state: string }>> {
  const { rows } = await q.query<{ user_id: string; display_name: string; state: string | null; full: boolean }>(
    `SELECT m.user_id, u.display_name, p.state,
            (p.state = 'available' AND ${activeLoadSql('m.user_id')} + ${pendingLoadSql('m.user_id')} >= c.max_interactions_per_agent) AS full
       FROM campaign_members m JOIN users u ON u.id = m.user_id AND u.enabled
       JOIN campaigns c ON c.id = m.campaign_id
       LEFT JOIN agent_presence p ON p.user_id = m.user_id
      WHERE m.campaign_id = $1 AND m.user_id IS DISTINCT FROM $2 ORDER BY lower(u.display_name)`,
    [campaignId, except],
  );
  return rows.map((a) => ({ userId: a.user_id, displayName: a.display_name, state: a.full ? 'full' : (a.state ?? 'offline') }));
}

/** The other active campaigns, by name: where an interaction may be transferred to. */
export async function transferCampaigns(q: Queryable, campaignId: string): Promise<Array<{ id: string; key: string; name: string }>> {
  const { rows } = await q.query<{ id: string; key: string; name: string }>(
    `SELECT id, key, name FROM campaigns WHERE deleted_at IS NULL AND enabled AND id <> $1 ORDER BY lower(name)`,
    [campaignId],
  );
  return rows;
}

/** The campaigns with mail waiting: the router's sweep routes each again, the safety net for a missed event. */
export async function campaignsWithWaiting(q: Queryable): Promise<string[]> {
  const { rows } = await q.query<{ campaign_id: string }>(`SELECT DISTINCT campaign_id FROM interactions WHERE queue_state = 'waiting'`);
  return rows.map((r) => r.campaign_id);
}
