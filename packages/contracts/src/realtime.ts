import { z } from 'zod';
import { offerSchema, presenceStateSchema } from './routing.ts';

// What the server pushes on the workspace's WebSocket (GET /api/ws). Pushes
// are hints — ids and the few fields a notification shows; screens re-read
// the rest through the API. The server builds these (realtime-hub.ts) and the
// console parses them; a type it does not know is ignored.

/** One push on /api/ws, told apart by `type`. */
export const realtimeMessageSchema = z.discriminatedUnion('type', [
  /** the socket is open and authenticated */
  z.object({ type: z.literal('hello'), userId: z.string() }),
  /** an offer made to this agent */
  z.object({ type: z.literal('offer.created'), offer: offerSchema }),
  /** an offer to this agent ended unaccepted: declined, expired or withdrawn */
  z.object({ type: z.literal('offer.ended'), offerId: z.number(), interactionId: z.number(), state: z.string() }),
  /** an interaction is now in this agent's hands */
  z.object({ type: z.literal('interaction.assigned'), interactionId: z.number(), campaignId: z.string() }),
  /** an interaction left this agent's hands (closed, transferred) */
  z.object({ type: z.literal('interaction.removed'), interactionId: z.number() }),
  /** new mail in an interaction this agent holds */
  z.object({ type: z.literal('message.received'), interactionId: z.number(), messageId: z.number() }),
  /** a message of this agent's interaction changed on its way out (queued, sent, failed, held) */
  z.object({ type: z.literal('message.changed'), interactionId: z.number(), messageId: z.number(), state: z.string() }),
  /** this user's own presence changed (from another tab, a supervisor, the sweep) */
  z.object({ type: z.literal('presence.changed'), state: presenceStateSchema }),
  /** staff: an agent's presence changed */
  z.object({ type: z.literal('agent.changed'), userId: z.string(), state: presenceStateSchema }),
  /** staff: these campaigns' queue figures changed (coalesced, at most five a second) */
  z.object({ type: z.literal('queue.changed'), campaignIds: z.array(z.string()) }),
  /** a campaign's SMTP account was held or resumed: its screen and its waiting messages */
  z.object({ type: z.literal('campaign.changed'), campaignId: z.string() }),
  /** staff: a campaign's OAuth2 grant is gone (consent revoked, expired): its mailbox and sending wait until an admin signs in again */
  z.object({ type: z.literal('oauth.sign_in_needed'), campaignId: z.string(), email: z.string() }),
  /** everyone: the pause reasons to choose from changed (re-read them) */
  z.object({ type: z.literal('pause_reasons.changed') }),
]);
/** What the server pushes on /api/ws. */
export type RealtimeMessage = z.infer<typeof realtimeMessageSchema>;
/** Every push type, in the order of the union (the documentation lists them). */
export const REALTIME_MESSAGE_TYPES = realtimeMessageSchema.options.map((o) => o.shape.type.value);
