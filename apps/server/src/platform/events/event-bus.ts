import { subscribeEvents, type DomainEvent, type EventSubscription } from './events.ts';

/** In-process fan-out of the events every node emits; one LISTEN connection per process. */
export interface EventBus {
  /** Adds a handler; returns its removal. */
  on(handler: (e: DomainEvent) => void): () => void;
  ready: Promise<void>;
  close(): Promise<void>;
}

/** Listens once for this process and hands each event to every handler (a failing handler does not stop the others). */
export function createEventBus(connectionString: string, onError: (err: unknown) => void): EventBus {
  const handlers = new Set<(e: DomainEvent) => void>();
  const sub: EventSubscription = subscribeEvents(connectionString, (e) => {
    for (const h of handlers) {
      try {
        h(e);
      } catch (err) {
        onError(err);
      }
    }
  });
  return {
    on(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    ready: sub.ready,
    close: () => sub.close(),
  };
}
