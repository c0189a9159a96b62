import type { ApiErrorDetail } from '../app/api.ts';

/**
 * Turns the server's `details[].path` (dotted, e.g. `inbound.port`,
 * `schedule.2.start`) into form errors; paths the form has no field for are
 * returned separately so they can be shown at the top instead of vanishing.
 */
export function splitFieldErrors(
  details: readonly ApiErrorDetail[],
  hasField: (path: string) => boolean,
): { fieldErrors: Record<string, string>; otherErrors: ApiErrorDetail[] } {
  const fieldErrors: Record<string, string> = {};
  const otherErrors: ApiErrorDetail[] = [];
  for (const detail of details) {
    const path = detail.path.replace(/\[(\d+)\]/g, '.$1').replace(/^\./, '');
    if (path && hasField(path)) {
      fieldErrors[path] = fieldErrors[path] ? `${fieldErrors[path]}; ${detail.message}` : detail.message;
    } else {
      otherErrors.push(detail);
    }
  }
  return { fieldErrors, otherErrors };
}
