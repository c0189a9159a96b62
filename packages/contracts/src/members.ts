import { z } from 'zod';

// Campaign membership: the agents a campaign routes to.

export const memberSchema = z.object({
  campaignId: z.string(),
  userId: z.string(),
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

// Requests

const idsSchema = (what: string) => z.array(z.string().uuid(`not a valid ${what} id`)).min(1, `choose at least one ${what}`).max(500);
/** Campaigns × agents to add or remove, in one action. */
export const membersBodySchema = z.strictObject({ campaignIds: idsSchema('campaign'), userIds: idsSchema('agent') });
export const membersQuerySchema = z.strictObject({ campaignId: z.string().uuid().optional() });
export const memberParamsSchema = z.strictObject({ campaignId: z.uuid('not a valid campaign id'), userId: z.uuid('not a valid agent id') });
/** A member's place in `linear` / round-robin order and their penalty for weighted random. */
export const memberSettingsBodySchema = z
  .strictObject({
    position: z.number().int().min(0, 'at least 0').max(10_000, 'at most 10000').optional(),
    penalty: z.number().int().min(0, 'at least 0').max(100, 'at most 100').optional(),
  })
  .refine((b) => b.position !== undefined || b.penalty !== undefined, { message: 'give position or penalty' });

// Supervision: the campaigns a supervisor supervises (their scope).

/** The campaigns a supervisor supervises: every supervisor read is limited to them. */
export const supervisedCampaignsSchema = z.object({ campaignIds: z.array(z.string()) });
/** An admin sets the whole list of a supervisor's campaigns (an empty list: none). */
export const supervisedCampaignsBodySchema = z.strictObject({ campaignIds: z.array(z.uuid('not a valid campaign id')).max(1000, 'at most 1000') });
export const supervisorParamsSchema = z.strictObject({ id: z.uuid('not a valid user id') });
