import {
  mailboxListSchema,
  mailboxParamsSchema,
  quarantineListSchema,
  quarantineParamsSchema,
  quarantineQuerySchema,
  rawMessageSchema,
  reprocessResultSchema,
} from '@postdesk/contracts';

// The mailboxes' and the quarantine's request and response shapes are the API contract's (@postdesk/contracts).

export const MailboxesOut = mailboxListSchema;
export const CampaignParams = mailboxParamsSchema;
export const QuarantineOut = quarantineListSchema;
export const QuarantineParams = quarantineParamsSchema;
export const QuarantineQuery = quarantineQuerySchema;
export const RawMessageOut = rawMessageSchema;
export const ReprocessOut = reprocessResultSchema;
