import { z } from 'zod';

// Shapes every part of the API shares.

/** Every API error body carries a stable code; details name the fields or protocols at fault. */
export const apiErrorBodySchema = z.object({
  code: z.string(),
  message: z.string(),
  details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

export const roleSchema = z.enum(['admin', 'supervisor', 'agent']);
/** Who a user is decides which screens the console offers. */
export type Role = z.infer<typeof roleSchema>;

export const languageSchema = z.enum(['en', 'es', 'it']);
/** The languages the console has catalogues for. */
export type Language = z.infer<typeof languageSchema>;
/** Listed once so selects and the language switch offer the same set. */
export const LANGUAGES: readonly Language[] = ['en', 'es', 'it'];

// Requests: path parameters every part of the API uses, and the empty answer.

/** A uuid in the path (users, campaigns, templates, …). */
export const uuidParamsSchema = z.strictObject({ id: z.string().uuid('not a valid id') });

/**
 * A bigint id in the path (interactions, messages, offers): digits on the
 * wire, a number once parsed (a codec, so it also encodes back to digits).
 */
export const numericIdSchema = z.codec(z.string().regex(/^\d{1,18}$/, 'a numeric id'), z.number().int(), { decode: Number, encode: String });
export const numericIdParamsSchema = z.strictObject({ id: numericIdSchema });

/** The answer of a route that answers nothing: 204, no body. */
export const noContentSchema = z.null().describe('No content');
