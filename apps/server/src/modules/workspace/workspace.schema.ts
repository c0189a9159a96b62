import { z } from 'zod';
import { isValidAddress } from '@postdesk/mailkit/compose';

// What the workspace's routes accept. Addresses are checked for shape here
// (the rules of a message — someone to send to, each once — are the use case's).

const NoControl = (max: number) =>
  z.string().max(max, `at most ${max} characters`).refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'control characters (line breaks) are not allowed');
const Address = z.strictObject({
  address: z.string().trim().max(254).refine(isValidAddress, 'not a valid e-mail address'),
  name: NoControl(200).optional(),
});
const PartPath = z.string().regex(/^[\w.-]{1,64}$/, 'not a valid part');
const Attachment = z.union([
  z.strictObject({ uploadId: z.uuid('not a valid upload id') }),
  z.strictObject({ messageId: z.number().int().positive(), partPath: PartPath }),
]);
// A draft also keeps an upload's name and size, to show it again when the draft is reopened.
const DraftAttachment = z.union([
  z.strictObject({ uploadId: z.uuid('not a valid upload id'), name: z.string().max(255).optional(), size: z.number().int().min(0).optional() }),
  z.strictObject({ messageId: z.number().int().positive(), partPath: PartPath }),
]);
const Compose = {
  to: z.array(Address).max(50).default([]),
  cc: z.array(Address).max(50).default([]),
  html: z.string().max(2 * 1024 * 1024, 'at most 2 MiB'),
  attachments: z.array(Attachment).max(50).default([]),
};
const Mode = z.enum(['reply', 'reply_all', 'reply_history', 'forward']);

/** An answer in an interaction. */
export const SendIn = z.strictObject({
  mode: Mode,
  subject: NoControl(900).optional(),
  parentId: z.number().int().positive().optional(),
  ...Compose,
});
/** A new mail: a new interaction and its first message. */
export const NewMailIn = z.strictObject({ subject: NoControl(900), ...Compose });
const DraftAddresses = z.array(z.object({ address: z.string().max(254), name: z.string().max(200).optional() })).max(50).default([]);
/** An answer in progress: anything may still be missing; it is checked when sent. */
export const DraftIn = z.strictObject({
  mode: Mode,
  subject: z.string().max(900).default(''),
  to: DraftAddresses,
  cc: DraftAddresses,
  html: z.string().max(2 * 1024 * 1024, 'at most 2 MiB'),
  attachments: z.array(DraftAttachment).max(50).default([]),
});
/** A new mail in progress: anything may still be missing; it is checked when sent. */
export const NewMailDraftIn = z.strictObject({
  campaignId: z.uuid('not a valid campaign id').nullable().default(null),
  subject: z.string().max(900).default(''),
  to: DraftIn.shape.to,
  cc: DraftIn.shape.cc,
  html: DraftIn.shape.html,
  attachments: z.array(DraftAttachment.options[0]).max(50).default([]),
});
export const NoteIn = z.strictObject({ text: z.string().trim().min(1, 'required').max(20_000, 'at most 20000 characters') });
export const SearchQuery = z.strictObject({ q: z.string().trim().min(3, 'at least 3 characters').max(200, 'at most 200 characters') });
export const UploadQuery = z.strictObject({
  filename: z.string().min(1, 'required').max(255, 'at most 255 characters'),
  type: z.string().regex(/^[A-Za-z0-9][\w!#$&^.+-]{0,126}\/[A-Za-z0-9][\w!#$&^.+-]{0,126}$/, 'not a MIME type').optional(),
});
export const BodyQuery = z.strictObject({ images: z.enum(['0', '1']).optional() });
export const AttachmentParams = z.strictObject({ id: z.string().regex(/^\d{1,18}$/, 'a numeric id').transform(Number), part: PartPath });
export const AttachmentQuery = z.strictObject({ inline: z.enum(['0', '1']).optional() });
export const CampaignParams = z.strictObject({ id: z.uuid('not a valid campaign id') });
export const RatingParams = z.strictObject({ token: z.string().max(64), score: z.string().regex(/^[1-5]$/).transform(Number) });
