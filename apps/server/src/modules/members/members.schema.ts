import { memberListSchema, memberParamsSchema, membersBodySchema, memberSettingsBodySchema, membersQuerySchema } from '@postdesk/contracts';

// Membership's request and response shapes are the API contract's (@postdesk/contracts).

export const MembersBody = membersBodySchema;
export const MembersQuery = membersQuerySchema;
export const MembersOut = memberListSchema;
export const MemberParams = memberParamsSchema;
export const MemberSettings = memberSettingsBodySchema;
export { supervisedCampaignsSchema as SupervisedOut, supervisedCampaignsBodySchema as SupervisedIn, supervisorParamsSchema as SupervisorParams } from '@postdesk/contracts';
