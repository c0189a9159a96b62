// The subject token "[#KEY-123]" names a campaign (KEY: 1–5 of [A-Z0-9]) and
// an interaction number in it. It is the last-resort threading signal, for
// replies whose client dropped In-Reply-To and References.
//
// Placement: at the END of the subject ("Re: Order 55 late [#SUP-123]").
// The customer's own words stay first in their inbox list, the "Re:" a mail
// client adds stays in front where every client expects it, and replies to
// replies never pile up as "Re: [#SUP-123] Re: …". The token is still found
// anywhere in the subject, since clients and people move text around.

const TOKEN = /\[#([A-Za-z0-9]{1,5})-([1-9][0-9]{0,14})\]/g;
const KEY = /^[A-Z0-9]{1,5}$/;
// Reply and forward prefixes: English, German (AW, WG), Spanish/Portuguese (RV),
// Italian (R), Dutch (Antw), Scandinavian (SV), French (TR); with an optional
// counter ("Re[2]:", "Re(3):"), a space before the colon (French "RE :") or a
// full-width colon (CJK clients).
const PREFIX = /^(?:re|fwd?|aw|wg|rv|r|antw|sv|tr)\s*(?:\[\d{1,3}\]|\(\d{1,3}\))?\s*[:：]\s*/i;

/** A subject token found in a subject: the campaign key (upper case) and the interaction number. */
export interface SubjectToken {
  key: string;
  number: number;
}

/** The token text for a campaign key and number, so every writer spells it the same way. */
export function formatSubjectToken(key: string, number: number): string {
  if (!KEY.test(key)) throw new RangeError('subject token key must be 1 to 5 characters of [A-Z0-9]');
  if (!Number.isSafeInteger(number) || number < 1) throw new RangeError('subject token number must be a positive integer');
  return `[#${key}-${number}]`;
}

/**
 * Appends the campaign's token to an outbound subject so a reply still threads
 * when the customer's client drops the reference headers. Idempotent: a
 * subject that already carries this token is returned unchanged, and an older
 * token of the same campaign key is replaced (a message belongs to one
 * interaction). Tokens of `ownKeys` — the installation's other campaigns, whose
 * tokens a transferred thread carries — are replaced too, so a thread keeps
 * one token; anyone else's tokens are left alone.
 */
export function addSubjectToken(subject: string, key: string, number: number, ownKeys: readonly string[] = []): string {
  const token = formatSubjectToken(key, number);
  const ours = new Set([key, ...ownKeys.map((k) => k.toUpperCase())]);
  const found = findSubjectTokens(subject);
  if (found.length === 1 && found[0]!.key === key && found[0]!.number === number && subject.includes(token)) return subject;
  const rest = collapse(subject.replace(TOKEN, (all, k: string) => (ours.has(k.toUpperCase()) ? ' ' : all)));
  return rest === '' ? token : `${rest} ${token}`;
}

/**
 * Every distinct subject token in a subject, in order of appearance, keys
 * upper-cased: candidates for threading, each still to be checked against
 * the sender (see resolveThread).
 */
export function findSubjectTokens(subject: string): SubjectToken[] {
  const out: SubjectToken[] = [];
  const seen = new Set<string>();
  for (const m of subject.matchAll(TOKEN)) {
    const key = m[1]!.toUpperCase();
    const number = Number(m[2]);
    if (!Number.isSafeInteger(number) || seen.has(`${key}-${number}`)) continue;
    seen.add(`${key}-${number}`);
    out.push({ key, number });
  }
  return out;
}

/**
 * Removes subject tokens (all of them, or those of one campaign key) and the
 * whitespace they leave, for showing the subject to people.
 */
export function stripSubjectToken(subject: string, key?: string): string {
  const wanted = key?.toUpperCase();
  return collapse(subject.replace(TOKEN, (all, k: string) => (wanted === undefined || k.toUpperCase() === wanted ? ' ' : all)));
}

/**
 * The subject without reply/forward prefixes (repeated, any case, several
 * languages) and with whitespace collapsed, so "RE: Fwd: AW:  Invoice" and
 * "Invoice" display and compare as the same conversation. Tokens are kept:
 * combine with stripSubjectToken to drop them too.
 */
export function normalizeSubject(subject: string): string {
  let rest = collapse(subject);
  for (let guard = 0; guard < 100; guard++) {
    const m = PREFIX.exec(rest);
    if (!m) break;
    rest = rest.slice(m[0].length);
  }
  return rest.trim();
}

/**
 * The subject an answer gets when the agent leaves it as it is: one "Re:" or
 * "Fwd:" in front of the subject without any prefixes it had ("Re: RE: Aw:
 * Invoice" → "Re: Invoice"), so answers never pile up "Re: Re:". The one rule
 * the server sends and the console shows.
 */
export function answerSubject(kind: 'reply' | 'forward', subject: string): string {
  return `${kind === 'forward' ? 'Fwd' : 'Re'}: ${normalizeSubject(subject) || '(no subject)'}`;
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
