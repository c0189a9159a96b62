// An addr-spec as we accept it for sending: dot-atom local part (RFC 5322
// atext, plus UTF-8 for SMTPUTF8 mailboxes) @ a host name of at least two
// labels (UTF-8 labels are punycoded by nodemailer). Quoted local parts and
// address literals ("[192.0.2.1]") are refused: legal, but in practice only
// seen in mistakes and abuse.
const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~\\u0080-\\uFFFF-]";
const LOCAL = new RegExp(`^${ATEXT}+(?:\\.${ATEXT}+)*$`);
const LABEL = /^(?!-)[A-Za-z0-9\u0080-\uFFFF-]{1,63}(?<!-)$/;

/**
 * Whether an address is plausible enough to put on an outbound message; a
 * cheap guard that turns typos and injected text into an error naming the
 * field instead of an SMTP rejection after the fact.
 */
export function isValidAddress(address: string): boolean {
  if (address.length > 254) return false;
  const at = address.lastIndexOf('@');
  if (at <= 0 || at > 64) return false;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (!LOCAL.test(local)) return false;
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  if (!labels.every((l) => LABEL.test(l))) return false;
  // the top-level domain is never all digits, so "1.2.3.4" is not a host name
  return !/^[0-9]+$/.test(labels.at(-1)!);
}
