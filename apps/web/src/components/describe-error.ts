import type { TFunction } from 'i18next';
import { ApiError } from '../app/api.ts';

const KNOWN_CODES = [
  'unauthenticated',
  'forbidden',
  'not_found',
  'validation_failed',
  'conflict',
  'connection_failed',
  'rate_limited',
  'network_error',
  'server_error',
  'unexpected_response',
  'http_error',
  'internal',
  'payload_too_large',
  'unsupported_media_type',
] as const;
type KnownCode = (typeof KNOWN_CODES)[number];

function isKnownCode(code: string): code is KnownCode {
  return (KNOWN_CODES as readonly string[]).includes(code);
}

/**
 * A translated headline for an error plus the server's own sentence, which
 * names the specific thing at fault (the server writes it in English).
 */
export function describeError(t: TFunction, error: unknown): { title: string; message: string } {
  if (error instanceof ApiError) {
    const title = isKnownCode(error.code) ? t(`errors.${error.code}`) : t('errors.generic');
    const detail = error.details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join(' · ');
    return { title, message: detail || error.message };
  }
  return { title: t('errors.generic'), message: error instanceof Error ? error.message : String(error) };
}
