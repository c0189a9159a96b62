import pg from 'pg';
import type { Queryable } from '../db/db.ts';

/**
 * Every event Postdesk emits, in one union, named `noun.verb`. Payloads carry
 * ids, never content: a listener re-reads what it needs with its own access
 * rules, and NOTIFY payloads stay far under PostgreSQL's 8000-byte cap.
 */
export type DomainEvent =
  | { type: 'interaction.created'; campaignId: string; interactionId: number; linkedTo: number | null }
  | { type: 'interaction.reopened'; campaignId: string; interactionId: number }
  | { type: 'message.received'; campaignId: string; interactionId: number | null; messageId: number; kind: string }
  | { type: 'message.quarantined'; campaignId: string; quarantineId: number }
  | { type: 'outbox.changed'; campaignId: string; messageId: number; state: string }
  // a campaign's SMTP account was held back (its messages wait) or may send again
  | { type: 'smtp.held'; campaignId: string; code: string }
  | { type: 'smtp.resumed'; campaignId: string }
  | { type: 'mailbox.status_changed'; campaignId: string; state: string }
  | { type: 'campaign.changed'; campaignId: string }
  // a campaign's OAuth2 grant is gone: its mailbox and sending wait until someone signs in again
  | { type: 'oauth.sign_in_needed'; campaignId: string; email: string }
  | { type: 'members.changed'; campaignIds: string[]; userIds: string[] }
  // routing: offers, assignment and the queue
  | { type: 'offer.created'; campaignId: string; interactionId: number; userIds: string[] }
  | { type: 'offer.ended'; campaignId: string; interactionId: number; offerId: number; userId: string; state: string }
  | { type: 'interaction.queued'; campaignId: string; interactionId: number }
  // viaOffer: an offer accepted, or a routing decision assigning it directly (not a new mail or a transfer coming back)
  | { type: 'interaction.assigned'; campaignId: string; interactionId: number; userId: string; previousUserId: string | null; viaOffer?: boolean }
  | { type: 'interaction.closed'; campaignId: string; interactionId: number; userId: string | null }
  | { type: 'agent.presence_changed'; userId: string; state: 'offline' | 'available' | 'paused' }
  | { type: 'agent.logged_out'; userId: string }
  // the pause reasons agents choose from were added to or removed
  | { type: 'pause_reasons.changed' }
  // a user's sessions or tokens ended or changed (logout, disable, new role or password): sockets re-check their access
  | { type: 'user.access_changed'; userId: string }
  // the jobs layer: jobs of this kind were added (wakes the workers of every node)
  | { type: 'job.queued'; kind: string };

export const EVENTS_CHANNEL = 'postdesk_events';

/**
 * Emits an event inside the caller's transaction. PostgreSQL delivers NOTIFY
 * only when the transaction commits (and drops it on rollback), so nothing
 * reaches a listener before the data it names is visible — on every node.
 */
export async function emitEvent(q: Queryable, event: DomainEvent): Promise<void> {
  const deferred = (q as Partial<Record<typeof DEFERRED, DomainEvent[]>>)[DEFERRED];
  if (deferred) {
    deferred.push(event);
    return;
  }
  await q.query('SELECT pg_notify($1, $2)', [EVENTS_CHANNEL, JSON.stringify(event)]);
}

const DEFERRED = Symbol('deferred events');

/** A transaction's events held back to be sent together (see deferEvents). */
export interface DeferredEvents {
  /** Use this in place of the transaction: emitEvent on it only records the event. */
  q: Queryable;
  /** How many are held now; with dropAfter, forgets what a rolled-back savepoint emitted. */
  mark(): number;
  dropAfter(mark: number): void;
  /** Sends every held event in one statement, in the order emitted. Call it inside the transaction. */
  flush(): Promise<void>;
}

/**
 * Holds the events emitted on a transaction and sends them in one statement
 * at its end: a hot path that emits two or three events per row (ingest)
 * saves as many round trips. Delivery is unchanged: NOTIFY still reaches
 * listeners only at commit, in the order emitted.
 */
export function deferEvents(tx: Queryable): DeferredEvents {
  const held: DomainEvent[] = [];
  const q = { query: tx.query.bind(tx), [DEFERRED]: held } as Queryable;
  return {
    q,
    mark: () => held.length,
    dropAfter: (mark) => void held.splice(mark),
    async flush() {
      if (held.length === 0) return;
      const payloads = held.splice(0).map((e) => JSON.stringify(e));
      // the subquery's order is the order the notifications are queued in
      await tx.query(
        `SELECT count(pg_notify($1, p)) FROM (SELECT p FROM unnest($2::text[]) WITH ORDINALITY AS t(p, n) ORDER BY n) s`,
        [EVENTS_CHANNEL, payloads],
      );
    },
  };
}

/** A live subscription to every node's events; close() ends it. */
export interface EventSubscription {
  /** Settles once the first LISTEN is in place (or failed and a retry is scheduled). */
  ready: Promise<void>;
  close(): Promise<void>;
}

/**
 * Listens on its own connection (LISTEN needs a session of its own, not a
 * pooled one) and reconnects with a short delay when the connection drops.
 * Events emitted while it was reconnecting are missed: listeners treat events
 * as hints to re-read state, never as the state itself.
 */
export function subscribeEvents(connectionString: string, onEvent: (e: DomainEvent) => void): EventSubscription {
  let client: pg.Client | null = null;
  let closed = false;
  let timer: NodeJS.Timeout | null = null;
  const connect = async (): Promise<void> => {
    if (closed) return;
    const c = new pg.Client({ connectionString, application_name: 'postdesk-events' });
    c.on('notification', (msg) => {
      if (msg.channel !== EVENTS_CHANNEL || !msg.payload) return;
      try {
        onEvent(JSON.parse(msg.payload) as DomainEvent);
      } catch {
        // a malformed payload is not ours; ignore it
      }
    });
    c.on('error', () => retry(c));
    c.on('end', () => retry(c));
    try {
      await c.connect();
      await c.query(`LISTEN ${EVENTS_CHANNEL}`);
      if (closed) await c.end();
      else client = c;
    } catch {
      retry(c);
    }
  };
  const retry = (c: pg.Client): void => {
    if (client === c) client = null;
    c.removeAllListeners('end');
    c.end().catch(() => undefined);
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = null;
      void connect();
    }, 500);
  };
  const ready = connect();
  return {
    ready,
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await ready;
      const c = client;
      client = null;
      if (c) {
        c.removeAllListeners('end');
        await c.end().catch(() => undefined);
      }
    },
  };
}
