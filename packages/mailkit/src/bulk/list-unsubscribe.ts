// RFC 2369 List-Unsubscribe with RFC 8058 one-click: mailbox providers (Gmail,
// Yahoo, Outlook) require it of bulk senders and offer an "unsubscribe"
// button that POSTs "List-Unsubscribe=One-Click" to the URL, without opening
// a page or following the link by hand.

/** The header RFC 8058 pairs with List-Unsubscribe; fixed text. */
export const LIST_UNSUBSCRIBE_POST = 'List-Unsubscribe=One-Click';

/**
 * The two header fields (name, value) for one recipient's unsubscribe URL.
 * The URL must be absolute http(s) with nothing that could end the
 * angle-bracketed value or the header (RFC 8058 asks for HTTPS; http is
 * allowed for installs behind a proxy that terminates TLS, and for tests).
 * Throws RangeError otherwise, since a broken header silently loses the
 * button and then complaints become spam reports.
 */
export function listUnsubscribeHeaders(url: string, mailto?: string): Array<[string, string]> {
  if (!isUnsubscribeUrl(url)) throw new RangeError('unsubscribe URL must be an absolute http(s) URL without spaces, quotes or angle brackets');
  let value = `<${url}>`;
  if (mailto !== undefined) {
    if (!/^[^\s<>",@]+@[^\s<>",@]+$/.test(mailto)) throw new RangeError('unsubscribe mailto must be a bare address');
    value += `, <mailto:${mailto}?subject=unsubscribe>`;
  }
  return [
    ['List-Unsubscribe', value],
    ['List-Unsubscribe-Post', LIST_UNSUBSCRIBE_POST],
  ];
}

/** Whether a URL can stand in List-Unsubscribe as it is. */
export function isUnsubscribeUrl(url: string): boolean {
  if (url.length > 900 || !/^https?:\/\/[^\s<>"',\\]+$/.test(url)) return false;
  try {
    const u = new URL(url);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '' && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}
