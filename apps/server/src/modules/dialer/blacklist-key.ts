import { normalizeDestination } from '@postdesk/mailkit/bulk';

/**
 * The form an address is blacklisted and looked up in: the list's own
 * normal form (domain lower-cased, in ASCII), then NFKC and lower case
 * throughout, so `Ana@Example.COM`, `ana@example.com` and a full-width
 * variant are one entry.
 */
export function blacklistKey(address: string): string {
  return (normalizeDestination(address) ?? address.trim()).normalize('NFKC').toLowerCase();
}
