/**
 * The one normal form of a user name, applied when a user is created and
 * when someone logs in (and to the login rate limit's key): Unicode NFKC,
 * then JavaScript's locale-free lower case. Stored names are in this form
 * (ASCII by the table's check, so PostgreSQL's lower() agrees with it there),
 * and SQL compares them with `=`, never folding case itself: `admİn` can no
 * longer reach `admin` through PostgreSQL's lower() in another rate-limit
 * bucket, and `ＡＤＭＩＮ` is `admin` in both places.
 */
export const normalizeUsername = (name: string): string => name.normalize('NFKC').toLowerCase();
