import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per app instance, so tests can build several apps in a process. */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  connectionChecks: Counter<'protocol' | 'result'>;
  routingDecisions: Histogram<'outcome'>;
}

/** Creates the Prometheus metrics Postdesk exports at /metrics. */
export function createMetrics(): Metrics {
  const registry = new Registry();
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
  };
}
