// Interactions: the conversation model. The interaction (its lifecycle:
// waiting → offered → assigned → closed, transferred, reopened), its
// participants and contact, its messages and their files, its notes. Every
// write to those tables goes through here; other modules read them in their
// own read models where a screen joins many tables (see docs/ARCHITECTURE.md).
export { INITIAL, transition, type InteractionStatus, type LifecycleEvent, type LifecycleState, type QueueState, type Transition } from './interaction-state.ts';
export {
  assigneeOf,
  assigneeOfMessage,
  assignInteraction,
  cancelAgentTransfer,
  claimForRoutingCte,
  clearTransfer,
  endStickyWait,
  expireStickyWait,
  insertNote,
  insertStartedInteraction,
  lifecycleOf,
  lockAutoReplyStamp,
  lockInteraction,
  markAgentTransfer,
  markClosed,
  markRead,
  markUnread,
  moveToCampaign,
  requeueInteraction,
  returnToTransferrer,
  stampAutoReply,
  touchAfterReply,
  touchInteraction,
  type LockedInteraction,
} from './interactions.repo.ts';
export { addParticipants, contactUpsertSql, contactValues, participantsSql, participantValues, upsertContact } from './contacts.repo.ts';
export {
  adoptResyncedInbound,
  idText,
  insertInboundMessage,
  insertMessageWithInteraction,
  insertOutboundMessage,
  latestCustomerMessageId,
  type InboundMessageRow,
  type MessageSourceColumns,
  type NewInteraction,
  type OutboundMessageRow,
} from './messages.repo.ts';
export {
  findOutboundByMessageIds,
  interactionFacts,
  interactionsByMessageIds,
  messageIdHolders,
  type InteractionFacts,
  type MessageIdHolder,
} from './threading.repo.ts';
export { deleteInteractions, type DeletedInteractions } from './deletion.repo.ts';
