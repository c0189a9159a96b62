import type { Db } from '../../platform/db/db.ts';
import { dueRows, startClaimLoop, type ClaimLoop } from '../../platform/jobs/claim-loop.ts';
import type { Logger } from '../../platform/log/logger.ts';
import { returnTransfer } from './handle-interaction.ts';
import { noteMissedOffer } from './missed-offers.ts';
import { findOffer } from './offers.repo.ts';
import { endOffer } from './offers.ts';
import { lockAgents } from './routing.repo.ts';
import { expireStickyWait } from '../interactions/index.ts';
import { dueOffers, dueStickyWaits, dueTransfers, offerCampaign, transferCampaigns } from './timers.repo.ts';

/**
 * One kind of routing timer. Its due time is a column of the row it acts on
 * (not a copy in the jobs table: several modules set these columns, and a
 * copy would have to follow every one), so the row is its own job: `due`
 * reads what is due, `fire` acts on one row in its own transaction as a
 * conditional change under the row's lock — a timer fires exactly once
 * however many nodes run it, and one a dead node did not fire is simply
 * still due. `fire` returns the campaigns whose queue changed.
 */
interface RoutingTimer {
  name: string;
  due(db: Db, now: Date, limit: number): Promise<number[]>;
  fire(db: Db, id: number, now: Date): Promise<string[]>;
}

const TIMERS: readonly RoutingTimer[] = [
  {
    // an offer past its time: the interaction waits again at its place, that agent skipped;
    // and one more offer the agent missed, which may pause them — in the same
    // transaction, so the router never offers to an agent about to be paused.
    // The agent's lock first: the routing lock order (agent, then interaction).
    name: 'routing.offer_expiry',
    due: dueOffers,
    fire: (db, id, now) =>
      db.tx(async (q) => {
        const offer = await findOffer(q, id);
        if (!offer) return [];
        await lockAgents(q, [offer.user_id]);
        if (!(await endOffer(q, id, 'expired', now))) return [];
        await noteMissedOffer(q, id, now);
        const campaignId = await offerCampaign(q, id);
        return campaignId ? [campaignId] : [];
      }),
  },
  {
    // the wait for the assigned agent is over: from now on the campaign's members may take it
    name: 'routing.sticky_wait',
    due: dueStickyWaits,
    fire: async (db, id, now) => {
      const campaignId = await expireStickyWait(db, id, now);
      return campaignId ? [campaignId] : [];
    },
  },
  {
    // a campaign transfer nobody took: back to the agent who transferred it
    name: 'routing.transfer_return',
    due: dueTransfers,
    fire: (db, id, now) =>
      db.tx(async (q) => {
        const before = await transferCampaigns(q, id);
        if (!before || !(await returnTransfer(q, id, now))) return [];
        return before.transfer_from_campaign ? [before.campaign_id, before.transfer_from_campaign] : [before.campaign_id];
      }),
  },
];

/**
 * Fires every routing timer due at `now`, once through (what each timer's
 * loop does tick by tick; tests call it with their own clock). Returns the
 * campaigns whose queue changed, for the caller to route again.
 */
export async function fireDueTimers(db: Db, now: Date, limit = 200): Promise<Set<string>> {
  const touched = new Set<string>();
  for (const timer of TIMERS) {
    for (const id of await timer.due(db, now, limit)) {
      for (const c of await timer.fire(db, id, now)) touched.add(c);
    }
  }
  return touched;
}

/** The running routing timers. */
export interface RoutingTimers {
  stop(): Promise<void>;
}

/**
 * Runs each routing timer in the shared claim loop (platform/jobs), looking
 * every `tickMs`: due rows are fired two at a time, and the campaigns they
 * touch are handed to `onFired` to be routed again.
 */
export function startRoutingTimers(
  deps: { db: Db; log: Logger; now: () => Date },
  opts: { tickMs: number; onFired: (campaignIds: string[]) => void },
): RoutingTimers {
  const loops: ClaimLoop[] = TIMERS.map((timer) =>
    startClaimLoop(
      dueRows({
        name: timer.name,
        due: (limit) => timer.due(deps.db, deps.now(), limit),
        fire: async (id) => {
          const touched = await timer.fire(deps.db, id, deps.now());
          if (touched.length > 0) opts.onFired(touched);
        },
      }),
      { concurrency: 2, pollMs: opts.tickMs, log: deps.log },
    ),
  );
  return {
    async stop() {
      await Promise.all(loops.map((l) => l.stop()));
    },
  };
}
