/**
 * Whether an Origin header names the host a request was made to (through a
 * trusted proxy: the host the proxy names). Cookie-authenticated writes and
 * sockets from any other origin are refused: the CSRF guard besides SameSite.
 */
export const sameOrigin = (origin: string | undefined, host: string): boolean =>
  !!origin && !!host && (origin === `http://${host}` || origin === `https://${host}`);
