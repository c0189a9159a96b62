import {
  acceptedOfferSchema,
  agentInfoSchema,
  agentPresenceBodySchema,
  monitorQuerySchema,
  waitingListSchema,
  assignedInteractionListSchema,
  closeBodySchema,
  disposingBodySchema,
  disposingSchema,
  liveAgentListSchema,
  offerListSchema,
  pauseReasonBodySchema,
  pauseReasonListSchema,
  pauseReasonSchema,
  presenceBodySchema,
  presenceSchema,
  queueFiguresListSchema,
  queuePeriodQuerySchema,
  transferBodySchema,
} from '@postdesk/contracts';

// Routing's request and response shapes are the API contract's
// (@postdesk/contracts); these are the names its routes use.

export const PresenceIn = presenceBodySchema;
export const PresenceOut = presenceSchema;
export const OffersOut = offerListSchema;
export const AssignedOut = assignedInteractionListSchema;
export const AcceptedOut = acceptedOfferSchema;
export const CloseIn = closeBodySchema;
export const DisposingIn = disposingBodySchema;
export const DisposingOut = disposingSchema;
export const TransferIn = transferBodySchema;
export const PauseReasonIn = pauseReasonBodySchema;
export const PauseReasonOut = pauseReasonSchema;
export const PauseReasonsOut = pauseReasonListSchema;
export const AgentsOut = liveAgentListSchema;
export const Period = queuePeriodQuerySchema;
export const QueuesOut = queueFiguresListSchema;
export const WaitingOut = waitingListSchema;
export const MonitorQuery = monitorQuerySchema;
export const AgentInfoOut = agentInfoSchema;
export const AgentPresenceIn = agentPresenceBodySchema;
