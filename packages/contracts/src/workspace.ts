import { z } from 'zod';
import { numericIdSchema } from './common.ts';

// The agent workspace: inbox, thread, search, drafts, uploads.

export const inboxItemSchema = z.object({
  id: z.number(),
  campaignId: z.string(),
  campaignKey: z.string(),
  campaignName: z.string(),
  subject: z.string(),
  customerAddress: z.string(),
  customerName: z.string(),
  unread: z.boolean(),
  status: z.string(),
  assignedAt: z.string().nullable(),
  lastMessageAt: z.string(),
  closedAt: z.string().nullable(),
  assignedName: z.string().nullable().optional(),
});
export type InboxItem = z.infer<typeof inboxItemSchema>;
export const inboxSchema = z.object({ active: z.array(inboxItemSchema), closed: z.array(inboxItemSchema) });
export const searchResultSchema = z.object({ items: z.array(inboxItemSchema) });

const mailAddressSchema = z.object({ address: z.string(), name: z.string().optional() });
export type MailAddress = z.infer<typeof mailAddressSchema>;

export const threadAttachmentSchema = z.object({
  partPath: z.string(),
  filename: z.string(),
  contentType: z.string(),
  size: z.number(),
  inline: z.boolean(),
  previewable: z.boolean(),
});
export type ThreadAttachment = z.infer<typeof threadAttachmentSchema>;

export const threadMessageSchema = z.object({
  id: z.number(),
  direction: z.enum(['inbound', 'outbound']),
  kind: z.string(),
  subject: z.string(),
  fromAddress: z.string(),
  fromName: z.string(),
  to: z.array(mailAddressSchema),
  cc: z.array(mailAddressSchema),
  date: z.string(),
  snippet: z.string(),
  hasHtml: z.boolean(),
  sentBy: z.string().nullable(),
  outbox: z.object({ state: z.string(), error: z.string().nullable(), attempts: z.number().nullable() }).nullable(),
  rating: z.number().nullable(),
  attachments: z.array(threadAttachmentSchema),
});
export type ThreadMessage = z.infer<typeof threadMessageSchema>;

export const composeModeSchema = z.enum(['reply', 'reply_all', 'reply_history', 'forward']);
export type ComposeMode = z.infer<typeof composeModeSchema>;
export const attachmentRefSchema = z.union([z.object({ uploadId: z.string() }), z.object({ messageId: z.number(), partPath: z.string() })]);
export type AttachmentRef = z.infer<typeof attachmentRefSchema>;

export const threadSchema = z.object({
  interaction: z.object({
    id: z.number(),
    campaignId: z.string(),
    campaignKey: z.string(),
    campaignName: z.string(),
    customerAddress: z.string(),
    customerName: z.string(),
    subject: z.string(),
    status: z.string(),
    queueState: z.string(),
    assignedTo: z.string().nullable(),
    assignedName: z.string().nullable(),
    mine: z.boolean(),
    unread: z.boolean(),
    linkedTo: z.number().nullable(),
    createdAt: z.string(),
    closedAt: z.string().nullable(),
    disposition: z.string().nullable(),
    mandatoryDisposition: z.boolean(),
    /** The campaign lets agents mark an interaction as unread again. */
    markAsUnread: z.boolean(),
    transferToAgent: z.boolean(),
    transferToQueue: z.boolean(),
    signatureTemplateId: z.string().nullable(),
    fromAddress: z.string(),
    /** The dialer message this interaction answers (its first reply's In-Reply-To / References named one); null for any other interaction. */
    dialerMessage: z
      .object({
        dialerId: z.string(),
        dialerName: z.string(),
        listId: z.number(),
        listName: z.string(),
        rowId: z.string(),
        /** The row's line in the uploaded list. */
        line: z.number(),
        destination: z.string(),
        sentAt: z.string().nullable(),
      })
      .nullable(),
  }),
  values: z.record(z.string(), z.string()),
  otherOpen: z.array(z.object({ id: z.number(), campaignKey: z.string(), subject: z.string(), assignedName: z.string().nullable() })),
  messages: z.array(threadMessageSchema),
  notes: z.array(z.object({ id: z.number(), text: z.string(), author: z.string().nullable(), createdAt: z.string() })),
  draft: z
    .object({
      mode: composeModeSchema,
      to: z.array(mailAddressSchema),
      cc: z.array(mailAddressSchema),
      subject: z.string(),
      html: z.string(),
      // an upload in a draft also carries its name and size
      attachments: z.array(z.union([z.object({ uploadId: z.string(), name: z.string().optional(), size: z.number().optional() }), z.object({ messageId: z.number(), partPath: z.string() })])),
      updatedAt: z.string(),
    })
    .nullable(),
});
export type Thread = z.infer<typeof threadSchema>;

/** The campaigns an agent may start a new mail in. */
export const myCampaignsSchema = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      key: z.string(),
      name: z.string(),
      timezone: z.string(),
      signatureTemplateId: z.string().nullable(),
      /** Whether its schedule is open now (mail is routed only then). */
      open: z.boolean(),
      /** When it opens next (now when open); null: its schedule never opens. */
      nextOpening: z.string().nullable(),
    }),
  ),
});
export type MyCampaign = z.infer<typeof myCampaignsSchema>['items'][number];

/** The new mail an agent is writing, as saved; the campaign is null until chosen (or when no longer theirs). */
export const newMailDraftSchema = z.object({
  draft: z
    .object({
      campaignId: z.string().nullable(),
      // always 'new' (the answer drafts' modes are the others); the console leaves it out when saving
      mode: z.literal('new').optional(),
      to: z.array(mailAddressSchema),
      cc: z.array(mailAddressSchema),
      subject: z.string(),
      html: z.string(),
      attachments: z.array(z.object({ uploadId: z.string(), name: z.string().optional(), size: z.number().optional() })),
      updatedAt: z.string(),
    })
    .nullable(),
});
export type NewMailDraft = NonNullable<z.infer<typeof newMailDraftSchema>['draft']>;

export const uploadSchema = z.object({ id: z.string(), filename: z.string(), contentType: z.string(), size: z.number() });
export type Upload = z.infer<typeof uploadSchema>;
export const sentSchema = z.object({ messageId: z.number() });
export const startedSchema = z.object({ interactionId: z.number(), messageId: z.number() });

/** Whether answers can carry rating links: only with the server's public URL (never a request's host) to point them at. */
export const ratingLinksSchema = z.object({ available: z.boolean(), reason: z.enum(['no_public_url']).nullable() });
export type RatingLinks = z.infer<typeof ratingLinksSchema>;

// Requests. An address is checked for shape by the server beyond these
// bounds (the server's schema refines `address`); the rules of a message —
// someone to send to, each once — are the server's use case's.

const noControl = (max: number) =>
  z.string().max(max, `at most ${max} characters`).refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'control characters (line breaks) are not allowed');
/** A recipient as an agent gives it. */
export const mailAddressInputSchema = z.strictObject({ address: z.string().trim().max(254), name: noControl(200).optional() });
const partPathSchema = z.string().regex(/^[\w.-]{1,64}$/, 'not a valid part');
/** A file for an outgoing message: one the agent uploaded, or one of a stored message's files. */
export const attachmentInputSchema = z.union([
  z.strictObject({ uploadId: z.uuid('not a valid upload id') }),
  z.strictObject({ messageId: z.number().int().positive(), partPath: partPathSchema }),
]);
// A draft also keeps an upload's name and size, to show it again when the draft is reopened.
const draftAttachmentSchema = z.union([
  z.strictObject({ uploadId: z.uuid('not a valid upload id'), name: z.string().max(255).optional(), size: z.number().int().min(0).optional() }),
  z.strictObject({ messageId: z.number().int().positive(), partPath: partPathSchema }),
]);
const composeFields = {
  to: z.array(mailAddressInputSchema).max(50).default([]),
  cc: z.array(mailAddressInputSchema).max(50).default([]),
  html: z.string().max(2 * 1024 * 1024, 'at most 2 MiB'),
  attachments: z.array(attachmentInputSchema).max(50).default([]),
};
/** An answer in an interaction: reply, reply all, reply with the history, forward. */
export const sendMessageBodySchema = z.strictObject({
  mode: composeModeSchema,
  subject: noControl(900).optional(),
  parentId: z.number().int().positive().optional(),
  /** Made by the console once per answer: sending it again (the first answer was lost) returns the message already stored. */
  sendKey: z.uuid('not a valid send key').optional(),
  ...composeFields,
});
/** A new mail: a new interaction and its first message. */
export const newMailBodySchema = z.strictObject({
  subject: noControl(900),
  /** As for an answer: sending the new mail again returns the interaction already started. */
  sendKey: z.uuid('not a valid send key').optional(),
  ...composeFields,
});
const draftAddressesSchema = z.array(z.object({ address: z.string().max(254), name: z.string().max(200).optional() })).max(50).default([]);
/** An answer in progress: anything may still be missing; it is checked when sent. */
export const draftBodySchema = z.strictObject({
  mode: composeModeSchema,
  subject: z.string().max(900).default(''),
  to: draftAddressesSchema,
  cc: draftAddressesSchema,
  html: z.string().max(2 * 1024 * 1024, 'at most 2 MiB'),
  attachments: z.array(draftAttachmentSchema).max(50).default([]),
});
/** A new mail in progress: anything may still be missing; it is checked when sent. */
export const newMailDraftBodySchema = z.strictObject({
  campaignId: z.uuid('not a valid campaign id').nullable().default(null),
  subject: z.string().max(900).default(''),
  to: draftAddressesSchema,
  cc: draftAddressesSchema,
  html: z.string().max(2 * 1024 * 1024, 'at most 2 MiB'),
  attachments: z.array(draftAttachmentSchema.options[0]).max(50).default([]),
});
export const noteBodySchema = z.strictObject({ text: z.string().trim().min(1, 'required').max(20_000, 'at most 20000 characters') });
export const noteSchema = z.object({ id: z.number(), createdAt: z.string() });
export const searchQuerySchema = z.strictObject({ q: z.string().trim().min(3, 'at least 3 characters').max(200, 'at most 200 characters') });
/** An upload's name and declared type; the body is the file (application/octet-stream). */
export const uploadQuerySchema = z.strictObject({
  filename: z.string().min(1, 'required').max(255, 'at most 255 characters'),
  type: z.string().regex(/^[A-Za-z0-9][\w!#$&^.+-]{0,126}\/[A-Za-z0-9][\w!#$&^.+-]{0,126}$/, 'not a MIME type').optional(),
});
export const messageBodyQuerySchema = z.strictObject({ images: z.enum(['0', '1']).optional() });
export const attachmentParamsSchema = z.strictObject({ id: numericIdSchema, part: partPathSchema });
export const attachmentQuerySchema = z.strictObject({ inline: z.enum(['0', '1']).optional() });
export const newMailParamsSchema = z.strictObject({ id: z.uuid('not a valid campaign id') });
/** Where an interaction may be transferred: the campaign's other members with their presence, and the other campaigns. */
export const transferTargetsSchema = z.object({
  agents: z.array(z.object({ userId: z.string(), displayName: z.string(), state: z.string().describe('offline, available, paused, or full: available but at the maximum') })),
  campaigns: z.array(z.object({ id: z.string(), key: z.string(), name: z.string() })),
});
/** A message body: a standalone HTML document for a sandboxed frame. */
export const messageDocumentSchema = z.string().describe('an HTML document, sanitised, served with its own Content-Security-Policy');
/** A file's bytes: a download, or an image preview. */
export const fileBytesSchema = z.string().describe('the file');
