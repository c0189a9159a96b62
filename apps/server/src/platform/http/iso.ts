/** A timestamp as the API presents it: ISO 8601 in UTC, or null. */
export const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
