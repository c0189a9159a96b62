// Bulk sending for the dialer: a message compiled once and filled per
// recipient, the iCalendar invitation, RFC 8058 unsubscribe headers,
// per-recipient keys (Message-ID, link token), the pipelined SMTP client,
// and the streaming list validator.
export { BUILT_IN_FIELDS, BulkComposeError, compileBulkMessage, prepareAttachment } from './bulk-message.ts';
export type { BulkInviteSpec, BulkMessage, BulkMessageSpec, BulkRecipient, PreparedAttachment } from './bulk-message.ts';
export { CalendarInviteError, compileCalendarInvite, escapeText, foldLine, validateInviteTimes, writeCalendarInvite } from './calendar-invite.ts';
export type { CalendarInvite, CalendarInviteRecipient, CalendarInviteSpec, CalendarParty } from './calendar-invite.ts';
export { compileTemplate, fillTemplate } from './compiled-template.ts';
export { textAlternative } from './text-alternative.ts';
export type { CompiledTemplate } from './compiled-template.ts';
export { isUnsubscribeUrl, LIST_UNSUBSCRIBE_POST, listUnsubscribeHeaders } from './list-unsubscribe.ts';
export { decodeQuotedPrintable, encodeQuotedPrintableSegment } from './quoted-printable.ts';
export { recipientKeys, verifyRecipientMessageId, verifyRecipientToken } from './recipient-keys.ts';
export type { RecipientKeys } from './recipient-keys.ts';
export { SmtpPipeline, SmtpPipelineError } from './smtp-pipeline.ts';
export type { PipelineAccount, PipelineAuth, PipelineCapabilities, PipelineMessage, PipelineResult } from './smtp-pipeline.ts';
export { SmtpPipelinePool } from './smtp-pipeline-pool.ts';
export { LIST_COLUMNS, normalizeDestination, validateList } from './dialer-list.ts';
export type { ListProblem, ListProblemCode, ListReport, ListRow, ListRules } from './dialer-list.ts';
export { splitLine, validateBlacklistFile } from './blacklist-file.ts';
export type { BlacklistFileEntry, BlacklistFileReport, BlacklistFileRules, BlacklistProblem, BlacklistProblemCode } from './blacklist-file.ts';
