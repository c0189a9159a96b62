import { browserTimeZone } from './campaign-form-values.ts';

let cached: string[] | null = null;

/** IANA time zones the browser knows, plus UTC and the current value so a stored zone never disappears. */
export function timeZoneOptions(current?: string): string[] {
  if (!cached) {
    const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
    cached = Array.from(new Set(['UTC', browserTimeZone(), ...zones])).sort((a, b) => a.localeCompare(b));
  }
  return current && !cached.includes(current) ? [current, ...cached] : cached;
}
