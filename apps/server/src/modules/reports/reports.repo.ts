import type { ReportPreset } from '@postdesk/contracts';
import type { Queryable } from '../../platform/db/db.ts';

// The per-period reports' read model: the queue-entry history (written by the
// interactions module, see migration 0027), campaigns, users, ratings and
// the messages they rate. Every read is limited to the reader's campaigns
// (auth's campaignScope: every campaign for admins, `campaign_access` for
// supervisors).

/** Whose campaigns a read is limited to (auth's CampaignScope). */
export interface ScopeParams {
  userId: string;
  all: boolean;
}

/** The period asked for: a preset resolved in each campaign's zone, or local dates (custom). */
export interface PeriodParams {
  preset: ReportPreset;
  from?: string | undefined;
  to?: string | undefined;
}

/**
 * The campaigns of the report with their period as local dates and as the
 * instants that bound it: [lo, hi) — local midnight of the first day to
 * local midnight after the last, in the campaign's own zone (so a day with
 * a daylight-saving change has 23 or 25 hours). Parameters: $1 scope.all,
 * $2 scope.userId, $3 one campaign or null, $4 now, $5 preset, $6 from, $7 to.
 */
const PERIODS_CTE = `periods AS (
  SELECT c.id, c.key, c.name, c.timezone, c.service_level_sec, d.d_from, d.d_to,
         d.d_from::timestamp AT TIME ZONE c.timezone AS lo,
         (d.d_to + 1)::timestamp AT TIME ZONE c.timezone AS hi
    FROM campaigns c
   CROSS JOIN LATERAL (SELECT ($4::timestamptz AT TIME ZONE c.timezone)::date AS today) t
   CROSS JOIN LATERAL (SELECT
          CASE $5::text WHEN 'today' THEN t.today
                        WHEN 'yesterday' THEN t.today - 1
                        WHEN 'this_week' THEN date_trunc('week', t.today)::date
                        WHEN 'last_7_days' THEN t.today - 6
                        WHEN 'this_month' THEN date_trunc('month', t.today)::date
                        ELSE $6::date END AS d_from,
          CASE $5::text WHEN 'yesterday' THEN t.today - 1
                        WHEN 'custom' THEN $7::date
                        ELSE t.today END AS d_to) d
   WHERE c.deleted_at IS NULL
     AND ($3::uuid IS NULL OR c.id = $3::uuid)
     AND ($1::boolean OR EXISTS (SELECT 1 FROM campaign_access sa WHERE sa.campaign_id = c.id AND sa.user_id = $2::uuid))
)`;

const params = (scope: ScopeParams, campaignId: string | null, now: Date, p: PeriodParams) =>
  [scope.all, scope.userId, campaignId, now, p.preset, p.from ?? null, p.to ?? null];

/** A campaign of the report and its period in its own zone. */
export interface PeriodRow {
  id: string;
  key: string;
  name: string;
  timezone: string;
  service_level_sec: number;
  /** local dates, YYYY-MM-DD, both included */
  d_from: string;
  d_to: string;
}

/** One line of figures: a campaign's (agent_id null) or an agent's across the campaigns in scope (campaign_id null). */
export interface FigureRow {
  campaign_id: string | null;
  agent_id: string | null;
  agent_name: string | null;
  answered: number;
  answered_in_sl: number;
  abandoned: number;
  avg_wait_sec: number | null;
  handled: number;
  avg_handling_sec: number | null;
  ratings: number;
  avg_score: number | null;
  r1: number;
  r2: number;
  r3: number;
  r4: number;
  r5: number;
}

/** The campaigns in the report (scope, optionally one of them) with their period; deleted campaigns are left out. */
export async function reportPeriods(q: Queryable, scope: ScopeParams, campaignId: string | null, now: Date, p: PeriodParams): Promise<PeriodRow[]> {
  const { rows } = await q.query<PeriodRow>(
    `WITH ${PERIODS_CTE}
     SELECT id, key, name, timezone, service_level_sec, to_char(d_from, 'YYYY-MM-DD') AS d_from, to_char(d_to, 'YYYY-MM-DD') AS d_to
       FROM periods ORDER BY lower(name), id`,
    params(scope, campaignId, now, p),
  );
  return rows;
}

/**
 * The period's figures per campaign and per agent, each event counted in
 * the period (of its campaign's zone) in which it happened:
 * - answered: a queue stay accepted in the period; within SL when its wait
 *   (entry → acceptance) was at most the campaign's service-level seconds;
 *   counted for the campaign and for the agent who accepted it;
 * - abandoned: a stay closed in the period that was never accepted;
 * - handled: a stay closed in the period after acceptance, its handling
 *   time acceptance → close; counted for the agent holding it at the close;
 * - ratings: given (first stored) in the period, for the interaction's
 *   campaign and the agent who sent the rated reply.
 */
export async function reportFigures(q: Queryable, scope: ScopeParams, campaignId: string | null, now: Date, p: PeriodParams): Promise<FigureRow[]> {
  const { rows } = await q.query<FigureRow>(
    `WITH ${PERIODS_CTE},
     events AS (
       SELECT e.campaign_id, e.accepted_by AS agent_id, 'answer' AS kind,
              extract(epoch FROM e.accepted_at - e.entered_at) AS secs,
              e.accepted_at - e.entered_at <= make_interval(secs => p.service_level_sec) AS in_sl, NULL::int AS score
         FROM periods p JOIN queue_entries e ON e.campaign_id = p.id AND e.accepted_at >= p.lo AND e.accepted_at < p.hi
       UNION ALL
       SELECT e.campaign_id, e.ended_by, CASE WHEN e.accepted_at IS NULL THEN 'abandon' ELSE 'handle' END,
              extract(epoch FROM e.ended_at - e.accepted_at), NULL, NULL
         FROM periods p JOIN queue_entries e ON e.campaign_id = p.id AND e.outcome = 'closed' AND e.ended_at >= p.lo AND e.ended_at < p.hi
       UNION ALL
       SELECT p.id, m.sent_by, 'rating', NULL, NULL, r.score
         FROM ratings r
         JOIN interactions i ON i.id = r.interaction_id
         JOIN periods p ON p.id = i.campaign_id AND r.created_at >= p.lo AND r.created_at < p.hi
         JOIN messages m ON m.id = r.message_id
     ),
     grouped AS (
       SELECT campaign_id, agent_id, GROUPING(campaign_id) AS by_agent,
              count(*) FILTER (WHERE kind = 'answer')::int AS answered,
              count(*) FILTER (WHERE kind = 'answer' AND in_sl)::int AS answered_in_sl,
              count(*) FILTER (WHERE kind = 'abandon')::int AS abandoned,
              round(avg(secs) FILTER (WHERE kind = 'answer'))::float8 AS avg_wait_sec,
              count(*) FILTER (WHERE kind = 'handle')::int AS handled,
              round(avg(secs) FILTER (WHERE kind = 'handle'))::float8 AS avg_handling_sec,
              count(score)::int AS ratings,
              (round(avg(score), 2))::float8 AS avg_score,
              count(*) FILTER (WHERE score = 1)::int AS r1, count(*) FILTER (WHERE score = 2)::int AS r2,
              count(*) FILTER (WHERE score = 3)::int AS r3, count(*) FILTER (WHERE score = 4)::int AS r4,
              count(*) FILTER (WHERE score = 5)::int AS r5
         FROM events
        GROUP BY GROUPING SETS ((campaign_id), (agent_id))
     )
     SELECT CASE WHEN g.by_agent = 1 THEN NULL ELSE g.campaign_id END AS campaign_id,
            g.agent_id, u.display_name AS agent_name,
            g.answered, g.answered_in_sl, g.abandoned, g.avg_wait_sec, g.handled, g.avg_handling_sec,
            g.ratings, g.avg_score, g.r1, g.r2, g.r3, g.r4, g.r5
       FROM grouped g LEFT JOIN users u ON u.id = g.agent_id
      WHERE g.by_agent = 0 OR g.agent_id IS NOT NULL
      ORDER BY g.by_agent, lower(u.display_name), g.agent_id`,
    params(scope, campaignId, now, p),
  );
  return rows;
}
