import { z } from 'zod';
import {
  attachmentParamsSchema,
  attachmentQuerySchema,
  draftBodySchema,
  fileBytesSchema,
  inboxSchema,
  mailAddressInputSchema,
  messageBodyQuerySchema,
  messageDocumentSchema,
  myCampaignsSchema,
  newMailBodySchema,
  newMailDraftBodySchema,
  newMailDraftSchema,
  newMailParamsSchema,
  noteBodySchema,
  noteSchema,
  rawMessageSchema,
  searchQuerySchema,
  searchResultSchema,
  sendMessageBodySchema,
  sentSchema,
  startedSchema,
  threadSchema,
  transferTargetsSchema,
  uploadQuerySchema,
  uploadSchema,
} from '@postdesk/contracts';
import { isValidAddress } from '@postdesk/mailkit/compose';

// The workspace's request and response shapes are the API contract's
// (@postdesk/contracts). One thing is added here: a recipient's address is
// checked as an address (mailkit's rule, which the contract cannot import).

const Address = mailAddressInputSchema.extend({ address: mailAddressInputSchema.shape.address.refine(isValidAddress, 'not a valid e-mail address') });
const Recipients = { to: z.array(Address).max(50).default([]), cc: z.array(Address).max(50).default([]) };

export const SendIn = sendMessageBodySchema.extend(Recipients);
export const NewMailIn = newMailBodySchema.extend(Recipients);
export const DraftIn = draftBodySchema;
export const NewMailDraftIn = newMailDraftBodySchema;
export const NoteIn = noteBodySchema;
export const SearchQuery = searchQuerySchema;
export const UploadQuery = uploadQuerySchema;
export const BodyQuery = messageBodyQuerySchema;
export const AttachmentParams = attachmentParamsSchema;
export const AttachmentQuery = attachmentQuerySchema;
export const CampaignParams = newMailParamsSchema;

export const InboxOut = inboxSchema;
export const MyCampaignsOut = myCampaignsSchema;
export const TransferTargetsOut = transferTargetsSchema;
export const SearchOut = searchResultSchema;
export const ThreadOut = threadSchema;
export const UploadOut = uploadSchema;
export const SentOut = sentSchema;
export const StartedOut = startedSchema;
export const NoteOut = noteSchema;
export const NewMailDraftOut = newMailDraftSchema;
/** Non-JSON answers, declared for the OpenAPI document: the server sends them as they are. */
export const DocumentOut = { description: 'the message body', content: { 'text/html': { schema: messageDocumentSchema } } };
export const EmlOut = { description: 'the message as stored (message/rfc822 bytes), as a download', content: { 'message/rfc822': { schema: rawMessageSchema } } };
export const FileOut = { description: 'the file', content: { 'application/octet-stream': { schema: fileBytesSchema } } };

/** The customer's rating link (public; not in the API document). */
export const RatingParams = z.strictObject({ token: z.string().max(64), score: z.string().regex(/^[1-5]$/).transform(Number) });
