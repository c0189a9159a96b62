import { z } from 'zod';

const Name = z.string().trim().min(1, 'required').max(120, 'at most 120 characters');
const CampaignRef = z.string().uuid('not a valid campaign id').nullable().default(null);
export const CampaignQuery = z.strictObject({ campaignId: z.string().uuid('not a valid campaign id').optional() });
export const TemplateBody = z.strictObject({ name: Name, campaignId: CampaignRef, html: z.string().max(512 * 1024, 'at most 512 KiB') });
export const TemplateOut = z.object({ id: z.string(), name: z.string(), campaignId: z.string().nullable(), html: z.string(), variables: z.array(z.string()), updatedAt: z.string() });
export const CannedBody = z.strictObject({ name: Name, campaignId: CampaignRef, text: z.string().min(1, 'required').max(20_000, 'at most 20000 characters') });
export const CannedOut = z.object({ id: z.string(), name: z.string(), text: z.string(), campaignId: z.string().nullable() });
export const PreviewBody = z.strictObject({ html: z.string().max(512 * 1024), values: z.record(z.string().max(128), z.string().max(10_000)).default({}) });
export const PreviewOut = z.object({ html: z.string(), missing: z.array(z.string()) });
