import { z } from 'zod';

const Ids = (what: string) => z.array(z.string().uuid(`not a valid ${what} id`)).min(1, `choose at least one ${what}`).max(500);
/** Campaigns × agents to add or remove. */
export const MembersBody = z.strictObject({ campaignIds: Ids('campaign'), userIds: Ids('agent') });
export const MembersQuery = z.strictObject({ campaignId: z.string().uuid().optional() });
export const Member = z.object({ campaignId: z.string(), userId: z.string(), username: z.string(), displayName: z.string(), position: z.number(), penalty: z.number() });
export const MemberParams = z.strictObject({ campaignId: z.uuid('not a valid campaign id'), userId: z.uuid('not a valid agent id') });
export const MemberSettings = z
  .strictObject({
    position: z.number().int().min(0, 'at least 0').max(10_000, 'at most 10000').optional(),
    penalty: z.number().int().min(0, 'at least 0').max(100, 'at most 100').optional(),
  })
  .refine((b) => b.position !== undefined || b.penalty !== undefined, { message: 'give position or penalty' });
