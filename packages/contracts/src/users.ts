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
  /** Whose power the token carries: never more than their role now. */
  owner: z.object({ id: z.string(), username: z.string(), displayName: z.string() }),
});
/** An API token's metadata; the secret itself is shown once, at creation. */
export type ApiToken = z.infer<typeof apiTokenSchema>;
export const apiTokenListSchema = z.object({ items: z.array(apiTokenSchema) });
export const createdApiTokenSchema = z.object({ token: z.string(), item: apiTokenSchema });

// Requests

const usernameSchema = z.string().regex(/^[a-zA-Z0-9._@-]{1,64}$/, 'use 1–64 letters, digits, dots, dashes, underscores or @');
const displayNameSchema = z.string().trim().min(1, 'required').max(120, 'at most 120 characters');
const emailSchema = z.string().trim().max(254).email('not an email address');
const newPasswordSchema = z.string().min(12, 'at least 12 characters').max(256, 'at most 256 characters');

/** An admin creates a user. */
export const createUserBodySchema = z.strictObject({
  username: usernameSchema,
  displayName: displayNameSchema,
  email: emailSchema.nullable().optional(),
  role: roleSchema,
  language: languageSchema.default('en'),
  password: newPasswordSchema,
});
/** An admin edits a user; what is absent stays. */
export const updateUserBodySchema = z.strictObject({
  displayName: displayNameSchema.optional(),
  email: emailSchema.nullable().optional(),
  role: roleSchema.optional(),
  language: languageSchema.optional(),
  enabled: z.boolean().optional(),
  password: newPasswordSchema.optional(),
});
/** A user edits themselves; a new password needs the current one. */
export const updateMeBodySchema = z.strictObject({
  displayName: displayNameSchema.optional(),
  language: languageSchema.optional(),
  password: z.strictObject({ current: z.string().max(256), next: newPasswordSchema }).optional(),
});
export const loginBodySchema = z.strictObject({
  username: z.string().min(1, 'required').max(64),
  password: z.string().min(1, 'required').max(256),
});
/** An admin issues an API token acting with a role (at most their own). */
export const createApiTokenBodySchema = z.strictObject({ name: z.string().trim().min(1, 'required').max(120), role: roleSchema });
