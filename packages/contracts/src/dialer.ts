import { z } from 'zod';
import { isTimeZone, scheduleFrameSchema, scheduleInputSchema } from './campaigns.ts';

// The email dialer: its configuration, lists, attachments registry,
// blacklist, dashboard and single sends.

export const dialerStateSchema = z.enum(['stopped', 'running']);
/** Whether a person started the dialer (it sends while in schedule) or stopped it. */
export type DialerState = z.infer<typeof dialerStateSchema>;

export const domainLimitSchema = z.object({ domain: z.string(), perMinute: z.number() });
/** At most perMinute messages a minute to one destination domain. */
export type DomainLimit = z.infer<typeof domainLimitSchema>;

export const dialerInviteSchema = z.object({
  summary: z.string(),
  organizerEmail: z.string(),
  organizerName: z.string(),
  description: z.string(),
  location: z.string(),
  /** An ISO instant, or `${variable}` naming a row variable that holds one. */
  start: z.string(),
  end: z.string(),
});
/** The calendar event attached to every message (RFC 5545, one UID per recipient). */
export type DialerInvite = z.infer<typeof dialerInviteSchema>;

export const dialerSchema = z.object({
  id: z.string(),
  name: z.string(),
  campaignId: z.string(),
  campaignName: z.string(),
  templateId: z.string().nullable(),
  subject: z.string(),
  intervalMs: z.number(),
  maxPerSecond: z.number(),
  domainLimits: z.array(domainLimitSchema),
  defaultDomainPerMinute: z.number(),
  schedule: z.array(scheduleFrameSchema),
  timezone: z.string(),
  invite: dialerInviteSchema.nullable(),
  enabled: z.boolean(),
  state: dialerStateSchema,
  /** The fields every list row must give: those the template, subject and invitation use. */
  requiredVariables: z.array(z.string()),
  updatedAt: z.string(),
});
/** A dialer's configuration as an admin sees it. */
export type Dialer = z.infer<typeof dialerSchema>;
export const dialerListSchema = z.object({ items: z.array(dialerSchema) });

export const dialerCountersSchema = z.object({
  total: z.number(),
  processed: z.number(),
  notProcessed: z.number(),
  sent: z.number(),
  failed: z.number(),
  retried: z.number(),
  /** Blacklisted when their turn came: never sent. */
  skipped: z.number(),
  deleted: z.number(),
  seen: z.number(),
  rejected: z.number(),
  spam: z.number(),
  unsubscribed: z.number(),
  /** Recipients who answered (their reply linked to the dialer message). */
  replied: z.number(),
});
/** What happened to a list's (or a dialer's) rows, from real events. */
export type DialerCounters = z.infer<typeof dialerCountersSchema>;

export const dialerListItemSchema = dialerCountersSchema.extend({ id: z.number(), name: z.string(), createdAt: z.string() });
/** One uploaded list and its counters. */
export type DialerListItem = z.infer<typeof dialerListItemSchema>;

export const dialerStatusSchema = z.object({
  dialer: dialerSchema,
  /** In schedule now (always when it has none). */
  inSchedule: z.boolean(),
  /** When the schedule opens next, while it is closed. */
  nextOpening: z.string().nullable(),
  /** Whether a node is sending it now. */
  sending: z.boolean(),
  /** Rows a crashed run left in flight and sent again (the server may have taken them twice). */
  inFlightRecovered: z.number(),
  totals: dialerCountersSchema,
  lists: z.array(dialerListItemSchema),
  /** Messages per minute over the last hour, oldest first. */
  minutes: z.array(z.object({ minute: z.string(), sent: z.number(), failed: z.number() })),
});
/** A dialer's dashboard. */
export type DialerStatus = z.infer<typeof dialerStatusSchema>;

export const listProblemSchema = z.object({
  line: z.number(),
  column: z.number().nullable(),
  field: z.string().nullable(),
  code: z.string(),
  message: z.string(),
});
/** One problem of an uploaded file, by line and column. */
export type ListProblem = z.infer<typeof listProblemSchema>;
export const listReportSchema = z.object({
  ok: z.boolean(),
  rows: z.number(),
  problems: z.array(listProblemSchema),
  moreProblems: z.number(),
  /** false when a problem stopped the check before the end of the file. */
  complete: z.boolean(),
  listId: z.number().nullable(),
});
/** The verdict on an uploaded list: imported whole, or refused with every problem. */
export type ListReport = z.infer<typeof listReportSchema>;

export const dialerAttachmentSchema = z.object({ token: z.string(), filename: z.string(), contentType: z.string(), size: z.number(), createdAt: z.string() });
/** A file list rows attach by its token. */
export type DialerAttachment = z.infer<typeof dialerAttachmentSchema>;
export const dialerAttachmentListSchema = z.object({ items: z.array(dialerAttachmentSchema) });

export const blacklistReasonSchema = z.enum(['manual', 'upload', 'bounce', 'spam', 'unsubscribe']);
export const blacklistEntrySchema = z.object({ address: z.string(), reason: blacklistReasonSchema, note: z.string(), createdAt: z.string() });
/** An address that never receives dialer mail, and why. */
export type BlacklistEntry = z.infer<typeof blacklistEntrySchema>;
export const blacklistPageSchema = z.object({ items: z.array(blacklistEntrySchema), total: z.number() });
/** The verdict on an uploaded blacklist file: imported whole (added counts the addresses that were not on it yet), or refused with every problem by line. */
export const blacklistUploadSchema = z.object({
  ok: z.boolean(),
  /** Valid lines read. */
  rows: z.number(),
  added: z.number(),
  problems: z.array(listProblemSchema),
  moreProblems: z.number(),
  /** false when a problem stopped the check before the end of the file. */
  complete: z.boolean(),
});
/** The verdict on an uploaded blacklist file. */
export type BlacklistUpload = z.infer<typeof blacklistUploadSchema>;

export const dialerRowStateSchema = z.enum(['queued', 'sending', 'sent', 'failed', 'retrying', 'skipped', 'deleted']);
export const dialerRowSchema = z.object({
  id: z.number(),
  listId: z.number(),
  line: z.number(),
  destination: z.string(),
  state: dialerRowStateSchema,
  attempts: z.number(),
  uncertain: z.number(),
  smtpCode: z.number().nullable(),
  reply: z.string().nullable(),
  finishedAt: z.string().nullable(),
  seenAt: z.string().nullable(),
  rejectedAt: z.string().nullable(),
  spamAt: z.string().nullable(),
  unsubscribedAt: z.string().nullable(),
});
/** One list row's outcome. */
export type DialerRow = z.infer<typeof dialerRowSchema>;
export const dialerRowPageSchema = z.object({ items: z.array(dialerRowSchema), nextAfter: z.number().nullable() });
export const singleSendResultSchema = z.object({ rowId: z.number(), listId: z.number(), state: dialerRowStateSchema });

// Requests

const nameSchema = z.string().trim().min(1, 'required').max(120, 'at most 120 characters');
const Domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/, 'not a domain such as gmail.com');
const perMinute = z.number().int('must be a whole number').min(0, 'at least 0').max(1_000_000, 'at most 1000000');
const VARIABLE_REF = /^\$\{\s*[A-Za-z_][A-Za-z0-9_.-]{0,63}\s*\}$/;
const NO_BREAKS = /^[^\r\n\0]*$/;

/** A date of the invitation: an ISO instant with its offset, or one `${variable}`. */
const inviteTime = z
  .string()
  .trim()
  .min(1, 'required')
  .refine((v) => VARIABLE_REF.test(v) || (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v))), 'an ISO date and time with its offset (2026-03-01T10:00:00Z) or one ${variable}');

export const dialerInviteInputSchema = z
  .strictObject({
    summary: z.string().trim().min(1, 'required').max(500, 'at most 500 characters').regex(NO_BREAKS, 'one line'),
    organizerEmail: z.string().trim().email('not a valid address').max(320),
    organizerName: z.string().trim().max(200, 'at most 200 characters').regex(NO_BREAKS, 'one line').default(''),
    description: z.string().max(5_000, 'at most 5000 characters').default(''),
    location: z.string().trim().max(500, 'at most 500 characters').regex(NO_BREAKS, 'one line').default(''),
    start: inviteTime,
    end: inviteTime,
  })
  .superRefine((v, ctx) => {
    const fixed = (t: string): number | null => (VARIABLE_REF.test(t) ? null : Date.parse(t));
    const s = fixed(v.start);
    const e = fixed(v.end);
    if (s !== null && e !== null && !(e > s)) ctx.addIssue({ code: 'custom', path: ['end'], message: 'must be after start' });
  });

/** What an admin saves: the whole configuration. */
export const dialerInputSchema = z
  .strictObject({
    name: nameSchema,
    campaignId: z.string().uuid('not a valid campaign id'),
    templateId: z.string().uuid('not a valid template id').nullable().default(null),
    subject: z.string().trim().min(1, 'required').max(998, 'at most 998 characters').regex(NO_BREAKS, 'one line'),
    intervalMs: z.number().int('must be a whole number').min(0, 'at least 0').max(3_600_000, 'at most 3600000').default(0),
    maxPerSecond: z.number().int('must be a whole number').min(0, 'at least 0').max(100_000, 'at most 100000').default(0),
    domainLimits: z.array(z.strictObject({ domain: Domain, perMinute })).max(200, 'at most 200 domains').default([]),
    defaultDomainPerMinute: perMinute.default(0),
    schedule: scheduleInputSchema.default([]),
    timezone: z.string().refine(isTimeZone, 'not a known time zone').default('UTC'),
    invite: dialerInviteInputSchema.nullable().default(null),
    enabled: z.boolean().default(true),
  })
  .superRefine((v, ctx) => {
    const seen = new Set<string>();
    v.domainLimits.forEach((d, i) => {
      if (seen.has(d.domain)) ctx.addIssue({ code: 'custom', path: ['domainLimits', i, 'domain'], message: 'listed twice' });
      seen.add(d.domain);
    });
  });
/** A dialer's configuration as sent. */
export type DialerInput = z.input<typeof dialerInputSchema>;

export const listUploadQuerySchema = z.strictObject({ name: z.string().trim().min(1, 'required').max(200, 'at most 200 characters') });
export const attachmentUploadQuerySchema = z.strictObject({
  filename: z.string().min(1, 'required').max(255, 'at most 255 characters'),
  type: z.string().max(255).optional(),
});
export const dialerCampaignQuerySchema = z.strictObject({ campaignId: z.string().uuid('not a valid campaign id') });
export const blacklistQuerySchema = z.strictObject({
  q: z.string().max(320).default(''),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const blacklistInputSchema = z.strictObject({
  address: z.string().trim().min(3, 'required').max(320, 'at most 320 characters').regex(/^[^\s@]+@[^\s@]+$/, 'not an email address'),
  note: z.string().max(500, 'at most 500 characters').default(''),
});
export const blacklistAddressParamsSchema = z.strictObject({ address: z.string().min(3).max(320) });
export const dialerRowQuerySchema = z.strictObject({
  q: z.string().max(320).default(''),
  state: dialerRowStateSchema.optional(),
  listId: z.coerce.number().int().min(1).optional(),
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
/** The outcome export: the search's filters, every matching row. */
export const dialerRowExportQuerySchema = dialerRowQuerySchema.omit({ after: true, limit: true });
export const dialerListParamsSchema = z.strictObject({ id: z.string().uuid('not a valid id'), listId: z.coerce.number().int().min(1) });
export const singleSendInputSchema = z.strictObject({
  to: z.string().trim().min(3, 'required').max(320, 'at most 320 characters'),
  variables: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, 'a variable name'), z.string().max(10_000).regex(/^[^\r\n\0]*$/, 'no line breaks')).default({}),
});
/** The token of a link in dialer mail (pixel, unsubscribe): the row id and its MAC. */
export const dialerLinkParamsSchema = z.strictObject({ token: z.string().min(1).max(64) });
