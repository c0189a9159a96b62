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
