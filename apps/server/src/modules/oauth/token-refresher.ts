import { accessTokenFor, OAuthTokenError, type TokenDeps } from './access-token.ts';
import { accountsDueForRefresh, deleteUnusedAccounts, nextRefreshAt } from './oauth.repo.ts';

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
 *
 * The sweep runs at most every `tickMs` and otherwise wakes when the next
 * token enters its refresh margin (never sooner than `minMs` after the last
 * sweep): a short token's margin (2 s of an 8 s token) is shorter than the
 * tick, and a fixed tick would refresh it after it expired.
 */
export function startTokenRefresher(deps: TokenDeps, opts: { tickMs?: number; minMs?: number } = {}): TokenRefresher {
  const tickMs = opts.tickMs ?? 10_000;
  const minMs = opts.minMs ?? 250;
  let running: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
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
  // the next wake: the next token's margin, within [minMs, tickMs]
  const delayAfterSweep = async (): Promise<number> => {
    const at = await nextRefreshAt(deps.db);
    if (!at) return tickMs;
    return Math.min(tickMs, Math.max(minMs, at.getTime() - deps.now().getTime()));
  };
  const schedule = (ms: number): void => {
    if (stopped) return;
    timer = setTimeout(tick, ms);
    timer.unref();
  };
  const tick = (): void => {
    timer = null;
    if (running) return schedule(tickMs);
    let next = tickMs;
    running = sweep()
      .then(async () => {
        next = await delayAfterSweep();
      })
      .catch((err: unknown) => deps.log.error({ err: err instanceof Error ? err.message : String(err) }, 'oauth.sweep_failed'))
      .finally(() => {
        running = null;
        schedule(next);
      });
  };
  schedule(Math.min(tickMs, 1_000));
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
    async sweep() {
      await running;
      await sweep();
    },
  };
}
