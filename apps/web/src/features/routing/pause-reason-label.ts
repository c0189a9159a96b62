import type { TFunction } from 'i18next';

/**
 * Pause reasons the server itself sets, by the name it stores them under
 * (`modules/routing/disposing.ts`); shown in the user's language. Reasons an
 * admin typed are shown as typed.
 */
const SYSTEM_REASONS = {
  Disposing: 'presence.reasons.disposing',
  'Missed offer': 'presence.reasons.missedOffer',
} as const;

/** The pause reason as the user should read it. */
export function pauseReasonLabel(t: TFunction, name: string): string {
  return Object.hasOwn(SYSTEM_REASONS, name) ? t(SYSTEM_REASONS[name as keyof typeof SYSTEM_REASONS]) : name;
}
