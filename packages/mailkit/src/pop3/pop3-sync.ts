import { setTimeout as wait } from 'node:timers/promises';
import type { Pop3Settings } from '../verify/types.ts';
import { openPop3Session } from './pop3-session.ts';

/** One message fetched by RETR, with its cursor: the UIDL the caller commits with it. */
export interface FetchedPop3Message {
  readonly uidl: string;
  /** The exact bytes (dot-stuffing undone). */
  readonly source: Buffer;
}

/** A message for the caller to commit; the session waits for the confirmation. */
export interface Pop3Round {
  readonly messages: readonly FetchedPop3Message[];
  /**
   * Tells the session which UIDLs the caller committed: when the campaign
   * deletes fetched mail they are marked deleted (DELE), which QUIT applies
   * at the end of the poll. At most once, before asking for the next event.
   */
  committed(uidls: readonly string[]): Promise<void>;
}

/** What a POP3 sync reports: connected (the first login), a message to commit, or the maildrop caught up (one poll done). */
export type Pop3SyncEvent = { type: 'connected' } | { type: 'fetched'; round: Pop3Round } | { type: 'synced' };

/** How a POP3 sync runs. */
export interface Pop3SyncOptions {
  /** Which of these UIDLs the caller has stored already (its cursor). */
  known(uidls: readonly string[]): Promise<ReadonlySet<string>>;
  /** The campaign deletes fetched mail from the server (POP3 has no flags or folders). */
  deleteFetched: boolean;
  /** How often the maildrop is polled: POP3 has no push. */
  pollMs: number;
  /** Aborting closes the session at once (no QUIT, so no deletion is applied) and ends the iteration. */
  signal: AbortSignal;
  /**
   * The settings for each later poll's login, e.g. with a fresh OAuth2
   * access token (a token outlives one login, not an hour of polls); by
   * default the first poll's settings serve every poll.
   */
  settingsForPoll?: () => Promise<Pop3Settings>;
}

// Until the next poll, or less when aborted; Node's abortable timer removes
// its listener when the time is up, so months of polls leave none behind.
const sleep = (ms: number, signal: AbortSignal): Promise<void> => wait(Math.max(0, ms), undefined, { signal }).catch(() => undefined);

/**
 * Keeps a POP3 maildrop synced for as long as it is iterated: a session per
 * poll (login under the account's time bounds, UIDL), RETR of each message
 * the caller has not stored, one at a time in the server's order, each
 * yielded for the caller to commit with its UIDL; DELE only after the
 * caller confirmed the commit, applied by QUIT. A message stored before
 * whose deletion was never applied (the process stopped before QUIT) is
 * deleted without being fetched again. Throws on a failure (Pop3Error), so
 * the caller backs off; returns when aborted.
 */
export async function* pop3Sync(settings: Pop3Settings, opts: Pop3SyncOptions): AsyncGenerator<Pop3SyncEvent, void, undefined> {
  const { signal } = opts;
  let first = true;
  while (!signal.aborted) {
    const session = await openPop3Session(first || !opts.settingsForPoll ? settings : await opts.settingsForPoll(), { signal });
    try {
      if (first) yield { type: 'connected' };
      first = false;
      const listing = await session.uidl();
      const known = await opts.known(listing.map((m) => m.uid));
      for (const m of listing) {
        if (signal.aborted) break;
        if (known.has(m.uid)) {
          // stored before, but the process stopped before its DELE was applied
          if (opts.deleteFetched) await session.dele(m.msg);
          continue;
        }
        const source = await session.retr(m.msg);
        let current = true;
        const round: Pop3Round = {
          messages: [{ uidl: m.uid, source }],
          committed: async (uidls) => {
            if (!current) throw new Error('a round can be confirmed once, before the next event is asked for');
            current = false;
            if (opts.deleteFetched && uidls.includes(m.uid)) await session.dele(m.msg);
          },
        };
        try {
          yield { type: 'fetched', round };
        } finally {
          current = false;
        }
      }
      await session.quit();
    } finally {
      // after QUIT this does nothing; on a failure or an early stop it drops
      // the connection without QUIT, so no deletion is applied
      session.close();
    }
    yield { type: 'synced' };
    await sleep(opts.pollMs, signal);
  }
}
