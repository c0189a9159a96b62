import { apiTokenListSchema, createApiTokenBodySchema, createdApiTokenSchema, loginBodySchema, userEnvelopeSchema } from '@postdesk/contracts';

// Login's and API tokens' request and response shapes are the API contract's (@postdesk/contracts).

export const LoginBody = loginBodySchema;
export const UserEnvelope = userEnvelopeSchema;
export const TokensOut = apiTokenListSchema;
export const TokenBody = createApiTokenBodySchema;
export const TokenCreatedOut = createdApiTokenSchema;
