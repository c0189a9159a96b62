import { accessTokenFor, OAuthTokenError, type TokenDeps } from './access-token.ts';
import { accountsDueForRefresh, deleteUnusedAccounts } from './oauth.repo.ts';

/** A running refresher; stop() waits for the sweep in progress. */
export interface TokenRefresher {
  stop(): Promise<void>;
  /** Runs one sweep now (tests). */
  sweep(): Promise<void>;
}

/**
 * Refreshes the access tokens of campaigns' accounts before they expire,
 * even when nothing asks for one (an IMAP IDLE session logs in once), so a
 * revoked grant shows as "sign in again" within one token lifetime rather
 * than at the next reconnect. Each refresh goes through accessTokenFor's
 * lease, so every node may sweep; accounts backing off or waiting for a
 * person are skipped. Sign-ins never saved into a campaign are removed
 * after a day.
 */
export function startTokenRefresher(deps: TokenDeps, opts: { tickMs?: number } = {}): TokenRefresher {
  const tickMs = opts.tickMs ?? 10_000;
  let running: Promise<void> | null = null;
  let ticks = 0;
  const sweep = async (): Promise<void> => {
    // due: within five minutes of expiry (the longest margin); accessTokenFor refreshes only inside the account's own margin
    const due = await accountsDueForRefresh(deps.db, new Date(deps.now().getTime() + 5 * 60_000));
    for (const id of due) {
      try {
        await accessTokenFor(deps, id);
      } catch (err) {
        if (!(err instanceof OAuthTokenError)) deps.log.error({ accountId: id, err: err instanceof Error ? err.message : String(err) }, 'oauth.sweep_failed');
      }
    }
    if (ticks++ % 360 === 0) await deleteUnusedAccounts(deps.db);
  };
  const tick = () => {
    if (running) return;
    running = sweep()
      .catch((err: unknown) => deps.log.error({ err: err instanceof Error ? err.message : String(err) }, 'oauth.sweep_failed'))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(tick, tickMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
    async sweep() {
      await running;
      await sweep();
    },
  };
}
