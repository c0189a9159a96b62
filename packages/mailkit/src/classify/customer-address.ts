import type { Address, ParsedMessage } from '../parse/types.ts';

// local@domain with something on both sides, no blanks, controls or brackets:
// an address a reply can go to. `"Name" <>` parses as a name with an empty
// address, and `MAILER-DAEMON` as a bare local part; neither is one.
const USABLE = /^[^\s\u0000-\u001f\u007f@<>]+@[^\s\u0000-\u001f\u007f@<>]+$/;

/** True for an address a reply can be sent to. */
export const isUsableAddress = (address: string): boolean => USABLE.test(address);

/**
 * Who a customer message is from, for the interaction, the contact and the
 * reply: the first usable address of Reply-To, From, Sender and the
 * envelope (Return-Path), in that order — a Reply-To written as `"Name" <>`
 * must not hide a valid From. The name comes with the address chosen; an
 * envelope address takes the name of From. Null when none is usable: such
 * a message cannot be answered, and never becomes an interaction.
 */
export function customerAddress(msg: ParsedMessage): Address | null {
  const written = [...msg.replyTo, ...(msg.from ? [msg.from] : []), ...(msg.sender ? [msg.sender] : [])];
  const found = written.find((a) => isUsableAddress(a.address));
  if (found) return found;
  if (msg.returnPath && isUsableAddress(msg.returnPath)) return { address: msg.returnPath, name: msg.from?.name ?? '' };
  return null;
}
