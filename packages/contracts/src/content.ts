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
