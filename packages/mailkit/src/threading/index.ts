// Threading: which interaction an inbound message belongs to, and the headers
// and subject token that make a customer's reply find its way back.
export { createMessageId, verifyMessageId } from './message-id.ts';
export type { CreateMessageIdInput, MessageIdSecret, VerifiedMessageId } from './message-id.ts';
export { addSubjectToken, answerSubject, findSubjectTokens, formatSubjectToken, normalizeSubject, stripSubjectToken } from './subject-token.ts';
export type { SubjectToken } from './subject-token.ts';
export { resolveThread } from './resolve-thread.ts';
export type { NewThreadReason, ResolveThreadInput, ThreadCandidate, ThreadDecision, ThreadEvidence } from './resolve-thread.ts';
export { buildReplyHeaders, cleanMessageId, MAX_REFERENCES } from './references.ts';
export type { ReplyHeaders, ReplyParent } from './references.ts';
