import type { Db, Queryable } from '../../platform/db/db.ts';
import type { DomainEvent } from '../../platform/events/events.ts';
import { isOpen } from './schedule.ts';
import { isEligible, selectAgents, type RoutingMember } from './select-agents.ts';
import { beginCampaignRouting, lockMembers, placeInteraction, queueSnapshot, type RoutingCampaign, type WaitingInteraction } from './routing.repo.ts';

/** What one routing decision did. */
export type Decision =
  | { kind: 'offered'; interactionId: number; userIds: string[] }
  | { kind: 'assigned'; interactionId: number; userId: string }
  | { kind: 'none'; reason: 'closed' | 'inactive' | 'empty' | 'no-agent' | 'retry' };

export interface RouteOptions {
  now: () => Date;
  random?: () => number;
  /** Called with each decision and how long its transaction took (ms), for metrics and the benchmark. */
  onDecision?: (d: Decision, ms: number) => void;
}

// How many waiting interactions one decision looks at to find one it can
// place: sticky ones whose agent is away are skipped, not waited on.
const HEAD = 8;
const DEADLOCK = '40P01';
const MAX_RETRIES = 5;

/**
 * Routes a campaign's queue until nothing more can be placed: one
 * transaction per decision, each holding the campaign's routing lock, so
 * any number of nodes may call this at once and every interaction is
 * offered by exactly one of them. Returns the number of interactions placed.
 */
export async function routeCampaign(db: Db, campaignId: string, opts: RouteOptions): Promise<number> {
  let placed = 0;
  let retries = 0;
  for (;;) {
    const started = performance.now();
    let d: Decision;
    try {
      d = await db.tx((q) => decideOne(q, campaignId, opts));
    } catch (err) {
      if ((err as { code?: string }).code !== DEADLOCK || ++retries > MAX_RETRIES) throw err;
      d = { kind: 'none', reason: 'retry' };
    }
    opts.onDecision?.(d, performance.now() - started);
    if (d.kind === 'none' && d.reason !== 'retry') return placed;
    if (d.kind !== 'none') placed++;
  }
}

/** One decision in the caller's transaction: the first waiting interaction someone can take gets its offer(s). */
export async function decideOne(q: Queryable, campaignId: string, opts: RouteOptions): Promise<Decision> {
  const campaign = await beginCampaignRouting(q, campaignId);
  if (!campaign || !campaign.active || campaign.strategy === null) return { kind: 'none', reason: 'inactive' };
  const now = opts.now();
  if (!isOpen(campaign.schedule, campaign.timezone, now)) return { kind: 'none', reason: 'closed' };
  await lockMembers(q, campaignId);
  const snap = await queueSnapshot(q, campaign, now, HEAD);
  if (snap.head.length === 0) return { kind: 'none', reason: 'empty' };
  if (!snap.members.some((m) => isEligible(m, campaign.maxPerAgent, new Set()))) return { kind: 'none', reason: 'no-agent' };
  campaign.rrCursor = snap.rrCursor;
  for (const w of snap.head) {
    const d = await place(q, campaign, snap.members, w, now, opts.random ?? Math.random);
    if (d) return d;
  }
  return { kind: 'none', reason: 'no-agent' };
}

async function place(q: Queryable, campaign: RoutingCampaign, members: RoutingMember[], w: WaitingInteraction, now: Date, random: () => number): Promise<Decision | null> {
  const sticky = w.lastAgent !== null && w.stickyAgentUntil !== null && w.stickyAgentUntil > now ? w.lastAgent : null;
  let pool = members;
  let exclude = w.refusedBy;
  if (sticky) {
    // Waiting for the agent who handled it: only they may take it, and it
    // waits (other interactions go ahead) while they are away or full.
    pool = members.filter((m) => m.userId === sticky);
    if (pool.length === 0) pool = members; // no longer a member: route normally
    exclude = [];
  }
  const strategy = campaign.strategy!;
  let choice = selectAgents({ strategy, members: pool, maxPerAgent: campaign.maxPerAgent, excludeUserIds: exclude, rrCursor: campaign.rrCursor, random });
  if (choice.userIds.length === 0 && exclude.length > 0 && !sticky && w.rounds < campaign.offerRounds) {
    // Everyone eligible has already said no: offer again, for the campaign's
    // rounds; then it waits for an agent who has not had it, or comes back.
    choice = selectAgents({ strategy, members: pool, maxPerAgent: campaign.maxPerAgent, rrCursor: campaign.rrCursor, random });
  }
  if (choice.userIds.length === 0) return null;

  const direct = campaign.autoAssign ? choice.userIds[0]! : null;
  const userIds = direct ? [direct] : choice.userIds;
  // A sticky offer lasts no longer than the wait for that agent.
  let expires = new Date(now.getTime() + campaign.offerTimeoutSec * 1000);
  if (sticky && w.stickyAgentUntil && w.stickyAgentUntil < expires) expires = w.stickyAgentUntil;
  const event: DomainEvent = direct
    ? { type: 'interaction.assigned', campaignId: campaign.id, interactionId: w.id, userId: direct, previousUserId: null, viaOffer: true }
    : { type: 'offer.created', campaignId: campaign.id, interactionId: w.id, userIds };
  const cursorChanged = choice.nextRrCursor !== campaign.rrCursor;
  const placed = await placeInteraction(q, {
    interactionId: w.id,
    campaignId: campaign.id,
    userIds,
    kind: sticky ? 'sticky' : 'route',
    now,
    expires: direct ? now : expires,
    direct: direct !== null,
    rrCursor: cursorChanged ? choice.nextRrCursor : undefined,
    event,
  });
  if (!placed) return null;
  campaign.rrCursor = choice.nextRrCursor;
  for (const m of members) if (userIds.includes(m.userId)) (direct ? m.activeInteractions++ : m.pendingOffers++);
  return direct ? { kind: 'assigned', interactionId: w.id, userId: direct } : { kind: 'offered', interactionId: w.id, userIds };
}
