import { oneLine } from '@postdesk/mailkit/compose/one-line';
import { escapeHtml, fillKnownFields } from '@postdesk/mailkit/template/fields';
import type { MailAddress, Thread, ThreadMessage, ComposeMode } from '@postdesk/contracts';

/**
 * Fills `${name}` fields with the interaction's values. Values are data: in
 * HTML they are escaped, so a customer named `<img onerror=…>` stays text.
 * Unknown fields stay as written, for the agent to see and fix.
 */
export const fillFields = (template: string, values: Readonly<Record<string, string>>, html: boolean): string =>
  fillKnownFields(template, values, html ? 'html' : 'text');

/** A canned answer (plain text) as editor HTML: one paragraph per line, fields filled and escaped. */
export function cannedToHtml(text: string, values: Readonly<Record<string, string>>): string {
  return text
    .split(/\r?\n/)
    .map((line) => `<p>${escapeHtml(fillFields(line, values, false))}</p>`)
    .join('');
}

/** "Ana <ana@x.test>" or "ana@x.test" → an address; null when it does not look like one. */
export function parseAddress(input: string): MailAddress | null {
  const text = input.trim();
  const m = /^(.*)<([^<>\s]+@[^<>\s]+)>$/.exec(text);
  const address = (m ? m[2]! : text).trim();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address)) return null;
  const name = m ? m[1]!.trim().replace(/^"|"$/g, '') : '';
  return name ? { address, name } : { address };
}

/** Every entry of an address field as an address, or the first one that is not. */
export function parseAddressList(list: readonly string[]): { ok: MailAddress[] } | { bad: string } {
  const ok: MailAddress[] = [];
  for (const entry of list) {
    const a = parseAddress(entry);
    if (!a) return { bad: entry };
    ok.push(a);
  }
  return { ok };
}

/** An address as the agent edits it, its name on one line (a draft may hold one saved before names were cleaned). */
export const formatAddress = (a: MailAddress): string => {
  const name = a.name ? oneLine(a.name) : '';
  return name ? `${name} <${a.address}>` : a.address;
};

/** An address taken from received mail, its name on one line: the server refuses line breaks in names. */
const received = (a: MailAddress): MailAddress => {
  const name = a.name ? oneLine(a.name) : '';
  return name ? { address: a.address, name } : { address: a.address };
};

/**
 * Who an answer goes to. Reply: the sender of the message answered (for our
 * own message, its recipients). Reply all: also everyone else on it, except
 * our own addresses. Forward: nobody yet. Names come from received mail,
 * where an encoded word can hold a line break: each is put on one line.
 */
export function recipientsFor(mode: ComposeMode, parent: ThreadMessage | undefined, thread: Thread): { to: MailAddress[]; cc: MailAddress[] } {
  if (mode === 'forward') return { to: [], cc: [] };
  const customer = received({ address: thread.interaction.customerAddress, name: thread.interaction.customerName });
  if (!parent) return { to: [customer], cc: [] };
  const ours = new Set([thread.interaction.fromAddress, ...thread.messages.filter((m) => m.direction === 'outbound').map((m) => m.fromAddress)].map((a) => a.toLowerCase()));
  const to = (parent.direction === 'inbound' ? [{ address: parent.fromAddress, name: parent.fromName }] : parent.to).map(received);
  if (mode !== 'reply_all') return { to, cc: [] };
  const seen = new Set(to.map((a) => a.address.toLowerCase()));
  const cc = [...parent.to, ...parent.cc]
    .filter((a) => {
      const key = a.address.toLowerCase();
      if (seen.has(key) || ours.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map(received);
  return { to, cc };
}
