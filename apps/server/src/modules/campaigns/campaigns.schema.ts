import { campaignInputSchema, campaignSchema, connectionsEnvelopeSchema, strategySchema, verifyCampaignBodySchema } from '@postdesk/contracts';
import type { z } from 'zod';

// A campaign's request and response shapes are the API contract's
// (@postdesk/contracts); these are the names the campaigns module uses.

/** Everything an admin sets on a campaign; passwords are write-only and optional on update. */
export const CampaignInput = campaignInputSchema;
export type CampaignInputT = z.infer<typeof campaignInputSchema>;
/** Verifying unsaved settings: the form's values, with an id to reuse stored passwords. */
export const VerifyBody = verifyCampaignBodySchema;
export const ConnectionsOut = connectionsEnvelopeSchema;
/** The shape of a campaign that leaves the server; mail settings only for admins, passwords never. */
export const CampaignOut = campaignSchema;
export type CampaignOutT = z.infer<typeof campaignSchema>;
export const Strategy = strategySchema;
