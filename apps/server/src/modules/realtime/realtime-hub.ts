import type { WebSocket } from 'ws';
import type { Db } from '../../platform/db/db.ts';
import type { DomainEvent } from '../../platform/events/events.ts';
import type { Logger } from '../../platform/log/logger.ts';
import { seesAllCampaigns } from '../auth/auth.policy.ts';
import { liveCredentials } from '../auth/auth.repo.ts';
import { writeConnections } from '../routing/presence.ts';

/** One open workspace socket and who is behind it. */
interface Client {
  socket: WebSocket;
  userId: string;
  staff: boolean;
  /** The session's or token's hash the socket was opened with: it lives only as long as that does. */
  credential: Buffer;
  /** Campaign ids with a queue change not yet sent to this staff socket (coalesced). */
  pendingQueues: Set<string>;
  flushTimer: NodeJS.Timeout | null;
}

/** Who opened a socket, and with which session or token (its SHA-256). */
export interface SocketOwner {
  userId: string;
  staff: boolean;
  credential: Buffer;
}

export interface RealtimeHub {
  add(socket: WebSocket, who: SocketOwner): void;
  close(): Promise<void>;
}

/** Close code: the socket's session or token ended — the console sends the user to log in again. */
export const CLOSE_ENDED = 4401;
/** Close code: the user's rights changed — the console re-reads who they are and reconnects with the new rights. */
export const CLOSE_RIGHTS_CHANGED = 4409;

export interface HubDeps {
  db: Db;
  log: Logger;
  now: () => Date;
  nodeId: string;
  onEvent: (handler: (e: DomainEvent) => void) => () => void;
}

// Queue figures change in bursts; a supervisor screen needs them at most five times a second.
const QUEUE_COALESCE_MS = 200;
const HEARTBEAT_MS = 5_000;
const PING_MS = 30_000;

/** The offer as the agent's workspace shows it. */
interface OfferView {
  id: number;
  interactionId: number;
  campaignId: string;
  campaignKey: string;
  campaignName: string;
  kind: string;
  subject: string;
  customerAddress: string;
  customerName: string;
  createdAt: string;
  expiresAt: string;
}

/** Pending offers of one interaction for the given users, with what the agent needs to decide. */
export async function offerViews(q: Db, where: { interactionId?: number; userIds: string[] }): Promise<Array<OfferView & { userId: string }>> {
  const { rows } = await q.query<{
    id: number; user_id: string; interaction_id: number; campaign_id: string; key: string; name: string; kind: string;
    subject: string; customer_address: string; customer_name: string; created_at: Date; expires_at: Date;
  }>(
    `SELECT o.id, o.user_id, o.interaction_id, o.campaign_id, c.key, c.name, o.kind, i.subject, i.customer_address, i.customer_name,
            o.created_at, o.expires_at
       FROM offers o JOIN interactions i ON i.id = o.interaction_id JOIN campaigns c ON c.id = o.campaign_id
      WHERE o.state = 'pending' AND o.user_id = ANY($1::uuid[]) AND ($2::bigint IS NULL OR o.interaction_id = $2)
      ORDER BY o.created_at, o.id`,
    [where.userIds, where.interactionId ?? null],
  );
  return rows.map((r) => ({
    id: r.id,
    userId: r.user_id,
    interactionId: r.interaction_id,
    campaignId: r.campaign_id,
    campaignKey: r.key,
    campaignName: r.name,
    kind: r.kind,
    subject: r.subject,
    customerAddress: r.customer_address,
    customerName: r.customer_name,
    createdAt: r.created_at.toISOString(),
    expiresAt: r.expires_at.toISOString(),
  }));
}

/**
 * Pushes each node's events to the sockets open here, filtered per user.
 * An agent receives only what names them: offers made to them, interactions
 * assigned to them, messages in interactions they hold, their own presence.
 * Staff (admins and supervisors, who see every campaign) receive queue and
 * agent changes. Messages carry ids and the few fields a notification shows;
 * the workspace re-reads the rest through the API with its access rules.
 */
export function createRealtimeHub(deps: HubDeps): RealtimeHub {
  const clients = new Set<Client>();
  const byUser = new Map<string, Set<Client>>();

  const send = (c: Client, msg: unknown): void => {
    if (c.socket.readyState === c.socket.OPEN) c.socket.send(JSON.stringify(msg));
  };
  const toUser = (userId: string, msg: unknown): void => {
    for (const c of byUser.get(userId) ?? []) send(c, msg);
  };
  const toStaff = (msg: unknown): void => {
    for (const c of clients) if (c.staff) send(c, msg);
  };
  const queueChanged = (campaignId: string): void => {
    for (const c of clients) {
      if (!c.staff) continue;
      c.pendingQueues.add(campaignId);
      c.flushTimer ??= setTimeout(() => {
        c.flushTimer = null;
        const ids = [...c.pendingQueues];
        c.pendingQueues.clear();
        send(c, { type: 'queue.changed', campaignIds: ids });
      }, QUEUE_COALESCE_MS);
    }
  };
  const fail = (err: unknown): void => deps.log.warn({ err: String(err) }, 'realtime push failed');
  // Pushes to the agent working an interaction, found by `sql` (selecting
  // interaction_id and assigned_to for one id) — read only when someone is connected here.
  const toAssignee = (sql: string, id: number, msg: (interactionId: number) => unknown): void => {
    if (byUser.size === 0) return;
    deps.db.query<{ interaction_id: number; assigned_to: string | null }>(sql, [id]).then(({ rows }) => {
      const r = rows[0];
      if (r?.assigned_to) toUser(r.assigned_to, msg(r.interaction_id));
    }, fail);
  };

  const onEvent = (e: DomainEvent): void => {
    switch (e.type) {
      case 'offer.created': {
        queueChanged(e.campaignId);
        const here = e.userIds.filter((u) => byUser.has(u));
        if (here.length === 0) return;
        offerViews(deps.db, { interactionId: e.interactionId, userIds: here }).then((views) => {
          for (const { userId, ...offer } of views) toUser(userId, { type: 'offer.created', offer });
        }, fail);
        return;
      }
      case 'offer.ended':
        queueChanged(e.campaignId);
        toUser(e.userId, { type: 'offer.ended', offerId: e.offerId, interactionId: e.interactionId, state: e.state });
        return;
      case 'interaction.assigned':
        queueChanged(e.campaignId);
        toUser(e.userId, { type: 'interaction.assigned', interactionId: e.interactionId, campaignId: e.campaignId });
        if (e.previousUserId) toUser(e.previousUserId, { type: 'interaction.removed', interactionId: e.interactionId });
        return;
      case 'interaction.closed':
        queueChanged(e.campaignId);
        if (e.userId) toUser(e.userId, { type: 'interaction.removed', interactionId: e.interactionId });
        return;
      case 'message.received': {
        queueChanged(e.campaignId);
        if (e.interactionId === null) return;
        toAssignee(`SELECT id AS interaction_id, assigned_to FROM interactions WHERE id = $1`, e.interactionId, (interactionId) => ({
          type: 'message.received',
          interactionId,
          messageId: e.messageId,
        }));
        return;
      }
      case 'outbox.changed':
        // the agent working the interaction sees their message go out (or fail)
        toAssignee(
          `SELECT i.id AS interaction_id, i.assigned_to FROM messages m JOIN interactions i ON i.id = m.interaction_id WHERE m.id = $1`,
          e.messageId,
          (interactionId) => ({ type: 'message.changed', interactionId, messageId: e.messageId, state: e.state }),
        );
        return;
      case 'interaction.created':
      case 'interaction.reopened':
      case 'interaction.queued':
        queueChanged(e.campaignId);
        return;
      case 'smtp.held':
      case 'smtp.resumed': {
        // the campaigns screen shows a held account and what waits behind it;
        // the campaign's agents see their messages wait for the mail server (or go)
        const msg = { type: 'campaign.changed', campaignId: e.campaignId };
        toStaff(msg);
        if (byUser.size === 0) return;
        deps.db.query<{ user_id: string }>('SELECT user_id FROM campaign_members WHERE campaign_id = $1', [e.campaignId]).then(({ rows }) => {
          // staff had it above
          for (const r of rows) for (const c of byUser.get(r.user_id) ?? []) if (!c.staff) send(c, msg);
        }, fail);
        return;
      }
      case 'agent.presence_changed':
        toUser(e.userId, { type: 'presence.changed', state: e.state });
        toStaff({ type: 'agent.changed', userId: e.userId, state: e.state });
        return;
      case 'agent.logged_out':
        for (const c of byUser.get(e.userId) ?? []) c.socket.close(4001, 'logged out');
        return;
      case 'user.access_changed':
        void recheck([...(byUser.get(e.userId) ?? [])]);
        return;
      default:
        return;
    }
  };
  // A socket lives only as long as its session or token, with the rights it
  // was opened with: ended (logout, disable, expiry, revoked) → closed; other
  // rights (a new role, a capped token) → closed, so the console reconnects
  // with what the user may see now. Run on each change to the user (from any
  // node) and on every heartbeat, which also covers expiry and a missed event.
  const recheck = (targets: Client[]): Promise<void> => {
    if (targets.length === 0) return Promise.resolve();
    return liveCredentials(deps.db, targets.map((c) => c.credential)).then((live) => {
      for (const c of targets) {
        const now = live.get(c.credential.toString('hex'));
        if (!now || now.userId !== c.userId) c.socket.close(CLOSE_ENDED, 'session ended');
        else if (seesAllCampaigns(now) !== c.staff) c.socket.close(CLOSE_RIGHTS_CHANGED, 'access changed');
      }
    }, fail);
  };
  let sweeping = false;
  const sweep = (): void => {
    if (sweeping) return;
    sweeping = true;
    void recheck([...clients]).finally(() => (sweeping = false));
  };
  const off = deps.onEvent(onEvent);

  let closed = false;
  const counts = (): Map<string, number> => new Map([...byUser].map(([u, set]) => [u, set.size]));
  let beating = false;
  const beat = (): void => {
    if (beating) return;
    beating = true;
    writeConnections(deps.db, deps.nodeId, counts(), deps.now())
      .catch((err: unknown) => deps.log.warn({ err: String(err) }, 'realtime heartbeat failed'))
      .finally(() => (beating = false));
  };
  const heartbeat = setInterval(() => {
    beat();
    sweep();
  }, HEARTBEAT_MS);
  const pinger = setInterval(() => {
    for (const c of clients) {
      const s = c.socket as WebSocket & { alive?: boolean };
      if (s.alive === false) s.terminate();
      else {
        s.alive = false;
        s.ping();
      }
    }
  }, PING_MS);

  return {
    add(socket, who) {
      const c: Client = { socket, userId: who.userId, staff: who.staff, credential: who.credential, pendingQueues: new Set(), flushTimer: null };
      clients.add(c);
      let set = byUser.get(who.userId);
      if (!set) byUser.set(who.userId, (set = new Set()));
      const first = set.size === 0;
      set.add(c);
      (socket as WebSocket & { alive?: boolean }).alive = true;
      socket.on('pong', () => ((socket as WebSocket & { alive?: boolean }).alive = true));
      socket.on('message', () => undefined); // the socket only pushes; commands go through the HTTP API
      socket.on('close', () => {
        clients.delete(c);
        if (c.flushTimer) clearTimeout(c.flushTimer);
        set.delete(c);
        if (set.size === 0) byUser.delete(who.userId);
      });
      if (first) beat();
      send(c, { type: 'hello', userId: who.userId });
    },
    async close() {
      if (closed) return;
      closed = true;
      off();
      clearInterval(heartbeat);
      clearInterval(pinger);
      for (const c of clients) c.socket.close(1001, 'server shutting down');
    },
  };
}
