/** How a campaign picks the agent for a waiting interaction; the names are the ones contact-center admins know from Asterisk queues. */
export type RoutingStrategy = 'ringall' | 'rrmemory' | 'leastrecent' | 'fewestcalls' | 'random' | 'linear' | 'wrandom';

/** Every routing strategy, in the order an admin reads them; for exhaustive tests and option lists. */
export const ROUTING_STRATEGIES: readonly RoutingStrategy[] = ['ringall', 'rrmemory', 'leastrecent', 'fewestcalls', 'random', 'linear', 'wrandom'];

// The campaign schema stores snake_case names; each maps to exactly one routing strategy.
const STORED: Readonly<Record<string, RoutingStrategy>> = {
  ring_all: 'ringall',
  round_robin: 'rrmemory',
  least_recent: 'leastrecent',
  fewest_interactions: 'fewestcalls',
  random: 'random',
  linear: 'linear',
  weighted_random: 'wrandom',
};

/** True for a canonical routing strategy name, so stored values can already use them. */
export function isRoutingStrategy(value: string): value is RoutingStrategy {
  return (ROUTING_STRATEGIES as readonly string[]).includes(value);
}

/**
 * The campaigns table keeps `strategy` as free text, so a stored value is
 * mapped here once and an unknown one yields null for the caller to report
 * instead of silently routing by a guess. Canonical names pass through.
 */
export function toRoutingStrategy(stored: string): RoutingStrategy | null {
  if (Object.hasOwn(STORED, stored)) return STORED[stored] ?? null;
  return isRoutingStrategy(stored) ? stored : null;
}
