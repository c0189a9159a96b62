import { z } from 'zod';

/** A disposition's name, as an admin types it. */
export const DispositionBody = z.strictObject({ name: z.string().trim().min(1, 'required').max(120, 'at most 120 characters') });

/** A disposition as the API shows it. */
export const DispositionOut = z.object({ id: z.string(), name: z.string() });
