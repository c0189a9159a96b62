// Routing: who gets a waiting interaction, when the campaign is open, and how
// its queue is doing. Pure functions; the caller owns the clock and the database.
export { ROUTING_STRATEGIES, isRoutingStrategy, toRoutingStrategy, type RoutingStrategy } from './strategy.ts';
export {
  isEligible,
  penaltyWeight,
  selectAgents,
  type RoutingMember,
  type RoutingPresence,
  type Selection,
  type SelectionInput,
} from './select-agents.ts';
export { isOpen, nextOpening, type ScheduleFrame } from './schedule.ts';
export {
  WARN_SHARE,
  colourFor,
  serviceLevelStats,
  type ServiceLevelItem,
  type ServiceLevelOptions,
  type ServiceLevelStats,
  type ServiceLevelThresholds,
  type ThresholdColour,
} from './service-level.ts';
// Around the pure core, what other modules ask of routing: an agent's
// presence, their offers withdrawn (membership removed), the workspace's
// transfer choices, the sockets' heartbeat, the offers pushed to agents.
export { withdrawOffers } from './offers.ts';
export { offerViews, type OfferView } from './offers.repo.ts';
export { getPresence, setPresence, writeConnections, type Presence, type PresenceState } from './presence.ts';
export { transferAgents, transferCampaigns } from './routing.repo.ts';
export { presentOffer } from './routing.presenter.ts';
