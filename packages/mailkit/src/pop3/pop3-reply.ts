import { Pop3Error } from './pop3-error.ts';

/** A message's number in this session and its unique id, which survives sessions (RFC 1939 UIDL). */
export interface Pop3UidlEntry {
  msg: number;
  uid: string;
}

/** A message's number in this session and its size in octets as the server counts it. */
export interface Pop3ListEntry {
  msg: number;
  size: number;
}

/** The server's text after +OK/-ERR, so an error can carry its words without the status. */
export const stripStatus = (line: string): string => line.replace(/^[-+](OK|ERR)\s?/i, '');

/** Whether a status line is positive; anything but +OK (including garbage) counts as a refusal. */
export const isOk = (line: string): boolean => line.startsWith('+OK');

/**
 * A -ERR to USER, PASS or AUTH, classified. Dovecot says "[AUTH] Plaintext
 * authentication disallowed ..." when TLS is required, "[IN-USE]" when another
 * session holds the maildrop (the password was right), "[SYS/TEMP] Temporary
 * authentication failure." when it could not check the credentials,
 * "[AUTH] Authentication failed." otherwise.
 */
export function loginRefused(line: string): Pop3Error {
  const text = stripStatus(line);
  if (/plaintext auth\w* (is )?(disallowed|not allowed)|requires? (SSL\/TLS|TLS)/i.test(text)) {
    return new Pop3Error('tls_failed', 'the server refuses login on an unencrypted connection', text);
  }
  // RFC 3206: [SYS/TEMP] is a failure on the server's side (Dovecot: its password or token check is down)
  if (/^\[SYS\/TEMP\]/i.test(text)) return new Pop3Error('auth_unavailable', 'the server could not complete the login now', text);
  if (/^\[IN-USE\]/i.test(text)) return new Pop3Error('protocol_error', 'the server could not open the maildrop', text);
  return new Pop3Error('auth_failed', 'authentication failed', text);
}

// RFC 1939: a message number is a positive decimal; a unique-id is 1 to 70 characters in 0x21..0x7E.
const MSG = /^[1-9][0-9]{0,9}$/;
const UID = /^[\x21-\x7e]{1,70}$/;
const SIZE = /^[0-9]{1,15}$/;

/** Parses one line of a UIDL listing, or undefined when it breaks RFC 1939 (so sync never stores a bad id). */
export function parseUidlLine(line: string): Pop3UidlEntry | undefined {
  const [msg, uid, ...rest] = line.split(' ');
  if (rest.length > 0 || msg === undefined || uid === undefined || !MSG.test(msg) || !UID.test(uid)) return undefined;
  return { msg: Number(msg), uid };
}

/**
 * Parses one line of a LIST listing, or undefined when it is malformed.
 * RFC 1939 allows more text after the size; it is ignored.
 */
export function parseListLine(line: string): Pop3ListEntry | undefined {
  const [msg, size] = line.split(' ');
  if (msg === undefined || size === undefined || !MSG.test(msg) || !SIZE.test(size)) return undefined;
  return { msg: Number(msg), size: Number(size) };
}

/** The size a "+OK 1234 octets" reply to RETR announces, when it does, so a huge message is refused early. */
export function announcedOctets(line: string): number | undefined {
  const m = /^\+OK\s+([0-9]{1,15})\s+octets\b/i.exec(line);
  return m ? Number(m[1]) : undefined;
}
