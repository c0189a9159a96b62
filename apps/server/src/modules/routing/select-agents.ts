import type { RoutingStrategy } from './strategy.ts';

/** The presence states routing cares about; only `available` agents receive offers. */
export type RoutingPresence = 'available' | 'paused' | 'offline';

/** One campaign member as routing sees it, read by the caller in the same transaction as the offer. */
export interface RoutingMember {
  userId: string;
  presence: RoutingPresence;
  /** Interactions assigned to the agent and not yet closed. */
  activeInteractions: number;
  /** Offers made to the agent that are neither accepted nor expired; they hold capacity like active ones. */
  pendingOffers: number;
  /** 0 is best; only `wrandom` reads it (weight 1 / (1 + penalty)). */
  penalty: number;
  /** When the agent last finished an interaction (epoch ms); null = never. */
  lastFinishedAt: number | null;
  /** Interactions the agent completed today (the caller decides "today" in the campaign's time zone). */
  completedToday: number;
  /** Position for `linear` and `rrmemory`; ties are broken by userId. */
  order: number;
}

/** Everything one routing decision depends on; the caller owns the clock, the database and the random source. */
export interface SelectionInput {
  strategy: RoutingStrategy;
  members: readonly RoutingMember[];
  /** The campaign's maximum interactions per agent. */
  maxPerAgent: number;
  /** Agents who already declined or let this interaction's offer time out. */
  excludeUserIds?: readonly string[];
  /** The last agent `rrmemory` offered to in this campaign; null = start from the top. */
  rrCursor: string | null;
  /** Returns a number in [0, 1); called at most once, and only by `random` and `wrandom` with someone eligible. */
  random: () => number;
}

/** Who gets the offer, and the round-robin cursor to store with it. */
export interface Selection {
  /** One agent, every eligible agent for `ringall`, or none. */
  userIds: string[];
  /** The new `rrmemory` cursor; other strategies (and an empty pick) return the input cursor unchanged. */
  nextRrCursor: string | null;
}

const byUserId = (a: RoutingMember, b: RoutingMember): number => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0);
const byOrder = (a: RoutingMember, b: RoutingMember): number => a.order - b.order || byUserId(a, b);
const load = (m: RoutingMember): number => m.activeInteractions + m.pendingOffers;
// Never finished sorts first: an agent with no finished interaction has waited longest.
const byFinished = (a: RoutingMember, b: RoutingMember): number =>
  a.lastFinishedAt === b.lastFinishedAt ? 0 : a.lastFinishedAt === null ? -1 : b.lastFinishedAt === null ? 1 : a.lastFinishedAt - b.lastFinishedAt;

/** Capacity counts pending offers, so ringing an agent never pushes them past the campaign's maximum. */
export function isEligible(m: RoutingMember, maxPerAgent: number, excluded: ReadonlySet<string>): boolean {
  return m.presence === 'available' && load(m) < maxPerAgent && !excluded.has(m.userId);
}

/** Weight for `wrandom`: penalty 0 weighs 1, penalty 1 weighs 1/2, penalty 3 weighs 1/4; bad penalties count as 0. */
export function penaltyWeight(penalty: number): number {
  return 1 / (1 + (Number.isFinite(penalty) && penalty > 0 ? penalty : 0));
}

// Clamp an injected random source into [0, 1) so a bad value can never index past the list.
const unit = (r: number): number => (Number.isFinite(r) && r > 0 ? Math.min(r, 1 - Number.EPSILON) : 0);

/**
 * The routing strategies as one pure decision, so every rule is a row in a
 * table. Members are first put in a stable order (`order`, then userId).
 * Ties:
 * - leastrecent: oldest lastFinishedAt (null = never = oldest), then fewer
 *   active + pending, then userId;
 * - fewestcalls: fewest completedToday, then fewer active + pending, then userId;
 * - rrmemory: the first eligible member after the cursor's position in the
 *   stable order, wrapping; when the cursor's agent is no longer a member it
 *   starts from the top;
 * - random / wrandom: one draw over the eligible members in stable order.
 */
export function selectAgents(input: SelectionInput): Selection {
  const excluded = new Set(input.excludeUserIds ?? []);
  const ordered = [...input.members].sort(byOrder);
  const eligible = ordered.filter((m) => isEligible(m, input.maxPerAgent, excluded));
  const keep = input.rrCursor;
  const one = (m: RoutingMember | undefined, cursor: string | null = keep): Selection => ({ userIds: m ? [m.userId] : [], nextRrCursor: m ? cursor : keep });
  if (eligible.length === 0) return { userIds: [], nextRrCursor: keep };

  switch (input.strategy) {
    case 'ringall':
      return { userIds: eligible.map((m) => m.userId), nextRrCursor: keep };
    case 'linear':
      return one(eligible[0]);
    case 'rrmemory': {
      const at = keep === null ? -1 : ordered.findIndex((m) => m.userId === keep);
      const open = new Set(eligible);
      const next = ordered.slice(at + 1).find((m) => open.has(m)) ?? eligible[0];
      return one(next, next?.userId ?? keep);
    }
    case 'leastrecent':
      return one([...eligible].sort((a, b) => byFinished(a, b) || load(a) - load(b) || byUserId(a, b))[0]);
    case 'fewestcalls':
      return one([...eligible].sort((a, b) => a.completedToday - b.completedToday || load(a) - load(b) || byUserId(a, b))[0]);
    case 'random':
      return one(eligible[Math.floor(unit(input.random()) * eligible.length)]);
    case 'wrandom': {
      const weights = eligible.map((m) => penaltyWeight(m.penalty));
      const total = weights.reduce((s, w) => s + w, 0);
      let r = unit(input.random()) * total;
      const index = weights.findIndex((w) => (r -= w) < 0);
      return one(eligible[index === -1 ? eligible.length - 1 : index]);
    }
    default: {
      const never: never = input.strategy;
      throw new Error(`unknown routing strategy ${String(never)}`);
    }
  }
}
