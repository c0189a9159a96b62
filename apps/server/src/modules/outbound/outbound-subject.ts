import { addSubjectToken, formatSubjectToken, normalizeSubject } from '@postdesk/mailkit/threading';

/**
 * The subject of our reply: "Re: <customer's subject> [#KEY-123]". The token
 * is the threading fallback for clients that drop References. A campaign key
 * the token format cannot carry (not [A-Z0-9]{1,5}) gets no token rather than
 * a broken one.
 */
export function outboundSubject(customerSubject: string, campaignKey: string, interactionId: number): { text: string; token: string } {
  const base = `Re: ${normalizeSubject(customerSubject) || '(no subject)'}`.slice(0, 900);
  const key = campaignKey.toUpperCase();
  try {
    return { text: addSubjectToken(base, key, interactionId), token: formatSubjectToken(key, interactionId) };
  } catch {
    return { text: base, token: '' };
  }
}

/** The subject token of an interaction ("[#KEY-123]"), or '' when the campaign key cannot carry one. */
export function ticketOf(campaignKey: string, interactionId: number): string {
  try {
    return formatSubjectToken(campaignKey.toUpperCase(), interactionId);
  } catch {
    return '';
  }
}
