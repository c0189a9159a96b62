import { z } from 'zod';

// Email campaigns: one mailbox connection plus queue settings; service presets.

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
  id: z.string(),
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
  signatureTemplateId: z.string().nullable(),
  confirmation: z.object({ enabled: z.boolean(), templateId: z.string().nullable() }),
  outOfHours: z.object({ enabled: z.boolean(), templateId: z.string().nullable() }),
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
