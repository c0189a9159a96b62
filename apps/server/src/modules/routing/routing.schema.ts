import { z } from 'zod';

/** An agent's presence change. */
export const PresenceIn = z.strictObject({
  state: z.enum(['offline', 'available', 'paused']),
  pauseReasonId: z.uuid('not a valid pause reason id').nullable().optional(),
});
export const PresenceOut = z.object({ state: z.string(), pauseReasonId: z.string().nullable(), pauseReason: z.string().nullable(), since: z.string().nullable() });
export const OfferOut = z.object({
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
export const AssignedOut = z.object({
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
export const CloseIn = z.strictObject({ dispositionId: z.uuid('not a valid disposition id').nullable().optional() }).nullish();
export const DisposingIn = z.strictObject({ active: z.boolean() });
export const TransferIn = z.union([z.strictObject({ userId: z.uuid('not a valid user id') }), z.strictObject({ campaignId: z.uuid('not a valid campaign id') })]);
export const PauseReasonIn = z.strictObject({ name: z.string().trim().min(1, 'required').max(60, 'at most 60 characters') });
export const PauseReasonOut = z.object({ id: z.string(), name: z.string() });
export const AgentOut = z.object({
  userId: z.string(),
  username: z.string(),
  displayName: z.string(),
  state: z.string(),
  pauseReason: z.string().nullable(),
  since: z.string().nullable(),
  active: z.number(),
  pending: z.number(),
  campaignKeys: z.array(z.string()),
  connected: z.boolean(),
});
/** A period of the queue figures: today in each campaign's zone unless from / to are given. */
export const Period = z
  .strictObject({ from: z.iso.datetime({ offset: true }).optional(), to: z.iso.datetime({ offset: true }).optional() })
  .refine((p) => !p.from || !p.to || Date.parse(p.from) < Date.parse(p.to), { message: 'from must be before to', path: ['from'] });
