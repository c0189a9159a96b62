// The part of bulk sending a sending thread loads: the composer, the
// per-recipient keys and the pipelined client — no HTML or CSV parser,
// no sanitiser, so a thread starts quickly.
export { BulkComposeError, compileBulkMessage, prepareAttachment } from './bulk-message.ts';
export type { BulkMessage, BulkMessageSpec, PreparedAttachment } from './bulk-message.ts';
export { CalendarInviteError } from './calendar-invite.ts';
export { recipientKeys } from './recipient-keys.ts';
export { SmtpPipelinePool } from './smtp-pipeline-pool.ts';
export type { PipelineAccount } from './smtp-pipeline.ts';
