import { z } from 'zod';
import { QUEUE_DEFAULTS, THRESHOLD_DEFAULTS } from './campaign-defaults.ts';
import { oauthAccountSchema } from './oauth.ts';

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
  /** Admins only, like the mail settings. */
  mailCaPem: z.string().nullable().optional(),
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
    missedOffersPause: z.number(),
    offerRounds: z.number(),
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
  /** Admins only: the OAuth2 account the mailbox signs in with (IMAP/POP3 and SMTP), instead of passwords; null for passwords. */
  oauth: oauthAccountSchema.nullable().optional(),
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
  /** PEM certificates of a private authority the mail servers use; null: none. */
  mailCaPem?: string | null;
  queue: Campaign['queue'];
  schedule: ScheduleFrame[];
  thresholds: Campaign['thresholds'];
  signatureTemplateId: string | null;
  confirmation: { enabled: boolean; templateId: string | null };
  outOfHours: { enabled: boolean; templateId: string | null };
  qualification: Campaign['qualification'];
  /** The signed-in OAuth2 account (from a completed sign-in) the mailbox uses instead of passwords; null for passwords. */
  oauthAccountId?: string | null;
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

// Requests

// Bounds from the reference: timers are seconds in 1–2147483 (XCALLY's range).
const MAX_SECONDS = 2_147_483;
const seconds = (def: number) => z.number().int('must be a whole number').min(1, 'at least 1').max(MAX_SECONDS, `at most ${MAX_SECONDS}`).default(def);
const nonNegSeconds = (def: number) => z.number().int('must be a whole number').min(0, 'at least 0').max(MAX_SECONDS, `at most ${MAX_SECONDS}`).default(def);


// A host name or an IP literal: letters, digits, dots, dashes, colons (IPv6)
// and brackets; no spaces, schemes or paths.
const Host = z
  .string()
  .trim()
  .max(253, 'at most 253 characters')
  .regex(/^$|^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$|^\[?[0-9A-Fa-f:.]+\]?$/, 'not a host name or IP address');
const Port = z.number().int('must be a whole number').min(1, 'between 1 and 65535').max(65535, 'between 1 and 65535');
const Password = z.string().max(1024, 'at most 1024 characters');
const Username = z.string().trim().max(320, 'at most 320 characters');
const Hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'use HH:MM (00:00–24:00)');

/** True when the runtime knows the IANA time zone. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const scheduleFrameInputSchema = z.strictObject({
  day: z.number().int().min(0, '0 (Sunday) to 6 (Saturday)').max(6, '0 (Sunday) to 6 (Saturday)'),
  start: Hhmm,
  end: Hhmm,
});

const minutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

/** Schedule frames: start before end, and frames of one day never overlap. */
export const scheduleInputSchema = z
  .array(scheduleFrameInputSchema)
  .max(7 * 24, 'at most 168 time frames')
  .superRefine((frames, ctx) => {
    frames.forEach((f, i) => {
      if (minutes(f.start) >= minutes(f.end)) ctx.addIssue({ code: 'custom', path: [i, 'end'], message: 'must be after start' });
      frames.forEach((g, j) => {
        if (j <= i || f.day !== g.day) return;
        if (minutes(f.start) < minutes(g.end) && minutes(g.start) < minutes(f.end)) {
          ctx.addIssue({ code: 'custom', path: [j, 'start'], message: `overlaps time frame ${i + 1}` });
        }
      });
    });
  });

const InboundIn = z.strictObject({
  protocol: z.enum(['imap', 'pop3']).default('imap'),
  host: Host.default(''),
  port: Port.default(993),
  security: securitySchema.default('tls'),
  username: Username.default(''),
  password: Password.optional(),
  mailbox: z.string().trim().min(1, 'required').max(255, 'at most 255 characters').regex(/^[^\r\n\0]+$/, 'no control characters').default('INBOX'),
  connectionTimeoutSec: z.number().int().min(1, 'at least 1').max(300, 'at most 300').default(10),
  authTimeoutSec: z.number().int().min(1, 'at least 1').max(300, 'at most 300').default(5),
});

const SmtpIn = z.strictObject({
  host: Host.min(1, 'required'),
  port: Port.default(587),
  security: securitySchema.default('starttls'),
  auth: z.boolean().default(true),
  username: Username.default(''),
  password: Password.optional(),
});

const QueueIn = z.strictObject({
  strategy: strategySchema.default(QUEUE_DEFAULTS.strategy),
  serviceLevelSec: seconds(QUEUE_DEFAULTS.serviceLevelSec),
  maxInteractionsPerAgent: z.number().int().min(1, 'at least 1').max(1000, 'at most 1000').default(QUEUE_DEFAULTS.maxInteractionsPerAgent),
  offerTimeoutSec: z.number().int().min(5, 'at least 5 seconds').max(3600, 'at most 3600 seconds').default(QUEUE_DEFAULTS.offerTimeoutSec),
  autoAssign: z.boolean().default(QUEUE_DEFAULTS.autoAssign),
  waitAssignedAgentSec: seconds(QUEUE_DEFAULTS.waitAssignedAgentSec),
  waitAssignedQueueSec: seconds(QUEUE_DEFAULTS.waitAssignedQueueSec),
  transferToAgent: z.boolean().default(QUEUE_DEFAULTS.transferToAgent),
  transferToAgentTimeoutSec: seconds(QUEUE_DEFAULTS.transferToAgentTimeoutSec),
  transferToQueue: z.boolean().default(QUEUE_DEFAULTS.transferToQueue),
  transferToQueueTimeoutSec: seconds(QUEUE_DEFAULTS.transferToQueueTimeoutSec),
  mandatoryDisposition: z.boolean().default(QUEUE_DEFAULTS.mandatoryDisposition),
  pauseWhileDisposing: z.boolean().default(QUEUE_DEFAULTS.pauseWhileDisposing),
  markAsUnread: z.boolean().default(QUEUE_DEFAULTS.markAsUnread),
  fetchedMailAction: fetchedMailActionSchema.default(QUEUE_DEFAULTS.fetchedMailAction),
  moveToFolder: z.string().trim().max(255).regex(/^[^\r\n\0]*$/, 'no control characters').nullable().default(null),
  closedReplyAction: z.enum(['reopen', 'new_linked']).default(QUEUE_DEFAULTS.closedReplyAction),
  /** IMAP folder agents' replies are copied to after sending; null: no copy. */
  sentFolder: z.string().trim().max(255).regex(/^[^\r\n\0]*$/, 'no control characters').nullable().default(null),
  /** After this many offers in a row an agent lets lapse, they are paused with the reason "Missed offer"; 0: never. */
  missedOffersPause: z.number().int().min(0, 'at least 0').max(100, 'at most 100').default(QUEUE_DEFAULTS.missedOffersPause),
  /** How many times an interaction nobody accepts is offered to the same agents before it waits for someone new or back. */
  offerRounds: z.number().int().min(1, 'at least 1').max(100, 'at most 100').default(QUEUE_DEFAULTS.offerRounds),
});

const ThresholdsIn = z.strictObject({
  serviceLevelSec: nonNegSeconds(THRESHOLD_DEFAULTS.serviceLevelSec),
  dropoutSec: nonNegSeconds(THRESHOLD_DEFAULTS.dropoutSec),
  chatTimeSec: nonNegSeconds(THRESHOLD_DEFAULTS.chatTimeSec),
  acdSec: nonNegSeconds(THRESHOLD_DEFAULTS.acdSec),
});

const CampaignFields = z.strictObject({
    name: z.string().trim().min(1, 'required').max(80, 'at most 80 characters'),
    key: z.string().trim().min(1, 'required').max(5, 'at most 5 characters').regex(/^[A-Za-z0-9]+$/, 'letters and digits only'),
    description: z.string().max(2000, 'at most 2000 characters').default(''),
    enabled: z.boolean().default(true),
    receiveEmails: z.boolean().default(true),
    fromAddress: z.string().trim().max(254).email('not an email address'),
    fromName: z.string().trim().max(120, 'at most 120 characters').regex(/^[^\r\n]*$/, 'no line breaks').default(''),
    timezone: z.string().refine(isTimeZone, 'not a known time zone').default('UTC'),
    service: serviceSchema.default('custom'),
    defaultListName: z.string().trim().min(1).max(120, 'at most 120 characters').nullable().default(null),
    inbound: InboundIn,
    smtp: SmtpIn,
    /** PEM certificates of a private authority the campaign's mail servers use, trusted besides the system's; null: none. */
    mailCaPem: z.string().trim().max(65_536, 'at most 65536 characters').nullable().default(null),
    queue: QueueIn.default(QueueIn.parse({})),
    schedule: scheduleInputSchema.default([]),
    thresholds: ThresholdsIn.default(ThresholdsIn.parse({})),
    signatureTemplateId: z.string().uuid().nullable().default(null),
    confirmation: z.strictObject({ enabled: z.boolean().default(false), templateId: z.string().uuid().nullable().default(null) }).default({ enabled: false, templateId: null }),
    outOfHours: z.strictObject({ enabled: z.boolean().default(false), templateId: z.string().uuid().nullable().default(null) }).default({ enabled: false, templateId: null }),
    qualification: z
      .strictObject({
        enabled: z.boolean().default(false),
        motivationTitle: z.string().trim().max(120, 'at most 120 characters').default(''),
        thanksMessage: z.string().trim().max(2000, 'at most 2000 characters').default(''),
      })
      .default({ enabled: false, motivationTitle: '', thanksMessage: '' }),
    /** Sign in with OAuth2: the account of a completed sign-in; IMAP/POP3 and SMTP then log in with its tokens, not passwords. */
    oauthAccountId: z.uuid('not a valid id').nullable().default(null),
});

/** Rules that span fields; each names the field it blames. */
function crossFieldRules(c: z.infer<typeof CampaignFields>, ctx: z.RefinementCtx): void {
  const need = (cond: boolean, path: (string | number)[], message: string) => {
      if (cond) ctx.addIssue({ code: 'custom', path, message });
    };
    if (c.receiveEmails) {
      need(!c.inbound.host, ['inbound', 'host'], 'required when the campaign receives email');
      need(!c.inbound.username, ['inbound', 'username'], 'required when the campaign receives email');
    }
    need(c.smtp.auth && !c.smtp.username, ['smtp', 'username'], 'required when authentication is on');
    need(c.queue.fetchedMailAction === 'move' && !c.queue.moveToFolder, ['queue', 'moveToFolder'], 'required when fetched mail is moved');
    need(c.queue.fetchedMailAction !== 'move' && !!c.queue.moveToFolder, ['queue', 'moveToFolder'], 'only used when fetched mail is moved');
    need(c.inbound.protocol === 'pop3' && c.queue.fetchedMailAction !== 'leave' && c.queue.fetchedMailAction !== 'delete', ['queue', 'fetchedMailAction'], 'POP3 can only leave or delete fetched mail');
    need(!!c.queue.sentFolder && (!c.receiveEmails || c.inbound.protocol !== 'imap'), ['queue', 'sentFolder'], 'needs an IMAP mailbox');
    need(!!c.queue.sentFolder && c.queue.sentFolder.toLowerCase() === c.inbound.mailbox.toLowerCase(), ['queue', 'sentFolder'], 'must differ from the folder mail is read from');
    need(c.confirmation.enabled && !c.confirmation.templateId, ['confirmation', 'templateId'], 'choose the template to send');
    need(c.outOfHours.enabled && !c.outOfHours.templateId, ['outOfHours', 'templateId'], 'choose the template to send');
    need(c.qualification.enabled && !c.qualification.motivationTitle, ['qualification', 'motivationTitle'], 'required when qualification is on');
}

/** Everything an admin sets on a campaign; passwords are write-only and optional on update. */
export const campaignInputSchema = CampaignFields.superRefine(crossFieldRules);

export type CampaignInputParsed = z.infer<typeof campaignInputSchema>;

/** Verifying unsaved settings: the form's values, with an id to reuse stored passwords. */
export const verifyCampaignBodySchema = CampaignFields.extend({ id: z.string().uuid().optional() }).superRefine(crossFieldRules);
