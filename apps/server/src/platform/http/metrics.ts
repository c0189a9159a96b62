import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DomainEvent } from '../events/events.ts';

/** One registry per app instance, so tests can build several apps in a process. */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  connectionChecks: Counter<'protocol' | 'result'>;
  routingDecisions: Histogram<'outcome'>;
  messagesIngested: Counter<'campaign' | 'kind'>;
  messagesQuarantined: Counter<'campaign'>;
  outboxChanges: Counter<'campaign' | 'state'>;
  offers: Counter<'outcome'>;
  websocketConnections: Gauge;
  /** Read at each scrape from the database (what every node sees alike); set by the composition root. */
  outboxWaiting: Gauge<'campaign' | 'state'>;
  syncLag: Gauge<'campaign'>;
  /** Gives the scrape-time gauges their sources (the composition root calls it once). */
  setSources(s: MetricSources): void;
}

/** What the scrape-time gauges read: filled in by the composition root, which may call the modules. */
export interface MetricSources {
  outbox(): Promise<Array<{ campaignId: string; state: string; count: number }>>;
  syncLag(): Promise<Array<{ campaignId: string; seconds: number }>>;
}

/** Creates the Prometheus metrics Postdesk exports at /metrics. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  let sources: MetricSources | null = null;
  const outboxWaiting = new Gauge({
    name: 'postdesk_outbox_messages',
    help: 'Outbound messages not sent yet, by campaign and state (queued, sending, retrying, failed; held: waiting behind a held SMTP account)',
    labelNames: ['campaign', 'state'],
    registers: [registry],
    async collect() {
      if (!sources) return;
      this.reset();
      for (const r of await sources.outbox()) this.set({ campaign: r.campaignId, state: r.state }, r.count);
    },
  });
  const syncLag = new Gauge({
    name: 'postdesk_mailbox_sync_lag_seconds',
    help: 'Seconds since each receiving mailbox last caught up with its server',
    labelNames: ['campaign'],
    registers: [registry],
    async collect() {
      if (!sources) return;
      this.reset();
      for (const r of await sources.syncLag()) this.set({ campaign: r.campaignId }, r.seconds);
    },
  });
  collectDefaultMetrics({ register: registry, prefix: 'postdesk_' });
  return {
    registry,
    httpRequests: new Counter({
      name: 'postdesk_http_requests_total',
      help: 'HTTP requests answered, by route template and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'postdesk_http_request_duration_seconds',
      help: 'HTTP request latency by route template',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    connectionChecks: new Counter({
      name: 'postdesk_connection_checks_total',
      help: 'Mail connection checks run, by protocol and result',
      labelNames: ['protocol', 'result'],
      registers: [registry],
    }),
    routingDecisions: new Histogram({
      name: 'postdesk_routing_decision_seconds',
      help: 'Routing decisions (one transaction each) by outcome: offered, assigned, or none',
      labelNames: ['outcome'],
      buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    messagesIngested: new Counter({
      name: 'postdesk_messages_ingested_total',
      help: 'Inbound messages stored, by campaign (its mailbox) and kind (customer, bounce, auto_reply, feedback, own)',
      labelNames: ['campaign', 'kind'],
      registers: [registry],
    }),
    messagesQuarantined: new Counter({
      name: 'postdesk_messages_quarantined_total',
      help: 'Inbound messages quarantined, by campaign (its mailbox)',
      labelNames: ['campaign'],
      registers: [registry],
    }),
    outboxChanges: new Counter({
      name: 'postdesk_outbox_transitions_total',
      help: 'Outbound messages entering a state (queued, sent, retrying, failed, held), by campaign',
      labelNames: ['campaign', 'state'],
      registers: [registry],
    }),
    offers: new Counter({
      name: 'postdesk_offers_total',
      help: 'Offers made to agents, and how they ended: accepted (or assigned directly), declined, missed (lapsed), withdrawn',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    websocketConnections: new Gauge({
      name: 'postdesk_websocket_connections',
      help: 'Workspace WebSockets open on this node',
      registers: [registry],
    }),
    outboxWaiting,
    syncLag,
    setSources(s: MetricSources) {
      sources = s;
    },
  };
}

/**
 * Counts an event. Every node hears every node's events, so these counters
 * are the whole installation's on each node (scrape one, or take max()):
 * counting where the work happens would need a metrics handle in every use
 * case, and an event is already emitted exactly once per fact, at commit.
 */
export function countEvent(m: Metrics, e: DomainEvent): void {
  switch (e.type) {
    case 'message.received':
      m.messagesIngested.inc({ campaign: e.campaignId, kind: e.kind });
      return;
    case 'message.quarantined':
      m.messagesQuarantined.inc({ campaign: e.campaignId });
      return;
    case 'outbox.changed':
      m.outboxChanges.inc({ campaign: e.campaignId, state: e.state });
      return;
    case 'smtp.held':
      m.outboxChanges.inc({ campaign: e.campaignId, state: 'held' });
      return;
    case 'offer.created':
      m.offers.inc({ outcome: 'made' }, e.userIds.length);
      return;
    case 'offer.ended':
      m.offers.inc({ outcome: e.state === 'expired' ? 'missed' : e.state });
      return;
    case 'interaction.assigned':
      if (e.viaOffer) m.offers.inc({ outcome: 'accepted' });
      return;
    default:
      return;
  }
}
