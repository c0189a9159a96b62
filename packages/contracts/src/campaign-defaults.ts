// What a new campaign starts with: one set, read by the API (the request
// schema's defaults, which the OpenAPI document shows) and by the console's
// new-campaign form, so the two cannot drift apart again.

/** Queue settings of a new campaign. */
export const QUEUE_DEFAULTS = {
  strategy: 'round_robin',
  serviceLevelSec: 60,
  maxInteractionsPerAgent: 5,
  offerTimeoutSec: 30,
  autoAssign: false,
  waitAssignedAgentSec: 10,
  waitAssignedQueueSec: 10,
  transferToAgent: false,
  transferToAgentTimeoutSec: 30,
  transferToQueue: false,
  transferToQueueTimeoutSec: 30,
  mandatoryDisposition: false,
  pauseWhileDisposing: false,
  markAsUnread: false,
  fetchedMailAction: 'leave',
  moveToFolder: null,
  closedReplyAction: 'reopen',
  sentFolder: null,
  // what a missed offer does: pause the agent after this many in a row (0 = never)
  missedOffersPause: 0,
  // how many times an interaction nobody accepts is offered to the same agents
  offerRounds: 3,
} as const;

/** Seconds past which the live figures of a new campaign turn amber or red. */
export const THRESHOLD_DEFAULTS = {
  serviceLevelSec: 60,
  dropoutSec: 300,
  chatTimeSec: 1800,
  acdSec: 0,
} as const;
