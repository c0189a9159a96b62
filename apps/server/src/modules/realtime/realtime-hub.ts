import type { WebSocket } from 'ws';
import type { RealtimeMessage } from '@postdesk/contracts';
import type { Db } from '../../platform/db/db.ts';
import type { DomainEvent } from '../../platform/events/events.ts';
import type { Logger } from '../../platform/log/logger.ts';
import { isStaff, liveCredentials, seesAllCampaigns } from '../auth/index.ts';
import { listCampaigns } from '../campaigns/index.ts';
import { assigneeOf, assigneeOfMessage } from '../interactions/index.ts';
import { agentCampaignIds, campaignMemberIds } from '../members/index.ts';
import { offerViews, presentOffer, writeConnections } from '../routing/index.ts';

/** One open workspace socket and who is behind it. */
interface Client {
  socket: WebSocket;
  userId: string;
  staff: boolean;
  /** The campaigns a staff socket hears of: null for every one (admins), else the supervisor's (campaignScope). */
  scope: Set<string> | null;
  /** The session's or token's hash the socket was opened with: it lives only as long as that does. */
  credential: Buffer;
  /** Campaign ids with a queue change not yet sent to this staff socket (coalesced). */
  pendingQueues: Set<string>;
  flushTimer: NodeJS.Timeout | null;
}

/** Who opened a socket, and with which session or token (its SHA-256). */
export interface SocketOwner {
  userId: string;
  /** Admin or supervisor (auth's isStaff): hears queue and agent changes. */
  staff: boolean;
  /** Sees every campaign (auth's seesAllCampaigns); otherwise only its campaignScope's. */
  all: boolean;
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
// A sending dialer moves its counters many times a second; its dashboard re-reads at most twice.
const DIALER_COALESCE_MS = 500;
const HEARTBEAT_MS = 5_000;
const PING_MS = 30_000;

/**
 * Pushes each node's events to the sockets open here, filtered per user.
 * An agent receives only what names them: offers made to them, interactions
 * assigned to them, messages in interactions they hold, their own presence.
 * Staff receive queue and agent changes: admins of every campaign, a
 * supervisor only of the campaigns they supervise (and of those campaigns'
 * agents), read when the socket opens and again when their access changes. Messages carry ids and the few fields a notification shows;
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
  const sees = (c: Client, campaignId: string): boolean => c.staff && (c.scope === null || c.scope.has(campaignId));
  const toStaffOf = (campaignId: string, msg: RealtimeMessage): void => {
    for (const c of clients) if (sees(c, campaignId)) send(c, msg);
  };
  const queueChanged = (campaignId: string): void => {
    for (const c of clients) {
      if (!sees(c, campaignId)) continue;
      c.pendingQueues.add(campaignId);
      c.flushTimer ??= setTimeout(() => {
        c.flushTimer = null;
        const ids = [...c.pendingQueues];
        c.pendingQueues.clear();
        send(c, { type: 'queue.changed', campaignIds: ids });
      }, QUEUE_COALESCE_MS);
    }
  };
  const dialerTimers = new Map<string, NodeJS.Timeout>();
  const dialerChanged = (dialerId: string): void => {
    if (dialerTimers.has(dialerId)) return;
    dialerTimers.set(
      dialerId,
      setTimeout(() => {
        dialerTimers.delete(dialerId);
        // a hint naming only the dialer: each screen re-reads it through the API, which applies the supervisor's scope
        for (const c of clients) if (c.staff) send(c, { type: 'dialer.changed', dialerId });
      }, DIALER_COALESCE_MS),
    );
  };
  const fail = (err: unknown): void => deps.log.warn({ err: String(err) }, 'realtime push failed');
  // An agent's change goes to admins, and to the supervisors of one of the agent's campaigns (read only when one is connected).
  const agentChanged = (agentId: string, msg: RealtimeMessage): void => {
    let scoped = false;
    for (const c of clients) {
      if (!c.staff) continue;
      if (c.scope === null) send(c, msg);
      else scoped = true;
    }
    if (!scoped) return;
    agentCampaignIds(deps.db, agentId).then((ids) => {
      for (const c of clients) if (c.staff && c.scope !== null && ids.some((id) => c.scope!.has(id))) send(c, msg);
    }, fail);
  };
  const scopeOf = async (userId: string, staff: boolean, all: boolean): Promise<Set<string> | null> =>
    !staff || all ? null : new Set((await listCampaigns(deps.db, { userId, all: false })).map((c) => c.id));
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
        toStaffOf(e.campaignId, msg);
        if (byUser.size === 0) return;
        campaignMemberIds(deps.db, e.campaignId).then((userIds) => {
          // staff had it above
          for (const userId of userIds) for (const c of byUser.get(userId) ?? []) if (!c.staff) send(c, msg);
        }, fail);
        return;
      }
      case 'dialer.changed':
        dialerChanged(e.dialerId);
        return;
      case 'oauth.sign_in_needed':
        // the admins must sign in again; the campaigns and mailbox screens re-read the account's state
        toStaffOf(e.campaignId, { type: 'oauth.sign_in_needed', campaignId: e.campaignId, email: e.email });
        toStaffOf(e.campaignId, { type: 'campaign.changed', campaignId: e.campaignId });
        return;
      case 'agent.presence_changed':
        toUser(e.userId, { type: 'presence.changed', state: e.state });
        agentChanged(e.userId, { type: 'agent.changed', userId: e.userId, state: e.state });
        return;
      case 'pause_reasons.changed':
        for (const c of clients) send(c, { type: 'pause_reasons.changed' });
        return;
      case 'agent.logged_out':
        for (const c of byUser.get(e.userId) ?? []) c.socket.close(4001, 'logged out');
        return;
      case 'user.access_changed':
        void recheck([...(byUser.get(e.userId) ?? [])]).then(() => recheckScope([...(byUser.get(e.userId) ?? [])]));
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
        else if (isStaff(now) !== c.staff || seesAllCampaigns(now) !== (c.scope === null && c.staff)) c.socket.close(CLOSE_RIGHTS_CHANGED, 'access changed');
      }
    }, fail);
  };
  // A supervisor's campaigns changed: a socket whose scope differs closes, so the console re-reads with the new one.
  const recheckScope = (targets: Client[]): Promise<void> =>
    Promise.all(
      targets.filter((c) => c.staff && c.scope !== null).map(async (c) => {
        const next = await scopeOf(c.userId, true, false);
        if (next && (next.size !== c.scope!.size || [...next].some((id) => !c.scope!.has(id)))) c.socket.close(CLOSE_RIGHTS_CHANGED, 'access changed');
      }),
    ).then(() => undefined, fail);
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
      // a supervisor hears nothing until their scope is read; hello says it has been
      const c: Client = { socket, userId: who.userId, staff: who.staff, scope: who.staff && !who.all ? new Set() : null, credential: who.credential, pendingQueues: new Set(), flushTimer: null };
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
      scopeOf(who.userId, who.staff, who.all).then((scope) => {
        if (scope) c.scope = scope;
        send(c, { type: 'hello', userId: who.userId });
      }, (err: unknown) => {
        fail(err);
        c.socket.close(1011, 'try again');
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      off();
      for (const t of dialerTimers.values()) clearTimeout(t);
      clearInterval(heartbeat);
      clearInterval(pinger);
      for (const c of clients) c.socket.close(1001, 'server shutting down');
    },
  };
}
