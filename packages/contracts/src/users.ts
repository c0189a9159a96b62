import { z } from 'zod';
import { languageSchema, roleSchema } from './common.ts';

// Users of the console and their API tokens.

export const userSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  email: z.string().nullable(),
  role: roleSchema,
  language: languageSchema,
  enabled: z.boolean(),
  createdAt: z.string(),
});
/** A console user as the API presents it. */
export type User = z.infer<typeof userSchema>;
export const userEnvelopeSchema = z.object({ user: userSchema });
export const userListSchema = z.object({ items: z.array(userSchema) });

export const apiTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: roleSchema,
  prefix: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
});
/** An API token's metadata; the secret itself is shown once, at creation. */
export type ApiToken = z.infer<typeof apiTokenSchema>;
export const apiTokenListSchema = z.object({ items: z.array(apiTokenSchema) });
export const createdApiTokenSchema = z.object({ token: z.string(), item: apiTokenSchema });
