import type { Db, Queryable } from '../../platform/db/db.ts';
import { emitEvent } from '../../platform/events/events.ts';
import { isOpen } from './schedule.ts';
import { isEligible, selectAgents, type RoutingMember } from './select-agents.ts';
import {
  agentLoads,
  loadMembers,
  loadRoutingCampaign,
  lockAgents,
  lockCampaignRouting,
  refusedBy,
  saveRrCursor,
  waitingHead,
  type RoutingCampaign,
  type WaitingInteraction,
} from './routing.repo.ts';

/** What one routing decision did. */
export type Decision =
  | { kind: 'offered'; interactionId: number; userIds: string[] }
  | { kind: 'assigned'; interactionId: number; userId: string }
  | { kind: 'none'; reason: 'closed' | 'inactive' | 'empty' | 'no-agent' };

export interface RouteOptions {
  now: () => Date;
  random?: () => number;
  /** Called with each decision and how long its transaction took (ms), for metrics and the benchmark. */
  onDecision?: (d: Decision, ms: number) => void;
}

// How many waiting interactions one decision looks at to find one it can
// place: sticky ones whose agent is away are skipped, not waited on.
const HEAD = 8;

/**
 * Routes a campaign's queue until nothing more can be placed: one
 * transaction per decision, each holding the campaign's routing lock, so
 * any number of nodes may call this at once and every interaction is
 * offered by exactly one of them. Returns the number of interactions placed.
 */
export async function routeCampaign(db: Db, campaignId: string, opts: RouteOptions): Promise<number> {
  let placed = 0;
  for (;;) {
    const started = performance.now();
    const d = await db.tx((q) => decideOne(q, campaignId, opts));
    opts.onDecision?.(d, performance.now() - started);
    if (d.kind === 'none') return placed;
    placed++;
  }
}

/** One decision in the caller's transaction: the first waiting interaction someone can take gets its offer(s). */
export async function decideOne(q: Queryable, campaignId: string, opts: RouteOptions): Promise<Decision> {
  await lockCampaignRouting(q, campaignId);
  const campaign = await loadRoutingCampaign(q, campaignId);
  if (!campaign || !campaign.active || campaign.strategy === null) return { kind: 'none', reason: 'inactive' };
  const now = opts.now();
  if (!isOpen(campaign.schedule, campaign.timezone, now)) return { kind: 'none', reason: 'closed' };
  const head = await waitingHead(q, campaignId, now, HEAD);
  if (head.length === 0) return { kind: 'none', reason: 'empty' };
  const members = await loadMembers(q, campaign, now);
  if (!members.some((m) => isEligible(m, campaign.maxPerAgent, new Set()))) return { kind: 'none', reason: 'no-agent' };
  for (const w of head) {
    const d = await place(q, campaign, members, w, now, opts.random ?? Math.random);
    if (d) return d;
  }
  return { kind: 'none', reason: 'no-agent' };
}

async function place(
  q: Queryable,
  campaign: RoutingCampaign,
  members: RoutingMember[],
  w: WaitingInteraction,
  now: Date,
  random: () => number,
): Promise<Decision | null> {
  // Re-read under the row lock: an offer may have been answered since the head was read.
  const { rows } = await q.query<{ queue_state: string }>(`SELECT queue_state FROM interactions WHERE id = $1 AND campaign_id = $2 FOR UPDATE`, [w.id, campaign.id]);
  if (rows[0]?.queue_state !== 'waiting') return null;

  const sticky = w.lastAgent !== null && w.stickyAgentUntil !== null && w.stickyAgentUntil > now ? w.lastAgent : null;
  let pool = members;
  let exclude = await refusedBy(q, w.id, w.queuedAt);
  if (sticky) {
    // Waiting for the agent who handled it: only they may take it, and it
    // waits (other interactions go ahead) while they are away or full.
    pool = members.filter((m) => m.userId === sticky);
    if (pool.length === 0) pool = members; // no longer a member: route normally
    exclude = [];
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    let choice = selectAgents({ strategy: campaign.strategy!, members: pool, maxPerAgent: campaign.maxPerAgent, excludeUserIds: exclude, rrCursor: campaign.rrCursor, random });
    if (choice.userIds.length === 0 && exclude.length > 0 && !sticky) {
      // Everyone eligible has already said no: offer again rather than leave it stranded.
      choice = selectAgents({ strategy: campaign.strategy!, members: pool, maxPerAgent: campaign.maxPerAgent, rrCursor: campaign.rrCursor, random });
    }
    if (choice.userIds.length === 0) return null;

    // The load read above may be stale if another campaign just offered to
    // the same agent: lock the chosen ones and count again.
    await lockAgents(q, choice.userIds);
    const loads = await agentLoads(q, choice.userIds);
    const fits = choice.userIds.filter((u) => {
      const l = loads.get(u);
      return l !== undefined && l.active + l.pending < campaign.maxPerAgent;
    });
    for (const u of choice.userIds) {
      const m = members.find((x) => x.userId === u);
      const l = loads.get(u);
      if (m && l) {
        m.activeInteractions = l.active;
        m.pendingOffers = l.pending;
      }
    }
    if (fits.length === 0) continue; // members' loads were refreshed: choose again

    if (choice.nextRrCursor !== campaign.rrCursor) {
      await saveRrCursor(q, campaign.id, choice.nextRrCursor);
      campaign.rrCursor = choice.nextRrCursor;
    }
    const kind = sticky ? 'sticky' : 'route';
    if (campaign.autoAssign) {
      const userId = fits[0]!;
      await q.query(
        `INSERT INTO offers (interaction_id, campaign_id, user_id, kind, state, created_at, expires_at, decided_at)
         VALUES ($1, $2, $3, $4, 'accepted', $5, $5, $5)`,
        [w.id, campaign.id, userId, kind, now],
      );
      await q.query(
        `UPDATE interactions SET queue_state = 'assigned', assigned_to = $2, assigned_at = $3,
                first_accepted_at = coalesce(first_accepted_at, $3), last_agent = $2,
                sticky_agent_until = NULL, sticky_queue_until = NULL, transfer_from = NULL, transfer_from_campaign = NULL, transfer_until = NULL,
                updated_at = $3
          WHERE id = $1`,
        [w.id, userId, now],
      );
      await emitEvent(q, { type: 'interaction.assigned', campaignId: campaign.id, interactionId: w.id, userId, previousUserId: null });
      return { kind: 'assigned', interactionId: w.id, userId };
    }
    // A sticky offer lasts no longer than the wait for that agent.
    let expires = new Date(now.getTime() + campaign.offerTimeoutSec * 1000);
    if (sticky && w.stickyAgentUntil && w.stickyAgentUntil < expires) expires = w.stickyAgentUntil;
    await q.query(
      `INSERT INTO offers (interaction_id, campaign_id, user_id, kind, created_at, expires_at)
       SELECT $1, $2, u, $4, $5, $6 FROM unnest($3::uuid[]) AS u`,
      [w.id, campaign.id, fits, kind, now, expires],
    );
    await q.query(`UPDATE interactions SET queue_state = 'offered', updated_at = $2 WHERE id = $1`, [w.id, now]);
    await emitEvent(q, { type: 'offer.created', campaignId: campaign.id, interactionId: w.id, userIds: fits });
    return { kind: 'offered', interactionId: w.id, userIds: fits };
  }
  return null;
}
