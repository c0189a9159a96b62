// Retry timing as pure math; the caller owns the timers.
export { backoffDelay } from './backoff.ts';
export type { BackoffOptions, Jitter } from './backoff.ts';
