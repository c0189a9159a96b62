import { z } from 'zod';

/** A uuid in the path (users, campaigns, templates, …). */
export const UuidParams = z.strictObject({ id: z.string().uuid('not a valid id') });

/** A bigint id in the path (interactions, messages, offers), as a number. */
export const NumericIdParams = z.strictObject({ id: z.string().regex(/^\d{1,18}$/, 'a numeric id').transform(Number) });
