import type { DomainEvent } from '../../platform/events/events.ts';
import { listReceivingCampaignIds } from '../campaigns/index.ts';
import { acquireLeases, markStopped, msUntilOthersLeaseExpires, releaseLeases, type HeldLease } from './mailboxes.repo.ts';
import { startMailboxRunner, type MailboxRunner, type RunnerDeps, type SyncTiming } from './mailbox-runner.ts';

/** Lease and supervision timing; tests shorten the lease so a killed node is replaced quickly. */
export interface SupervisorOptions {
  /** This process's identity in lease rows; unique per process. */
  node: string;
  /** A lease not renewed for this long is taken over by another node. */
  leaseSec: number;
  /** How often leases are renewed and new or changed campaigns picked up (well under leaseSec). */
  tickMs: number;
  timing: SyncTiming;
  /** Events from every node; a campaign change or a retry request triggers a round at once. */
  onEvent?: (handler: (e: DomainEvent) => void) => () => void;
}

/** The sync role of a node. */
export interface MailboxSupervisor {
  /** Stops every runner and releases this node's leases so another node takes over at once. */
  stop(): Promise<void>;
  /** One supervision round now (tests, and after a campaign is saved). */
  tick(): Promise<void>;
}

interface Running {
  runner: MailboxRunner;
  retryRequested: number;
  campaignUpdatedAt: number;
  ended: boolean;
}

/**
 * Owns the sync role: every tick it takes or renews the leases of the
 * mailboxes that should be synced (one SQL statement, so exactly one node
 * wins each), starts a runner for each new lease, restarts one whose
 * campaign was edited or whose retry was requested, and stops runners whose
 * lease or campaign went away. A node that dies simply stops renewing; a
 * node waiting for a mailbox another node holds wakes when that lease
 * expires (not at its next tick, up to a third of leaseSec later), so a dead
 * holder's mailboxes are taken over within leaseSec of its last renewal.
 */
export function startMailboxSupervisor(deps: RunnerDeps, opts: SupervisorOptions): MailboxSupervisor {
  const running = new Map<string, Running>();
  let stopped = false;
  let current: Promise<void> | null = null;
  let wake: NodeJS.Timeout | null = null;

  const launch = (h: HeldLease): void => {
    const runner = startMailboxRunner(deps, h.campaign_id, opts.node, opts.timing, { failures: h.failures, nextAttemptAt: h.next_attempt_at });
    const entry: Running = { runner, retryRequested: h.retry_requested, campaignUpdatedAt: h.campaign_updated_at.getTime(), ended: false };
    running.set(h.campaign_id, entry);
    void runner.done.then(() => {
      entry.ended = true;
    });
  };

  const round = async (): Promise<void> => {
    const ids = await listReceivingCampaignIds(deps.db);
    const held = await acquireLeases(deps.db, opts.node, ids, opts.leaseSec);
    const heldIds = new Set(held.map((h) => h.campaign_id));
    // lease lost, or the campaign no longer receives: stop, and let go of what we still hold
    const gone = [...running.keys()].filter((id) => !heldIds.has(id));
    await Promise.all(gone.map((id) => running.get(id)!.runner.stop()));
    for (const id of gone) running.delete(id);
    const unwanted = held.filter((h) => !ids.includes(h.campaign_id)).map((h) => h.campaign_id);
    if (unwanted.length) await releaseLeases(deps.db, opts.node, unwanted);
    await markStopped(deps.db, ids);
    if (held.length < ids.length) {
      // another node holds some: round again the moment the first of its leases runs out
      const ms = await msUntilOthersLeaseExpires(deps.db, opts.node, ids.filter((id) => !heldIds.has(id)));
      if (wake) clearTimeout(wake);
      wake = ms !== null && ms < opts.tickMs && !stopped ? setTimeout(() => void tick(), Math.max(0, ms) + 20) : null;
    }

    for (const h of held) {
      if (stopped) return;
      const r = running.get(h.campaign_id);
      const changed = r && (r.retryRequested !== h.retry_requested || r.campaignUpdatedAt !== h.campaign_updated_at.getTime());
      if (r && changed) {
        await r.runner.stop();
        running.delete(h.campaign_id);
      } else if (r && !r.ended) {
        continue;
      } else if (r && r.ended) {
        // ended by itself: needs attention waits for the admin; anything else
        // (a database outage, a lost and regained lease) starts again
        if (h.state === 'needs_attention') continue;
        running.delete(h.campaign_id);
      }
      if (h.state === 'needs_attention' && !changed) continue;
      launch(h);
    }
  };

  // one round at a time; a request during a round runs one more after it,
  // so a change that the running round read too early is never missed
  let pending = false;
  const tick = (): Promise<void> => {
    if (current) {
      pending = true;
      return current;
    }
    current = (async () => {
      do {
        pending = false;
        await round().catch((err: unknown) =>
          deps.log.error({ err: err instanceof Error ? err.message : String(err) }, 'sync.tick_failed'),
        );
      } while (pending && !stopped);
    })().finally(() => {
      current = null;
    });
    return current;
  };

  const timer = setInterval(() => void tick(), opts.tickMs);
  const unsubscribe = opts.onEvent?.((e) => {
    if (stopped) return;
    if (e.type === 'campaign.changed' || (e.type === 'mailbox.status_changed' && e.state === 'idle')) void tick().then(() => undefined);
  });
  void tick();
  return {
    tick,
    async stop() {
      stopped = true;
      clearInterval(timer);
      if (wake) clearTimeout(wake);
      unsubscribe?.();
      await current;
      await Promise.all([...running.values()].map((r) => r.runner.stop()));
      running.clear();
      await releaseLeases(deps.db, opts.node).catch(() => undefined);
    },
  };
}
