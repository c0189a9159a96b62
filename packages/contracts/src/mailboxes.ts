import { z } from 'zod';
import { inboundProtocolSchema } from './campaigns.ts';
import { oauthAccountStateSchema } from './oauth.ts';

// Mailbox sync state and the quarantine of mail that could not be imported.

export const mailboxStateSchema = z.enum(['connected', 'connecting', 'idle', 'backoff', 'needs_attention', 'stopped']);
/** What a campaign's mailbox reader is doing right now. */
export type MailboxState = z.infer<typeof mailboxStateSchema>;

export const mailboxSchema = z.object({
  campaignId: z.string(),
  campaignName: z.string(),
  campaignKey: z.string(),
  protocol: inboundProtocolSchema,
  folder: z.string().nullable(),
  state: mailboxStateSchema,
  lastSyncAt: z.string().nullable(),
  lastError: z.string().nullable(),
  lastErrorAt: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  waiting: z.number(),
  quarantined: z.number(),
  ingested: z.number(),
  /** The OAuth2 account the mailbox signs in with, when it does: its state says whether someone must sign in again. */
  oauth: z.object({ accountId: z.string(), providerId: z.string(), email: z.string(), state: oauthAccountStateSchema }).nullable().optional(),
});
/** The live state of one receiving campaign's mailbox. */
export type Mailbox = z.infer<typeof mailboxSchema>;
export const mailboxListSchema = z.object({ items: z.array(mailboxSchema) });

export const quarantineStateSchema = z.enum(['quarantined', 'released']);
/** Whether a quarantined message is still held or has since been ingested. */
export type QuarantineState = z.infer<typeof quarantineStateSchema>;

export const quarantineItemSchema = z.object({
  id: z.string(),
  campaignId: z.string(),
  campaignName: z.string(),
  reasonCode: z.string(),
  reason: z.string(),
  size: z.number(),
  // Sender and subject come from the message itself: hostile text, shown as plain text only.
  subject: z.string().nullable(),
  from: z.string().nullable(),
  createdAt: z.string(),
  state: quarantineStateSchema,
});
/** A received message the importer could not turn into an interaction. */
export type QuarantineItem = z.infer<typeof quarantineItemSchema>;
export const quarantineListSchema = z.object({ items: z.array(quarantineItemSchema) });
export const reprocessResultSchema = z.object({
  outcome: z.enum(['ingested', 'still_quarantined']),
  reason: z.string().nullable(),
});
/** What reprocessing one quarantined message achieved. */
export type ReprocessResult = z.infer<typeof reprocessResultSchema>;

// Requests

export const mailboxParamsSchema = z.strictObject({ campaignId: z.uuid() });
export const quarantineParamsSchema = z.strictObject({ id: z.string().regex(/^\d{1,18}$/, 'a quarantine id') });
/** The quarantine, newest first: of one campaign, before a time (paging). */
export const quarantineQuerySchema = z.strictObject({
  campaignId: z.uuid().optional(),
  before: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
/** A quarantined message's raw bytes, as a download. */
export const rawMessageSchema = z.string().describe('the message as received (message/rfc822 bytes)');
