import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { runCheck } from './run-check.ts';
import type { CheckResult, ImapSettings } from './types.ts';
import { tlsTrustOptions } from './tls-trust.ts';

// Library timers are backstops: ours fire first and say which phase stalled.
const BACKSTOP_MS = 1_000;
const LOGOUT_MS = 1_000;

/**
 * The imapflow options for these settings, shared with the code that syncs
 * the inbox so a check tests exactly the connection sync will make.
 * 'starttls' requires the upgrade (doSTARTTLS: true); 'none' never attempts
 * it (doSTARTTLS: false), so the session is as plain as the admin chose.
 */
export function imapClientOptions(settings: ImapSettings): ImapFlowOptions {
  const connectionMs = settings.connectionTimeoutSec * 1000;
  return {
    host: settings.host,
    port: settings.port,
    secure: settings.security === 'tls',
    doSTARTTLS: settings.security === 'starttls' ? true : settings.security === 'none' ? false : undefined,
    // with a token imapflow uses OAUTHBEARER, else XOAUTH2, whichever the server offers
    auth: settings.accessToken !== undefined ? { user: settings.username, accessToken: settings.accessToken } : { user: settings.username, pass: settings.password },
    tls: tlsTrustOptions(settings),
    logger: false,
    emitLogs: false,
    connectionTimeout: connectionMs + BACKSTOP_MS,
    greetingTimeout: connectionMs + BACKSTOP_MS,
    socketTimeout: (settings.connectionTimeoutSec + settings.authTimeoutSec) * 1000 + BACKSTOP_MS,
  };
}

// A polite LOGOUT, but not worth waiting for: the socket is destroyed after anyway.
async function within(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([work.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Checks an IMAP account the way sync will use it: connect, log in, open the
 * configured folder read-only (EXAMINE) so a wrong folder is reported as
 * mailbox_not_found, log out. Bounded in time, never throws, never retries.
 */
export function verifyImap(settings: ImapSettings): Promise<CheckResult> {
  let client: ImapFlow | undefined;
  return runCheck(
    'imap',
    { ...settings },
    {
      // imapflow has no hook between greeting and login: its greeting text is set once the
      // server greeted, which is what the connection deadline asks about.
      greeted: () => client?.greeting !== undefined,
      destroy: () => client?.close(),
      async run(progress) {
        // built in here, so even a constructor that rejects the options becomes a result
        client = new ImapFlow({
          ...imapClientOptions(settings),
          // a check is one short session: no compression, no ENABLE, no IDLE
          disableCompression: true,
          disableAutoEnable: true,
          disableAutoIdle: true,
        });
        // imapflow emits 'error' for a failed connection; with no listener that would throw
        client.on('error', () => undefined);
        await client.connect();
        progress.loggingIn();
        await client.mailboxOpen(settings.mailbox, { readOnly: true });
        progress.verified();
        await within(client.logout(), LOGOUT_MS);
      },
    },
  );
}
