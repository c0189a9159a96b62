import { parseAddressHeader } from 'mailparser';
import type { Address } from './types.ts';

/**
 * Lowercases the whole address for lookups (contacts, blacklist, own
 * addresses). Local parts are case-sensitive in theory and never in practice;
 * keep the written form for display and compare on this.
 */
export function normalizeAddress(address: string): string {
  return address.trim().normalize('NFC').toLowerCase();
}

/** Trims and lowercases the domain only: the form we store and show, faithful to what the sender wrote. */
export function canonicalAddress(address: string): string {
  const a = address.trim();
  const at = a.lastIndexOf('@');
  return at < 0 ? a : a.slice(0, at) + a.slice(at).toLowerCase();
}

/**
 * Parses an address header value (still RFC 2047 encoded: a display name that
 * decodes to `"CEO" <ceo@bank.com>` must stay a name) into addresses, groups
 * flattened. An entry without an `@` (`MAILER-DAEMON`) is kept, because
 * classification reads it; only entries with neither name nor address go.
 */
export function parseAddressList(value: string | undefined): Address[] {
  if (!value) return [];
  return parseAddressHeader(value, { flatten: true })
    .value.map((a) => ({ address: canonicalAddress(a.address ?? ''), name: a.name.trim() }))
    .filter((a) => a.address !== '' || a.name !== '');
}

/**
 * The Return-Path address: '' for the null reverse-path `<>` (what bounces and
 * auto-replies carry, RFC 5321 4.5.5), null when there is no such header.
 */
export function parseReturnPath(value: string | undefined): string | null {
  if (value === undefined) return null;
  const v = value.trim();
  const bracketed = /<([^<>]*)>/.exec(v);
  const inner = (bracketed ? bracketed[1]! : v).trim();
  if (inner === '') return '';
  // A bare local part ("Return-Path: hermes", old local delivery) is kept as written.
  return canonicalAddress(parseAddressList(`<${inner}>`)[0]?.address || inner);
}
