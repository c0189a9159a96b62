import { z } from 'zod';

// What agents write with: templates, canned answers, and the dispositions they close with.

export const templateSchema = z.object({
  id: z.string(),
  name: z.string(),
  campaignId: z.string().nullable(),
  html: z.string(),
  variables: z.array(z.string()),
  updatedAt: z.string(),
});
/** A reusable HTML body with `${variable}` fields, global or bound to one campaign. */
export type Template = z.infer<typeof templateSchema>;
export const templateListSchema = z.object({ items: z.array(templateSchema) });
export const templatePreviewSchema = z.object({ html: z.string(), missing: z.array(z.string()).optional() });

export const cannedAnswerSchema = z.object({
  id: z.string(),
  name: z.string(),
  text: z.string(),
  campaignId: z.string().nullable(),
});
/** A short reusable reply, global or per campaign. */
export type CannedAnswer = z.infer<typeof cannedAnswerSchema>;
export const cannedAnswerListSchema = z.object({ items: z.array(cannedAnswerSchema) });

export const dispositionSchema = z.object({ id: z.string(), name: z.string() });
/** An outcome an agent records when closing an interaction of one campaign. */
export type Disposition = z.infer<typeof dispositionSchema>;
export const dispositionListSchema = z.object({ items: z.array(dispositionSchema) });

// Requests

const nameSchema = z.string().trim().min(1, 'required').max(120, 'at most 120 characters');
const campaignRefSchema = z.string().uuid('not a valid campaign id').nullable().default(null);
/** Lists of templates or canned answers: with a campaign, that campaign's and the global ones. */
export const campaignScopeQuerySchema = z.strictObject({ campaignId: z.string().uuid('not a valid campaign id').optional() });
export const templateBodySchema = z.strictObject({ name: nameSchema, campaignId: campaignRefSchema, html: z.string().max(512 * 1024, 'at most 512 KiB') });
export const templatePreviewBodySchema = z.strictObject({
  html: z.string().max(512 * 1024),
  values: z.record(z.string().max(128), z.string().max(10_000)).default({}),
});
export const cannedAnswerBodySchema = z.strictObject({ name: nameSchema, campaignId: campaignRefSchema, text: z.string().min(1, 'required').max(20_000, 'at most 20000 characters') });
export const dispositionBodySchema = z.strictObject({ name: nameSchema });
