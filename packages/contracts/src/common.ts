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
