import { dispositionBodySchema, dispositionListSchema, dispositionSchema } from '@postdesk/contracts';

// Dispositions' request and response shapes are the API contract's (@postdesk/contracts).

/** A disposition's name, as an admin types it. */
export const DispositionBody = dispositionBodySchema;
/** A disposition as the API shows it. */
export const DispositionOut = dispositionSchema;
export const DispositionsOut = dispositionListSchema;
