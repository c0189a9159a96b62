/**
 * PostgreSQL text cannot hold NUL, and jsonb refuses the \u0000 escape, so a
 * row carrying one would fail its insert forever: NULs are dropped from
 * every string taken from mail (the raw bytes keep them).
 */
export const pgText = (s: string): string => (s.includes('\u0000') ? s.replace(/\u0000/g, '') : s);

/** pgText for a nullable column. */
export const pgTextOrNull = (s: string | null): string | null => (s === null ? null : pgText(s));
