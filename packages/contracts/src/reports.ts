import { z } from 'zod';

// Reports: per-period figures per campaign and per agent (service level,
// answered, abandoned, average wait and handling time, customer ratings),
// counted from the queue-entry history in each campaign's time zone.

/** The periods offered; `custom` takes from / to (local dates, both included). */
export const reportPresetSchema = z.enum(['today', 'yesterday', 'this_week', 'last_7_days', 'this_month', 'custom']);
export type ReportPreset = z.infer<typeof reportPresetSchema>;

/** The longest custom period, in days (a report reads every entry of it). */
export const REPORT_MAX_DAYS = 366;

const localDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, 'a real calendar date');

const dayNumber = (s: string): number => Date.parse(`${s}T00:00:00Z`) / 86_400_000;

/** The report's query: a preset, or a custom period; optionally one campaign. */
export const reportQuerySchema = z
  .strictObject({
    preset: reportPresetSchema.default('today'),
    from: localDate.optional(),
    to: localDate.optional(),
    campaignId: z.string().uuid().optional(),
  })
  .superRefine((q, ctx) => {
    if (q.preset !== 'custom') {
      if (q.from || q.to) ctx.addIssue({ code: 'custom', path: [q.from ? 'from' : 'to'], message: 'only with preset=custom' });
      return;
    }
    if (!q.from) ctx.addIssue({ code: 'custom', path: ['from'], message: 'required with preset=custom' });
    if (!q.to) ctx.addIssue({ code: 'custom', path: ['to'], message: 'required with preset=custom' });
    if (!q.from || !q.to) return;
    const days = dayNumber(q.to) - dayNumber(q.from);
    if (days < 0) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
    else if (days >= REPORT_MAX_DAYS) ctx.addIssue({ code: 'custom', path: ['to'], message: `at most ${REPORT_MAX_DAYS} days after from` });
  });
export type ReportQuery = z.infer<typeof reportQuerySchema>;

/** Customer ratings given in the period: count, mean score, and how many of each score 1..5. */
export const reportRatingsSchema = z.object({
  count: z.number().int(),
  average: z.number().nullable(),
  distribution: z.array(z.number().int()).length(5),
});
export type ReportRatings = z.infer<typeof reportRatingsSchema>;

/** Figures shared by the campaign and the agent lines; a mean or rate is null when there is nothing to measure. */
const figures = {
  /** queue stays accepted in the period */
  answered: z.number().int(),
  /** of those, accepted within the campaign's service-level time */
  answeredWithinSl: z.number().int(),
  /** campaign: answeredWithinSl / (answered + abandoned); agent: answeredWithinSl / answered — percent */
  serviceLevelPct: z.number().nullable(),
  /** mean seconds from queue entry to acceptance, over the answered */
  avgWaitSec: z.number().nullable(),
  /** queue stays closed after acceptance in the period */
  handled: z.number().int(),
  /** mean seconds from acceptance to close, over the handled */
  avgHandlingSec: z.number().nullable(),
  ratings: reportRatingsSchema,
};

export const reportCampaignSchema = z.object({
  campaignId: z.string().uuid(),
  key: z.string(),
  name: z.string(),
  timezone: z.string(),
  /** the period in the campaign's zone (local dates, both included) */
  from: z.string(),
  to: z.string(),
  serviceLevelSec: z.number().int(),
  /** queue stays closed in the period without ever being accepted */
  abandoned: z.number().int(),
  ...figures,
});
export type ReportCampaign = z.infer<typeof reportCampaignSchema>;

export const reportAgentSchema = z.object({
  agentId: z.string().uuid(),
  name: z.string(),
  ...figures,
});
export type ReportAgent = z.infer<typeof reportAgentSchema>;

export const reportSchema = z.object({
  preset: reportPresetSchema,
  campaigns: z.array(reportCampaignSchema),
  agents: z.array(reportAgentSchema),
});
export type Report = z.infer<typeof reportSchema>;
