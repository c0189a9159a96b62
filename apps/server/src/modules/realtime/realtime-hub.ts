import type { WebSocket } from 'ws';
import type { RealtimeMessage } from '@postdesk/contracts';
import type { Db } from '../../platform/db/db.ts';
import type { DomainEvent } from '../../platform/events/events.ts';
import type { Logger } from '../../platform/log/logger.ts';
import { liveCredentials, seesAllCampaigns } from '../auth/index.ts';
import { assigneeOf, assigneeOfMessage } from '../interactions/index.ts';
import { campaignMemberIds } from '../members/index.ts';
import { offerViews, presentOffer, writeConnections } from '../routing/index.ts';

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
  /** Told how many sockets are open here whenever that changes (the /metrics gauge). */
  onConnections?: (open: number) => void;
}

// Queue figures change in bursts; a supervisor screen needs them at most five times a second.
const QUEUE_COALESCE_MS = 200;
const HEARTBEAT_MS = 5_000;
const PING_MS = 30_000;

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

  const send = (c: Client, msg: RealtimeMessage): void => {
    if (c.socket.readyState === c.socket.OPEN) c.socket.send(JSON.stringify(msg));
  };
  const toUser = (userId: string, msg: RealtimeMessage): void => {
    for (const c of byUser.get(userId) ?? []) send(c, msg);
  };
  const toStaff = (msg: RealtimeMessage): void => {
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
  // Pushes to the agent working an interaction, found by `find` — read only when someone is connected here.
  const toAssignee = (find: () => Promise<{ interactionId: number; assignedTo: string | null } | null>, msg: (interactionId: number) => RealtimeMessage): void => {
    if (byUser.size === 0) return;
    find().then((r) => {
      if (r?.assignedTo) toUser(r.assignedTo, msg(r.interactionId));
    }, fail);
  };

  const onEvent = (e: DomainEvent): void => {
    switch (e.type) {
      case 'offer.created': {
        queueChanged(e.campaignId);
        const here = e.userIds.filter((u) => byUser.has(u));
        if (here.length === 0) return;
        offerViews(deps.db, { interactionId: e.interactionId, userIds: here }).then((views) => {
          for (const view of views) toUser(view.userId, { type: 'offer.created', offer: presentOffer(view) });
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
        const interactionId = e.interactionId;
        if (interactionId === null) return;
        toAssignee(async () => ({ interactionId, assignedTo: await assigneeOf(deps.db, interactionId) }), () => ({
          type: 'message.received',
          interactionId,
          messageId: e.messageId,
        }));
        return;
      }
      case 'outbox.changed':
        // the agent working the interaction sees their message go out (or fail)
        toAssignee(
          () => assigneeOfMessage(deps.db, e.messageId),
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
        const msg: RealtimeMessage = { type: 'campaign.changed', campaignId: e.campaignId };
        toStaff(msg);
        if (byUser.size === 0) return;
        campaignMemberIds(deps.db, e.campaignId).then((userIds) => {
          // staff had it above
          for (const userId of userIds) for (const c of byUser.get(userId) ?? []) if (!c.staff) send(c, msg);
        }, fail);
        return;
      }
      case 'oauth.sign_in_needed':
        // the admins must sign in again; the campaigns and mailbox screens re-read the account's state
        toStaff({ type: 'oauth.sign_in_needed', campaignId: e.campaignId, email: e.email });
        toStaff({ type: 'campaign.changed', campaignId: e.campaignId });
        return;
      case 'agent.presence_changed':
        toUser(e.userId, { type: 'presence.changed', state: e.state });
        toStaff({ type: 'agent.changed', userId: e.userId, state: e.state });
        return;
      case 'pause_reasons.changed':
        for (const c of clients) send(c, { type: 'pause_reasons.changed' });
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
      deps.onConnections?.(clients.size);
      let set = byUser.get(who.userId);
      if (!set) byUser.set(who.userId, (set = new Set()));
      const first = set.size === 0;
      set.add(c);
      (socket as WebSocket & { alive?: boolean }).alive = true;
      socket.on('pong', () => ((socket as WebSocket & { alive?: boolean }).alive = true));
      socket.on('message', () => undefined); // the socket only pushes; commands go through the HTTP API
      socket.on('close', () => {
        clients.delete(c);
        deps.onConnections?.(clients.size);
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
