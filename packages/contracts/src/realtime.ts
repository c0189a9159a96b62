import type { Offer, PresenceState } from './routing.ts';

/** What the server pushes on /api/ws; unknown types are ignored by the client. */
export type RealtimeMessage =
  | { type: 'hello'; userId: string }
  | { type: 'offer.created'; offer: Offer }
  | { type: 'offer.ended'; offerId: number; interactionId: number; state: string }
  | { type: 'interaction.assigned'; interactionId: number; campaignId: string }
  | { type: 'interaction.removed'; interactionId: number }
  | { type: 'message.received'; interactionId: number; messageId: number }
  | { type: 'message.changed'; interactionId: number; messageId: number; state: string }
  | { type: 'presence.changed'; state: PresenceState }
  | { type: 'agent.changed'; userId: string; state: PresenceState }
  | { type: 'queue.changed'; campaignIds: string[] }
  | { type: 'campaign.changed'; campaignId: string };
