import { z } from 'zod';
import {
  noContentSchema,
  oauthCallbackQuerySchema,
  oauthProviderInputSchema,
  oauthProviderListSchema,
  oauthProviderSchema,
  oauthSignInInputSchema,
  oauthSignInSchema,
  oauthSignInStartedSchema,
  uuidParamsSchema,
} from '@postdesk/contracts';

// The OAuth2 routes' schemas, all from @postdesk/contracts.
export const ProviderInput = oauthProviderInputSchema;
/** What one provider route answers. */
export const ProviderOut = oauthProviderSchema;
export const ProviderListOut = oauthProviderListSchema;
export const SignInInput = oauthSignInInputSchema;
export const SignInStartedOut = oauthSignInStartedSchema;
export const SignInOut = oauthSignInSchema;
export const CallbackQuery = oauthCallbackQuerySchema;
/** The callback answers a small page of its own for the popup. */
export const CallbackPage = z.string();
export const IdParams = uuidParamsSchema;
export const NoContent = noContentSchema;
