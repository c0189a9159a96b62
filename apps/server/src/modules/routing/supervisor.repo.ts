import type { Queryable } from '../../platform/db/db.ts';
import { waitingBehindHoldSql } from '../outbound/index.ts';
import { activeLoadSql, pendingLoadSql } from './routing.repo.ts';
import type { PresenceState } from './presence.repo.ts';
import type { ScheduleFrame } from './schedule.ts';

// The supervisor's Live view reads: queues and agents across campaigns,
// users, presence, interactions and the outbox's holds, one screen's worth —
// each limited to the reader's campaign scope (auth's campaignScope: every
// campaign for admins, `campaign_access` for supervisors).

/** Whose campaigns a read is limited to (auth's CampaignScope). */
export interface ScopeParams {
  userId: string;
  all: boolean;
}

/** The scope rule on a campaign id column, with the scope's `all` and user id as the given parameters. */
const inScope = (campaignCol: string, all: string, user: string) =>
  `(${all}::boolean OR EXISTS (SELECT 1 FROM campaign_access sa WHERE sa.campaign_id = ${campaignCol} AND sa.user_id = ${user}::uuid))`;

/** An active campaign's settings the queue figures need. */
export interface StatsCampaignRow {
  id: string;
  key: string;
  name: string;
  timezone: string;
  schedule: ScheduleFrame[];
  service_level_sec: number;
  max_interactions_per_agent: number;
  threshold_service_level_sec: number;
  threshold_dropout_sec: number;
  threshold_chat_time_sec: number;
  threshold_acd_sec: number;
}

/** Every active campaign in the scope, by name, with what its figures need. */
export async function statsCampaigns(q: Queryable, scope: ScopeParams): Promise<StatsCampaignRow[]> {
  const { rows } = await q.query<StatsCampaignRow>(
    `SELECT id, key, name, timezone, schedule, service_level_sec, max_interactions_per_agent,
            threshold_service_level_sec, threshold_dropout_sec, threshold_chat_time_sec, threshold_acd_sec
       FROM campaigns c WHERE deleted_at IS NULL AND enabled AND ${inScope('c.id', '$1', '$2')} ORDER BY lower(name)`,
    [scope.all, scope.userId],
  );
  return rows;
}

/** An interaction as the service-level figures count it. */
export interface StatsItemRow {
  campaign_id: string;
  queue_state: string;
  /** When it last entered the queue (arrival, reopening, transfer to this campaign). */
  queued_at: Date;
  /** When it was accepted since it last entered the queue; null while it waits. */
  accepted_at: Date | null;
  closed_at: Date | null;
  abandoned_at: Date | null;
}

/**
 * The interactions of these campaigns that entered the queue in the period
 * (today in each campaign's zone unless from / to are given), and — when
 * `waitingNow` (a period that reaches now) — those waiting or offered now
 * whenever they came. Reopened, sticky-waiting and transferred mail entered
 * the queue again (queued_at), so its earlier acceptance is not this wait's:
 * accepted_at is the first acceptance or the assignment after queued_at.
 */
export async function statsItems(
  q: Queryable,
  now: Date,
  period: { from: Date | null; to: Date | null },
  campaignIds: string[],
  waitingNow: boolean,
): Promise<StatsItemRow[]> {
  const { rows } = await q.query<StatsItemRow>(
    `SELECT i.campaign_id, i.queue_state, i.queued_at,
            CASE WHEN i.queue_state IN ('waiting', 'offered') THEN NULL
                 WHEN i.first_accepted_at >= i.queued_at THEN i.first_accepted_at
                 WHEN i.assigned_at >= i.queued_at THEN i.assigned_at END AS accepted_at,
            i.closed_at, i.abandoned_at
       FROM interactions i JOIN campaigns c ON c.id = i.campaign_id AND c.deleted_at IS NULL AND c.enabled
      WHERE i.campaign_id = ANY($4::uuid[])
        AND (($5::boolean AND i.queue_state IN ('waiting', 'offered'))
         OR (i.queued_at >= coalesce($2::timestamptz, date_trunc('day', $1::timestamptz AT TIME ZONE c.timezone) AT TIME ZONE c.timezone)
             AND i.queued_at < coalesce($3::timestamptz, 'infinity')))`,
    [now, period.from, period.to, campaignIds, waitingNow],
  );
  return rows;
}

/** Every enabled member of these campaigns with their presence and load. */
export async function memberStates(q: Queryable, campaignIds: string[]): Promise<Array<{ campaign_id: string; state: string | null; load: number }>> {
  const { rows } = await q.query<{ campaign_id: string; state: string | null; load: number }>(
    `SELECT m.campaign_id, p.state,
            ${activeLoadSql('m.user_id')}::int AS load
       FROM campaign_members m JOIN users u ON u.id = m.user_id AND u.enabled LEFT JOIN agent_presence p ON p.user_id = m.user_id
      WHERE m.campaign_id = ANY($1::uuid[])`,
    [campaignIds],
  );
  return rows;
}

/** The SMTP holds with how many messages wait behind each. */
export async function smtpHolds(q: Queryable): Promise<Array<{ campaign_id: string; since: Date; retry_at: Date | null; response: string; waiting: number }>> {
  const { rows } = await q.query<{ campaign_id: string; since: Date; retry_at: Date | null; response: string; waiting: number }>(
    `SELECT h.campaign_id, h.since, h.retry_at, h.response,
            ${waitingBehindHoldSql('h.campaign_id')} AS waiting
       FROM smtp_holds h`,
  );
  return rows;
}

/** An agent as the Live view lists them. */
export interface AgentStateRow {
  id: string;
  username: string;
  display_name: string;
  state: PresenceState | null;
  reason: string | null;
  since: Date | null;
  active: number;
  pending: number;
  keys: string[];
  connected: boolean;
  busy: boolean;
  completed_today: number;
}

/** Every enabled agent of the scope's campaigns with presence, load, campaigns (those in scope) and whether a workspace was seen after `seenAfter`; available first, then paused. */
export async function agentStates(q: Queryable, seenAfter: Date, scope: ScopeParams): Promise<AgentStateRow[]> {
  const { rows } = await q.query<AgentStateRow>(
    `SELECT u.id, u.username, u.display_name, p.state, r.name AS reason, p.since,
            ${activeLoadSql('u.id')}::int AS active,
            ${pendingLoadSql('u.id')}::int AS pending,
            coalesce((SELECT array_agg(c.key ORDER BY c.key) FROM campaign_members m JOIN campaigns c ON c.id = m.campaign_id AND c.deleted_at IS NULL
                       WHERE m.user_id = u.id AND ${inScope('m.campaign_id', '$2', '$3')}), '{}') AS keys,
            EXISTS (SELECT 1 FROM agent_connections ac WHERE ac.user_id = u.id AND ac.seen_at > $1) AS connected,
            coalesce(p.state = 'available' AND ${activeLoadSql('u.id')} + ${pendingLoadSql('u.id')} >= (
              SELECT max(c.max_interactions_per_agent) FROM campaign_members m JOIN campaigns c ON c.id = m.campaign_id AND c.deleted_at IS NULL AND c.enabled
               WHERE m.user_id = u.id), false) AS busy,
            (SELECT count(*) FROM interactions i WHERE i.last_agent = u.id AND i.status = 'closed' AND i.closed_at >= date_trunc('day', now()))::int AS completed_today
       FROM users u LEFT JOIN agent_presence p ON p.user_id = u.id LEFT JOIN pause_reasons r ON r.id = p.pause_reason_id
      WHERE u.role = 'agent' AND u.enabled
        AND ($2::boolean OR EXISTS (SELECT 1 FROM campaign_members m WHERE m.user_id = u.id AND ${inScope('m.campaign_id', '$2', '$3')}))
      ORDER BY (p.state = 'available') DESC NULLS LAST, (p.state = 'paused') DESC NULLS LAST, lower(u.display_name)`,
    [seenAfter, scope.all, scope.userId],
  );
  return rows;
}

/** The interactions in an agent's hands, newest activity first (at most 500); with a scope, only its campaigns' (a supervisor spying). */
export async function assignedInteractions(q: Queryable, userId: string, scope: ScopeParams | null = null): Promise<Array<{
  id: number; campaign_id: string; key: string; subject: string; customer_address: string; customer_name: string;
  unread: boolean; assigned_at: Date | null; last_message_at: Date;
}>> {
  const { rows } = await q.query<{
    id: number; campaign_id: string; key: string; subject: string; customer_address: string; customer_name: string;
    unread: boolean; assigned_at: Date | null; last_message_at: Date;
  }>(
    `SELECT i.id, i.campaign_id, c.key, i.subject, i.customer_address, i.customer_name, i.unread, i.assigned_at, i.last_message_at
       FROM interactions i JOIN campaigns c ON c.id = i.campaign_id
      WHERE i.assigned_to = $1 AND i.queue_state = 'assigned'
        AND ($2::boolean OR ${inScope('i.campaign_id', '$2', '$3')})
      ORDER BY i.last_message_at DESC LIMIT 500`,
    [userId, scope === null || scope.all, scope?.userId ?? null],
  );
  return rows;
}

/**
 * True when the agent is an enabled-or-not agent the scope may act on: any
 * agent for admins, a member of one of their campaigns for a supervisor.
 */
export async function agentInScope(q: Queryable, scope: ScopeParams, agentId: string): Promise<boolean> {
  const { rowCount } = await q.query(
    `SELECT 1 FROM users u WHERE u.id = $3 AND u.role = 'agent'
        AND ($1::boolean OR EXISTS (SELECT 1 FROM campaign_members m WHERE m.user_id = u.id AND ${inScope('m.campaign_id', '$1', '$2')}))`,
    [scope.all, scope.userId, agentId],
  );
  return (rowCount ?? 0) > 0;
}

/** A mail in the queue now, for the supervisor's waiting table. */
export interface WaitingRow {
  id: number;
  campaign_id: string;
  key: string;
  customer_address: string;
  customer_name: string;
  subject: string;
  queued_at: Date;
  queue_state: 'waiting' | 'offered';
  sticky_agent: string | null;
  transferred: boolean;
}

/**
 * Every interaction in the queue now (waiting or offered — reopened mail
 * waiting for its sticky agent and mail transferred in included) of the
 * scope's active campaigns, or of one of them; longest on hold first.
 */
export async function waitingInteractions(q: Queryable, scope: ScopeParams, campaignId: string | null, now: Date, limit = 500): Promise<WaitingRow[]> {
  const { rows } = await q.query<WaitingRow>(
    `SELECT i.id, i.campaign_id, c.key, i.customer_address, i.customer_name, i.subject, i.queued_at, i.queue_state,
            CASE WHEN i.sticky_agent_until > $4 THEN u.display_name END AS sticky_agent,
            (i.transfer_from_campaign IS NOT NULL) AS transferred
       FROM interactions i JOIN campaigns c ON c.id = i.campaign_id AND c.deleted_at IS NULL AND c.enabled
       LEFT JOIN users u ON u.id = i.last_agent
      WHERE i.queue_state IN ('waiting', 'offered') AND ($3::uuid IS NULL OR i.campaign_id = $3)
        AND ${inScope('i.campaign_id', '$1', '$2')}
      ORDER BY i.queued_at, i.id LIMIT $5`,
    [scope.all, scope.userId, campaignId, now, limit],
  );
  return rows;
}

/** One agent's profile, presence, campaigns (those in the scope) and today's figures; undefined outside the scope. */
/** An agent as the supervisor's info panel reads them. */
export interface AgentInfoRow {
  id: string; username: string; display_name: string; email: string | null; language: string;
  state: PresenceState | null; reason: string | null; since: Date | null;
  campaigns: Array<{ id: string; key: string; name: string }>; completed: number; active: number; pending: number;
}

export async function agentInfo(q: Queryable, scope: ScopeParams, agentId: string): Promise<AgentInfoRow | undefined> {
  if (!(await agentInScope(q, scope, agentId))) return undefined;
  const { rows } = await q.query<AgentInfoRow>(
    `SELECT u.id, u.username, u.display_name, u.email, u.language, p.state, r.name AS reason, p.since,
            coalesce((SELECT json_agg(json_build_object('id', c.id, 'key', c.key, 'name', c.name) ORDER BY lower(c.name))
                        FROM campaign_members m JOIN campaigns c ON c.id = m.campaign_id AND c.deleted_at IS NULL
                       WHERE m.user_id = u.id AND ${inScope('m.campaign_id', '$2', '$3')}), '[]') AS campaigns,
            (SELECT count(*) FROM interactions i WHERE i.last_agent = u.id AND i.status = 'closed' AND i.closed_at >= date_trunc('day', now()))::int AS completed,
            ${activeLoadSql('u.id')}::int AS active,
            ${pendingLoadSql('u.id')}::int AS pending
       FROM users u LEFT JOIN agent_presence p ON p.user_id = u.id LEFT JOIN pause_reasons r ON r.id = p.pause_reason_id
      WHERE u.id = $1`,
    [agentId, scope.all, scope.userId],
  );
  return rows[0];
}
