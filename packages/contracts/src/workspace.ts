import { z } from 'zod';

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
    transferToAgent: z.boolean(),
    transferToQueue: z.boolean(),
    signatureTemplateId: z.string().nullable(),
    fromAddress: z.string(),
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
  items: z.array(z.object({ id: z.string(), key: z.string(), name: z.string(), timezone: z.string(), signatureTemplateId: z.string().nullable() })),
});
export type MyCampaign = z.infer<typeof myCampaignsSchema>['items'][number];

/** The new mail an agent is writing, as saved; the campaign is null until chosen (or when no longer theirs). */
export const newMailDraftSchema = z.object({
  draft: z
    .object({
      campaignId: z.string().nullable(),
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
