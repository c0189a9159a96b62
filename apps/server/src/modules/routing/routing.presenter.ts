import { iso } from '../../platform/http/iso.ts';
import type { OfferView } from './offers.repo.ts';
import type { Presence } from './presence.ts';
import type { AgentStateRow, agentInfo, assignedInteractions, WaitingRow } from './supervisor.repo.ts';

/** An agent's presence as the API shows it. */
export const presentPresence = (p: Presence) => ({ ...p, since: iso(p.since) });

/** An offer as the agent's workspace shows it (also pushed on the socket). */
export const presentOffer = ({ userId: _u, ...o }: OfferView) => ({ ...o, createdAt: o.createdAt.toISOString(), expiresAt: o.expiresAt.toISOString() });

/** An interaction in the agent's hands. */
export const presentAssigned = (r: Awaited<ReturnType<typeof assignedInteractions>>[number]) => ({
  id: r.id,
  campaignId: r.campaign_id,
  campaignKey: r.key,
  subject: r.subject,
  customerAddress: r.customer_address,
  customerName: r.customer_name,
  unread: r.unread,
  assignedAt: iso(r.assigned_at),
  lastMessageAt: r.last_message_at.toISOString(),
});

/** An agent as the supervisor's Live view lists them. */
export const presentAgent = (r: AgentStateRow) => ({
  userId: r.id,
  username: r.username,
  displayName: r.display_name,
  state: r.state ?? ('offline' as const),
  pauseReason: r.reason,
  since: iso(r.since),
  active: r.active,
  pending: r.pending,
  campaignKeys: r.keys,
  connected: r.connected,
  busy: r.busy,
  completedToday: r.completed_today,
});

/** A mail in the queue, as the supervisor's waiting table lists it. */
export const presentWaiting = (r: WaitingRow) => ({
  interactionId: r.id,
  campaignId: r.campaign_id,
  campaignKey: r.key,
  customerAddress: r.customer_address,
  customerName: r.customer_name,
  subject: r.subject,
  queuedAt: r.queued_at.toISOString(),
  state: r.queue_state,
  stickyAgent: r.sticky_agent,
  transferred: r.transferred,
});

/** An agent as the supervisor's info panel shows them. */
export const presentAgentInfo = (r: NonNullable<Awaited<ReturnType<typeof agentInfo>>>) => ({
  userId: r.id,
  username: r.username,
  displayName: r.display_name,
  email: r.email,
  language: r.language,
  state: r.state ?? ('offline' as const),
  pauseReason: r.reason,
  since: iso(r.since),
  campaigns: r.campaigns,
  today: { completed: r.completed, active: r.active, pending: r.pending },
});
