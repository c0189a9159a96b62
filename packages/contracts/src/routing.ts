import { z } from 'zod';

// Routing: presence, offers, the agent's interactions, the supervisor's live view.

export const presenceStateSchema = z.enum(['offline', 'available', 'paused']);
export type PresenceState = z.infer<typeof presenceStateSchema>;

export const presenceSchema = z.object({
  state: presenceStateSchema,
  pauseReasonId: z.string().nullable(),
  pauseReason: z.string().nullable(),
  since: z.string().nullable(),
});
export type Presence = z.infer<typeof presenceSchema>;

export const pauseReasonSchema = z.object({ id: z.string(), name: z.string() });
export type PauseReason = z.infer<typeof pauseReasonSchema>;
export const pauseReasonListSchema = z.object({ items: z.array(pauseReasonSchema) });

export const offerSchema = z.object({
  id: z.number(),
  interactionId: z.number(),
  campaignId: z.string(),
  campaignKey: z.string(),
  campaignName: z.string(),
  kind: z.string(),
  subject: z.string(),
  customerAddress: z.string(),
  customerName: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
});
export type Offer = z.infer<typeof offerSchema>;
export const offerListSchema = z.object({ items: z.array(offerSchema) });

export const assignedInteractionSchema = z.object({
  id: z.number(),
  campaignId: z.string(),
  campaignKey: z.string(),
  subject: z.string(),
  customerAddress: z.string(),
  customerName: z.string(),
  unread: z.boolean(),
  assignedAt: z.string().nullable(),
  lastMessageAt: z.string(),
});
export type AssignedInteraction = z.infer<typeof assignedInteractionSchema>;
export const assignedInteractionListSchema = z.object({ items: z.array(assignedInteractionSchema) });

export const thresholdColourSchema = z.enum(['ok', 'warn', 'bad']);
export type ThresholdColour = z.infer<typeof thresholdColourSchema>;

export const queueFiguresSchema = z.object({
  campaignId: z.string(),
  campaignKey: z.string(),
  campaignName: z.string(),
  open: z.boolean(),
  waiting: z.number(),
  offered: z.number(),
  inProgress: z.number(),
  longestWaitSec: z.number(),
  accepted: z.number(),
  acceptedWithinSl: z.number(),
  abandoned: z.number(),
  serviceLevelPct: z.number().nullable(),
  dropoutPct: z.number().nullable(),
  avgAnswerSec: z.number().nullable(),
  avgHandlingSec: z.number().nullable(),
  serviceLevelSec: z.number(),
  /** The campaign's SMTP account is held back: its replies wait for the mail server. */
  sendingHeld: z.object({ since: z.string(), retryAt: z.string().nullable(), waiting: z.number(), response: z.string() }).nullable().optional(),
  agents: z.object({ available: z.number(), paused: z.number(), offline: z.number(), busy: z.number() }),
  colours: z.object({
    longestWait: thresholdColourSchema,
    serviceLevel: thresholdColourSchema,
    dropout: thresholdColourSchema,
    handling: thresholdColourSchema,
  }),
});
export type QueueFigures = z.infer<typeof queueFiguresSchema>;
export const queueFiguresListSchema = z.object({ items: z.array(queueFiguresSchema) });

export const liveAgentSchema = z.object({
  userId: z.string(),
  username: z.string(),
  displayName: z.string(),
  state: presenceStateSchema,
  pauseReason: z.string().nullable(),
  since: z.string().nullable(),
  active: z.number(),
  pending: z.number(),
  campaignKeys: z.array(z.string()),
  connected: z.boolean(),
  /** Available but at the maximum of every campaign (interactions in hand plus offers out): nothing more is offered. */
  busy: z.boolean(),
  /** Interactions the agent closed since midnight (server time), inbound and outbound. */
  completedToday: z.number(),
});
export type LiveAgent = z.infer<typeof liveAgentSchema>;
export const liveAgentListSchema = z.object({ items: z.array(liveAgentSchema) });

/** A mail in the queue now, as the supervisor's waiting table lists it (longest first). */
export const waitingItemSchema = z.object({
  interactionId: z.number(),
  campaignId: z.string(),
  campaignKey: z.string(),
  customerAddress: z.string(),
  customerName: z.string(),
  subject: z.string(),
  /** When it last entered the queue: time on hold runs from here. */
  queuedAt: z.string(),
  state: z.enum(['waiting', 'offered']),
  /** Waiting for the agent who last handled it (reopened mail), until the sticky time ends. */
  stickyAgent: z.string().nullable(),
  /** Transferred in from another campaign. */
  transferred: z.boolean(),
});
export type WaitingItem = z.infer<typeof waitingItemSchema>;
export const waitingListSchema = z.object({ items: z.array(waitingItemSchema) });

/** One agent as the supervisor's info panel shows them: profile, campaigns in the supervisor's scope, today's figures. */
export const agentInfoSchema = z.object({
  userId: z.string(),
  username: z.string(),
  displayName: z.string(),
  email: z.string().nullable(),
  language: z.string(),
  state: presenceStateSchema,
  pauseReason: z.string().nullable(),
  since: z.string().nullable(),
  campaigns: z.array(z.object({ id: z.string(), key: z.string(), name: z.string() })),
  today: z.object({ completed: z.number(), active: z.number(), pending: z.number() }),
});
export type AgentInfo = z.infer<typeof agentInfoSchema>;

// Requests

/** The monitor's campaign filter: one campaign, or every one in the supervisor's scope. */
export const monitorQuerySchema = z.strictObject({ campaignId: z.uuid('not a valid campaign id').optional() });
/** A supervisor pauses (with a reason) or unpauses an agent. */
export const agentPresenceBodySchema = z.strictObject({
  state: z.enum(['available', 'paused']),
  pauseReasonId: z.uuid('not a valid pause reason id').nullable().optional(),
});

export const presenceBodySchema = z.strictObject({
  state: presenceStateSchema,
  pauseReasonId: z.uuid('not a valid pause reason id').nullable().optional(),
});
export const acceptedOfferSchema = z.object({ interactionId: z.number() });
export const closeBodySchema = z.strictObject({ dispositionId: z.uuid('not a valid disposition id').nullable().optional() }).nullish();
export const disposingBodySchema = z.strictObject({ active: z.boolean() });
export const disposingSchema = z.object({ paused: z.boolean() });
/** To an agent of the campaign, or to another campaign's queue. */
export const transferBodySchema = z.union([z.strictObject({ userId: z.uuid('not a valid user id') }), z.strictObject({ campaignId: z.uuid('not a valid campaign id') })]);
export const pauseReasonBodySchema = z.strictObject({ name: z.string().trim().min(1, 'required').max(60, 'at most 60 characters') });
/** A period of the queue figures: today in each campaign's zone unless from / to are given. */
export const queuePeriodQuerySchema = z
  .strictObject({ from: z.iso.datetime({ offset: true }).optional(), to: z.iso.datetime({ offset: true }).optional() })
  .refine((p) => !p.from || !p.to || Date.parse(p.from) < Date.parse(p.to), { message: 'from must be before to', path: ['from'] });
