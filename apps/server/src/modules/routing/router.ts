import type { Db } from '../../platform/db/db.ts';
import type { DomainEvent } from '../../platform/events/events.ts';
import type { Logger } from '../../platform/log/logger.ts';
import { sweepPresence } from './presence.ts';
import { routeCampaign, type Decision } from './route-campaign.ts';
import { campaignsOf, campaignsWithWaiting } from './routing.repo.ts';
import { startRoutingTimers } from './timers.ts';

export interface RouterDeps {
  db: Db;
  log: Logger;
  now: () => Date;
  onEvent: (handler: (e: DomainEvent) => void) => () => void;
}

export interface RouterOptions {
  tickMs: number;
  sweepMs: number;
  concurrency: number;
  /** An agent whose workspace sockets do not come back for this long goes offline (none before the router has run this long). */
  presenceGraceMs: number;
  random?: () => number;
  onDecision?: (d: Decision, ms: number) => void;
}

export interface Router {
  stop(): Promise<void>;
}

/**
 * The routing worker: routes a campaign's queue whenever something that can
 * change it happens anywhere (events arrive by LISTEN from every node), runs
 * the routing timers (timers.ts, in the shared claim loop), and routes every
 * waiting queue and sweeps presence on a slower timer as the safety net for
 * an event missed while a node was down. Several nodes may run it: decisions are serialised per campaign in
 * PostgreSQL, so the worst a duplicate does is find nothing to do.
 */
export function startRouter(deps: RouterDeps, opts: RouterOptions): Router {
  const dirty = new Set<string>();
  const upSince = deps.now();
  const running = new Map<string, Promise<void>>();
  let stopped = false;

  const pump = (): void => {
    if (stopped) return;
    for (const id of [...dirty]) {
      if (running.size >= opts.concurrency) break;
      if (running.has(id)) continue;
      dirty.delete(id);
      const run = routeCampaign(deps.db, id, { now: deps.now, random: opts.random, onDecision: opts.onDecision })
        .then(() => undefined)
        .catch((err: unknown) => {
          deps.log.error({ err: String(err), campaignId: id }, 'routing failed');
          // try again on the next sweep rather than spin on a broken campaign
        })
        .finally(() => {
          running.delete(id);
          pump();
        });
      running.set(id, run);
    }
  };

  const mark = (ids: Iterable<string>): void => {
    for (const id of ids) dirty.add(id);
    pump();
  };

  const markAgentCampaigns = (userId: string): void => {
    campaignsOf(deps.db, userId).then(mark, (err: unknown) => deps.log.warn({ err: String(err) }, 'routing: campaigns of agent'));
  };

  const off = deps.onEvent((e) => {
    switch (e.type) {
      case 'interaction.created':
      case 'interaction.reopened':
      case 'interaction.queued':
      case 'campaign.changed':
        mark([e.campaignId]);
        break;
      case 'members.changed':
        mark(e.campaignIds);
        break;
      case 'interaction.closed':
        mark([e.campaignId]);
        if (e.userId) markAgentCampaigns(e.userId);
        break;
      case 'agent.presence_changed':
        if (e.state === 'available') markAgentCampaigns(e.userId);
        break;
      default:
        break;
    }
  });

  const timers = startRoutingTimers(deps, { tickMs: opts.tickMs, onFired: mark });

  let sweeping = false;
  const sweep = async (): Promise<void> => {
    if (sweeping || stopped) return;
    sweeping = true;
    try {
      await sweepPresence(deps.db, deps.now(), opts.presenceGraceMs, upSince);
      mark(await campaignsWithWaiting(deps.db));
    } catch (err) {
      deps.log.error({ err: String(err) }, 'routing sweep failed');
    } finally {
      sweeping = false;
    }
  };
  const sweeper = setInterval(() => void sweep(), opts.sweepMs);
  void sweep();

  return {
    async stop() {
      stopped = true;
      off();
      clearInterval(sweeper);
      await timers.stop();
      await Promise.allSettled([...running.values()]);
    },
  };
}
