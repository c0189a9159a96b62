// Outbound: everything we send — an agent's message, an automatic reply —
// is stored and queued in the caller's transaction; the outbox worker sends
// it after the commit. Only this module writes `outbox`, `smtp_holds` and
// `auto_replies`.
export { enqueueOutbound, type Enqueued, type OutboundDraft } from './enqueue-outbound.ts';
export { outboundSubject, ticketOf } from './outbound-subject.ts';
export { waitingBehindHoldSql } from './outbox.repo.ts';
export { queueConfirmation, type ConfirmationRequest } from './queue-confirmation.ts';
export { resumeSending } from './resume-sending.ts';
export { retryMessage } from './retry-message.ts';
export { outboxWaitingCounts } from './outbox.repo.ts';
