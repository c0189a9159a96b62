import { campaignInputSchema, campaignSchema, connectionsEnvelopeSchema, strategySchema, verifyCampaignBodySchema } from '@postdesk/contracts';
import { parseCaPem } from '@postdesk/mailkit/verify';
import type { z } from 'zod';

// A campaign's request and response shapes are the API contract's
// (@postdesk/contracts); these are the names the campaigns module uses. One
// check is added: the private authority's certificates must read as such
// (mailkit's rule, which the contract cannot import).

function caRule(c: { mailCaPem: string | null }, ctx: z.RefinementCtx): void {
  if (!c.mailCaPem) return;
  const r = parseCaPem(c.mailCaPem);
  if (!r.ok) ctx.addIssue({ code: 'custom', path: ['mailCaPem'], message: r.reason });
}

/** Everything an admin sets on a campaign; passwords are write-only and optional on update. */
export const CampaignInput = campaignInputSchema.superRefine(caRule);
export type CampaignInputT = z.infer<typeof campaignInputSchema>;
/** Verifying unsaved settings: the form's values, with an id to reuse stored passwords. */
export const VerifyBody = verifyCampaignBodySchema.superRefine(caRule);
export const ConnectionsOut = connectionsEnvelopeSchema;
/** The shape of a campaign that leaves the server; mail settings only for admins, passwords never. */
export const CampaignOut = campaignSchema;
export type CampaignOutT = z.infer<typeof campaignSchema>;
export const Strategy = strategySchema;
