import { z } from 'zod';

// The server's Content-Security-Policy forbids eval; without this zod probes `new Function`
// and the browser logs a CSP violation on every page.
z.config({ jitless: true });

// The shapes the console reads from the API, validated when they arrive so a
// contract drift shows up as one clear error instead of a half-rendered screen.
// Types are derived from the schemas; the web app declares no second copy.

/** Ids are opaque strings to the console (PostgreSQL bigint and uuid both arrive as strings). */
export const idSchema = z.union([z.string(), z.number()]).transform((value) => String(value));

/** Every API error body carries a stable code; details name the fields or protocols at fault. */
export const apiErrorBodySchema = z.object({
  code: z.string(),
  message: z.string(),
  details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

export const roleSchema = z.enum(['admin', 'supervisor', 'agent']);
/** Who a user is decides which screens the console offers. */
export type Role = z.infer<typeof roleSchema>;

export const languageSchema = z.enum(['en', 'es', 'it']);
/** The languages the console has catalogues for. */
export type Language = z.infer<typeof languageSchema>;
/** Listed once so selects and the language switch offer the same set. */
export const LANGUAGES: readonly Language[] = ['en', 'es', 'it'];

export const userSchema = z.object({
  id: idSchema,
  username: z.string(),
  displayName: z.string(),
  email: z.string().nullable(),
  role: roleSchema,
  language: languageSchema,
  enabled: z.boolean(),
  createdAt: z.string(),
});
/** A console user as the API presents it. */
export type User = z.infer<typeof userSchema>;
export const userEnvelopeSchema = z.object({ user: userSchema });
export const userListSchema = z.object({ items: z.array(userSchema) });

export const apiTokenSchema = z.object({
  id: idSchema,
  name: z.string(),
  role: roleSchema,
  prefix: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  owner: z.object({ id: idSchema, username: z.string(), displayName: z.string() }),
});
/** An API token's metadata; the secret itself is shown once, at creation. */
export type ApiToken = z.infer<typeof apiTokenSchema>;
export const apiTokenListSchema = z.object({ items: z.array(apiTokenSchema) });
export const createdApiTokenSchema = z.object({ token: z.string(), item: apiTokenSchema });

export const securitySchema = z.enum(['tls', 'starttls', 'none']);
/** Transport security of one mail connection. */
export type Security = z.infer<typeof securitySchema>;
export const inboundProtocolSchema = z.enum(['imap', 'pop3']);
/** How a campaign reads its mailbox. */
export type InboundProtocol = z.infer<typeof inboundProtocolSchema>;
export const protocolSchema = z.enum(['imap', 'pop3', 'smtp']);
/** Any mail protocol a campaign's connection check reports on. */
export type Protocol = z.infer<typeof protocolSchema>;
export const serviceSchema = z.enum(['custom', 'gmail', 'outlook', 'hotmail', 'yahoo']);
/** A mail service preset, or custom hosts. */
export type Service = z.infer<typeof serviceSchema>;
export const strategySchema = z.enum(['ring_all', 'round_robin', 'least_recent', 'fewest_interactions', 'random', 'linear', 'weighted_random']);
/** How the queue picks the agent an interaction is offered to. */
export type Strategy = z.infer<typeof strategySchema>;
export const fetchedMailActionSchema = z.enum(['leave', 'mark_seen', 'move', 'delete']);
/** What happens in the mailbox to a message once it is safely imported. */
export type FetchedMailAction = z.infer<typeof fetchedMailActionSchema>;
export const closedReplyActionSchema = z.enum(['reopen', 'new_linked']);
/** What a customer's reply to a closed interaction does. */
export type ClosedReplyAction = z.infer<typeof closedReplyActionSchema>;

export const connectionSchema = z.object({
  protocol: protocolSchema,
  ok: z.boolean(),
  code: z.string().nullable(),
  message: z.string().nullable(),
  checkedAt: z.string(),
  /** SMTP only: the outbox holds the account back; retryAt null means until the settings are fixed or verified. */
  hold: z.object({ since: z.string(), retryAt: z.string().nullable(), waiting: z.number() }).nullable().optional(),
});
/** The last result of checking one mail connection. */
export type Connection = z.infer<typeof connectionSchema>;
export const connectionsEnvelopeSchema = z.object({ connections: z.array(connectionSchema) });

export const scheduleFrameSchema = z.object({
  day: z.number().int().min(0).max(6),
  start: z.string(),
  end: z.string(),
});
/** One weekly opening window; a campaign with none is always open. */
export type ScheduleFrame = z.infer<typeof scheduleFrameSchema>;

export const campaignSchema = z.object({
  id: idSchema,
  name: z.string(),
  key: z.string(),
  description: z.string(),
  enabled: z.boolean(),
  receiveEmails: z.boolean(),
  fromAddress: z.string(),
  fromName: z.string(),
  timezone: z.string(),
  service: serviceSchema,
  defaultListName: z.string().nullable(),
  // Mail settings and connection checks are shown to admins only; other roles get neither.
  inbound: z
    .object({
    protocol: inboundProtocolSchema,
    host: z.string(),
    port: z.number(),
    security: securitySchema,
    username: z.string(),
    hasPassword: z.boolean(),
    mailbox: z.string(),
    connectionTimeoutSec: z.number(),
    authTimeoutSec: z.number(),
  })
    .optional(),
  smtp: z
    .object({
      host: z.string(),
      port: z.number(),
      security: securitySchema,
      auth: z.boolean(),
      username: z.string(),
      hasPassword: z.boolean(),
    })
    .optional(),
  queue: z.object({
    strategy: strategySchema,
    serviceLevelSec: z.number(),
    maxInteractionsPerAgent: z.number(),
    offerTimeoutSec: z.number(),
    autoAssign: z.boolean(),
    waitAssignedAgentSec: z.number(),
    waitAssignedQueueSec: z.number(),
    transferToAgent: z.boolean(),
    transferToAgentTimeoutSec: z.number(),
    transferToQueue: z.boolean(),
    transferToQueueTimeoutSec: z.number(),
    mandatoryDisposition: z.boolean(),
    pauseWhileDisposing: z.boolean(),
    markAsUnread: z.boolean(),
    fetchedMailAction: fetchedMailActionSchema,
    moveToFolder: z.string().nullable(),
    closedReplyAction: closedReplyActionSchema,
    sentFolder: z.string().nullable(),
  }),
  schedule: z.array(scheduleFrameSchema),
  thresholds: z.object({
    serviceLevelSec: z.number(),
    dropoutSec: z.number(),
    chatTimeSec: z.number(),
    acdSec: z.number(),
  }),
  signatureTemplateId: idSchema.nullable(),
  confirmation: z.object({ enabled: z.boolean(), templateId: idSchema.nullable() }),
  outOfHours: z.object({ enabled: z.boolean(), templateId: idSchema.nullable() }),
  qualification: z.object({ enabled: z.boolean(), motivationTitle: z.string(), thanksMessage: z.string() }),
  connections: z.array(connectionSchema).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
/** An email campaign (queue + mailbox connection) as the API presents it. */
export type Campaign = z.infer<typeof campaignSchema>;
export const campaignListSchema = z.object({ items: z.array(campaignSchema) });

/** What POST/PUT /api/campaigns accept: the campaign without server-owned fields, passwords write-only. */
export interface CampaignInput {
  name: string;
  key: string;
  description: string;
  enabled: boolean;
  receiveEmails: boolean;
  fromAddress: string;
  fromName: string;
  timezone: string;
  service: Service;
  defaultListName: string | null;
  inbound: Omit<NonNullable<Campaign['inbound']>, 'hasPassword'> & { password?: string };
  smtp: Omit<NonNullable<Campaign['smtp']>, 'hasPassword'> & { password?: string };
  queue: Campaign['queue'];
  schedule: ScheduleFrame[];
  thresholds: Campaign['thresholds'];
  signatureTemplateId: string | null;
  confirmation: { enabled: boolean; templateId: string | null };
  outOfHours: { enabled: boolean; templateId: string | null };
  qualification: Campaign['qualification'];
}

const endpointSchema = z.object({ host: z.string(), port: z.number(), security: securitySchema });
/** Host, port and security of one protocol in a service preset. */
export type PresetEndpoint = z.infer<typeof endpointSchema>;
export const presetSchema = z.object({
  id: z.enum(['gmail', 'outlook', 'hotmail', 'yahoo']),
  label: z.string(),
  imap: endpointSchema,
  pop3: endpointSchema,
  smtp: endpointSchema,
});
/** Known mail providers, so admins do not have to look up hosts and ports. */
export type Preset = z.infer<typeof presetSchema>;
export const presetListSchema = z.object({ items: z.array(presetSchema) });
/** Whether replies can carry rating links (they need the server's public URL). */
export const ratingLinksSchema = z.object({ available: z.boolean(), reason: z.enum(['no_public_url']).nullable() });

export const memberSchema = z.object({
  campaignId: idSchema,
  userId: idSchema,
  username: z.string(),
  displayName: z.string(),
  /** Place in `linear` and round-robin order. */
  position: z.number(),
  /** Weighted random: 0 is chosen most often. */
  penalty: z.number(),
});
/** An agent assigned to a campaign. */
export type Member = z.infer<typeof memberSchema>;
export const memberListSchema = z.object({ items: z.array(memberSchema) });

export const templateSchema = z.object({
  id: idSchema,
  name: z.string(),
  campaignId: idSchema.nullable(),
  html: z.string(),
  variables: z.array(z.string()),
  updatedAt: z.string(),
});
/** A reusable HTML body with `${variable}` fields, global or bound to one campaign. */
export type Template = z.infer<typeof templateSchema>;
export const templateListSchema = z.object({ items: z.array(templateSchema) });
export const templatePreviewSchema = z.object({ html: z.string(), missing: z.array(z.string()).optional() });

export const cannedAnswerSchema = z.object({
  id: idSchema,
  name: z.string(),
  text: z.string(),
  campaignId: idSchema.nullable(),
});
/** A short reusable reply, global or per campaign. */
export type CannedAnswer = z.infer<typeof cannedAnswerSchema>;
export const cannedAnswerListSchema = z.object({ items: z.array(cannedAnswerSchema) });

export const dispositionSchema = z.object({ id: idSchema, name: z.string() });
/** An outcome an agent records when closing an interaction of one campaign. */
export type Disposition = z.infer<typeof dispositionSchema>;
export const dispositionListSchema = z.object({ items: z.array(dispositionSchema) });

export const mailboxStateSchema = z.enum(['connected', 'connecting', 'idle', 'backoff', 'needs_attention', 'stopped']);
/** What a campaign's mailbox reader is doing right now. */
export type MailboxState = z.infer<typeof mailboxStateSchema>;

export const mailboxSchema = z.object({
  campaignId: idSchema,
  campaignName: z.string(),
  campaignKey: z.string(),
  protocol: inboundProtocolSchema,
  folder: z.string().nullable(),
  state: mailboxStateSchema,
  lastSyncAt: z.string().nullable(),
  lastError: z.string().nullable(),
  lastErrorAt: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  waiting: z.number(),
  quarantined: z.number(),
  ingested: z.number(),
});
/** The live state of one receiving campaign's mailbox. */
export type Mailbox = z.infer<typeof mailboxSchema>;
export const mailboxListSchema = z.object({ items: z.array(mailboxSchema) });

export const quarantineStateSchema = z.enum(['quarantined', 'released']);
/** Whether a quarantined message is still held or has since been ingested. */
export type QuarantineState = z.infer<typeof quarantineStateSchema>;

export const quarantineItemSchema = z.object({
  id: idSchema,
  campaignId: idSchema,
  campaignName: z.string(),
  reasonCode: z.string(),
  reason: z.string(),
  size: z.number(),
  // Sender and subject come from the message itself: hostile text, shown as plain text only.
  subject: z.string().nullable(),
  from: z.string().nullable(),
  createdAt: z.string(),
  state: quarantineStateSchema,
});
/** A received message the importer could not turn into an interaction. */
export type QuarantineItem = z.infer<typeof quarantineItemSchema>;
export const quarantineListSchema = z.object({ items: z.array(quarantineItemSchema) });
export const reprocessResultSchema = z.object({
  outcome: z.enum(['ingested', 'still_quarantined']),
  reason: z.string().nullable(),
});
/** What reprocessing one quarantined message achieved. */
export type ReprocessResult = z.infer<typeof reprocessResultSchema>;

// --- routing: presence, offers, the agent's interactions, the supervisor's live view ---

export const presenceStateSchema = z.enum(['offline', 'available', 'paused']);
export type PresenceState = z.infer<typeof presenceStateSchema>;

export const presenceSchema = z.object({
  state: presenceStateSchema,
  pauseReasonId: z.string().nullable(),
  pauseReason: z.string().nullable(),
  since: z.string().nullable(),
});
export type Presence = z.infer<typeof presenceSchema>;

export const pauseReasonSchema = z.object({ id: z.string(), name: z.string() });
export type PauseReason = z.infer<typeof pauseReasonSchema>;
export const pauseReasonListSchema = z.object({ items: z.array(pauseReasonSchema) });

export const offerSchema = z.object({
  id: z.number(),
  interactionId: z.number(),
  campaignId: z.string(),
  campaignKey: z.string(),
  campaignName: z.string(),
  kind: z.string(),
  subject: z.string(),
  customerAddress: z.string(),
  customerName: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
});
export type Offer = z.infer<typeof offerSchema>;
export const offerListSchema = z.object({ items: z.array(offerSchema) });

export const assignedInteractionSchema = z.object({
  id: z.number(),
  campaignId: z.string(),
  campaignKey: z.string(),
  subject: z.string(),
  customerAddress: z.string(),
  customerName: z.string(),
  unread: z.boolean(),
  assignedAt: z.string().nullable(),
  lastMessageAt: z.string(),
});
export type AssignedInteraction = z.infer<typeof assignedInteractionSchema>;
export const assignedInteractionListSchema = z.object({ items: z.array(assignedInteractionSchema) });

export const thresholdColourSchema = z.enum(['ok', 'warn', 'bad']);
export type ThresholdColour = z.infer<typeof thresholdColourSchema>;

export const queueFiguresSchema = z.object({
  campaignId: z.string(),
  campaignKey: z.string(),
  campaignName: z.string(),
  open: z.boolean(),
  waiting: z.number(),
  offered: z.number(),
  inProgress: z.number(),
  longestWaitSec: z.number(),
  accepted: z.number(),
  acceptedWithinSl: z.number(),
  abandoned: z.number(),
  serviceLevelPct: z.number().nullable(),
  dropoutPct: z.number().nullable(),
  avgAnswerSec: z.number().nullable(),
  avgHandlingSec: z.number().nullable(),
  serviceLevelSec: z.number(),
  /** The campaign's SMTP account is held back: its replies wait for the mail server. */
  sendingHeld: z.object({ since: z.string(), retryAt: z.string().nullable(), waiting: z.number(), response: z.string() }).nullable().optional(),
  agents: z.object({ available: z.number(), paused: z.number(), offline: z.number(), busy: z.number() }),
  colours: z.object({
    longestWait: thresholdColourSchema,
    serviceLevel: thresholdColourSchema,
    dropout: thresholdColourSchema,
    handling: thresholdColourSchema,
  }),
});
export type QueueFigures = z.infer<typeof queueFiguresSchema>;
export const queueFiguresListSchema = z.object({ items: z.array(queueFiguresSchema) });

export const liveAgentSchema = z.object({
  userId: z.string(),
  username: z.string(),
  displayName: z.string(),
  state: presenceStateSchema,
  pauseReason: z.string().nullable(),
  since: z.string().nullable(),
  active: z.number(),
  pending: z.number(),
  campaignKeys: z.array(z.string()),
  connected: z.boolean(),
});
export type LiveAgent = z.infer<typeof liveAgentSchema>;
export const liveAgentListSchema = z.object({ items: z.array(liveAgentSchema) });

/** What the server pushes on /api/ws; unknown types are ignored by the client. */
export type RealtimeMessage =
  | { type: 'hello'; userId: string }
  | { type: 'offer.created'; offer: Offer }
  | { type: 'offer.ended'; offerId: number; interactionId: number; state: string }
  | { type: 'interaction.assigned'; interactionId: number; campaignId: string }
  | { type: 'interaction.removed'; interactionId: number }
  | { type: 'message.received'; interactionId: number; messageId: number }
  | { type: 'message.changed'; interactionId: number; messageId: number; state: string }
  | { type: 'presence.changed'; state: PresenceState }
  | { type: 'agent.changed'; userId: string; state: PresenceState }
  | { type: 'queue.changed'; campaignIds: string[] }
  | { type: 'campaign.changed'; campaignId: string };

// --- the agent workspace: inbox, thread, search, uploads ---

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
