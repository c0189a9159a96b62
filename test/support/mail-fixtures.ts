import { createHash, randomBytes } from 'node:crypto';
import { ImapFlow } from 'imapflow';

/** A plain customer message with CRLF line ends, as a mail server stores it. */
export function customerMail(m: {
  from: string;
  to?: string;
  subject: string;
  body?: string;
  messageId?: string;
  inReplyTo?: string;
  references?: string[];
  headers?: Record<string, string>;
}): { raw: Buffer; messageId: string } {
  const messageId = m.messageId ?? `${randomBytes(8).toString('hex')}@customer.test`;
  const lines = [
    `From: ${m.from}`,
    `To: ${m.to ?? 'Example Support <support@example.test>'}`,
    `Subject: ${m.subject}`,
    `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${messageId}>`,
    ...(m.inReplyTo ? [`In-Reply-To: <${m.inReplyTo}>`] : []),
    ...(m.references?.length ? [`References: ${m.references.map((r) => `<${r}>`).join(' ')}`] : []),
    ...Object.entries(m.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    m.body ?? 'Hello, I need help with my order.',
    '',
  ];
  return { raw: Buffer.from(lines.join('\r\n'), 'utf8'), messageId };
}

/** Hex SHA-256, as the blob store keys raw messages. */
export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** Delivers messages into a folder by IMAP APPEND, as the tests of the issue ask; creates the folder when missing. */
export async function appendMessages(
  server: { host: string; imapPort: number },
  user: string,
  pass: string,
  folder: string,
  raws: Buffer[],
): Promise<void> {
  const client = new ImapFlow({ host: server.host, port: server.imapPort, secure: false, doSTARTTLS: false, auth: { user, pass }, logger: false });
  await client.connect();
  try {
    if (folder !== 'INBOX') await client.mailboxCreate(folder).catch(() => undefined);
    for (const raw of raws) await client.append(folder, raw);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/** Polls until fn returns a truthy value or the time is up (a bounded wait, not a timing assertion). */
export async function eventually<T>(fn: () => Promise<T | null | undefined | false>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
