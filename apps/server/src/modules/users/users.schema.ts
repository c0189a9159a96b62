import { z } from 'zod';

export const Role = z.enum(['admin', 'supervisor', 'agent']);
export const Language = z.enum(['en', 'es', 'it']);
export const Username = z
  .string()
  .regex(/^[a-zA-Z0-9._@-]{1,64}$/, 'use 1–64 letters, digits, dots, dashes, underscores or @');
export const DisplayName = z.string().trim().min(1, 'required').max(120, 'at most 120 characters');
export const Email = z.string().trim().max(254).email('not an email address');
export const NewPassword = z.string().min(12, 'at least 12 characters').max(256, 'at most 256 characters');

/** The only shape of a user that leaves the server. */
export const UserOut = z.object({
  id: z.string().uuid(),
  username: z.string(),
  displayName: z.string(),
  email: z.string().nullable(),
  role: Role,
  language: Language,
  enabled: z.boolean(),
  createdAt: z.string(),
});

export const CreateUserBody = z.strictObject({
  username: Username,
  displayName: DisplayName,
  email: Email.nullable().optional(),
  role: Role,
  language: Language.default('en'),
  password: NewPassword,
});

export const UpdateUserBody = z.strictObject({
  displayName: DisplayName.optional(),
  email: Email.nullable().optional(),
  role: Role.optional(),
  language: Language.optional(),
  enabled: z.boolean().optional(),
  password: NewPassword.optional(),
});

export const UpdateMeBody = z.strictObject({
  displayName: DisplayName.optional(),
  language: Language.optional(),
  password: z.strictObject({ current: z.string().max(256), next: NewPassword }).optional(),
});

export const IdParams = z.strictObject({ id: z.string().uuid('not a valid id') });
