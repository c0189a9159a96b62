import { composeMessage, messageEnvelope, type ComposeInput } from '@postdesk/mailkit/compose';
import { createMessageId } from '@postdesk/mailkit/threading';
import type { BlobStore } from '../../platform/blobs/blob-store.ts';
import type { Queryable } from '../../platform/db/db.ts';
import { emitEvent } from '../../platform/events/events.ts';
import { recordBlobs } from '../../platform/blobs/blobs.repo.ts';
import { insertOutboundMessage } from '../interactions/index.ts';
import { insertOutboxEntry } from './outbox.repo.ts';

/** What the caller decides about an outbound message; the Message-ID, date and envelope are ours to set. */
export interface OutboundDraft {
  campaignId: string;
  interactionId: number;
  kind: 'agent' | 'confirmation' | 'out_of_hours';
  /** Everything of the message but its Message-ID and date. */
  compose: Omit<ComposeInput, 'messageId' | 'date'>;
  /** The agent who wrote it; absent for automatic mail. */
  sentBy?: string;
  /** The random key of the rating links the message carries (see rating-token.ts). */
  ratingKey?: Buffer;
}

/** What enqueueing produced: the stored message and our Message-ID. */
export interface Enqueued {
  messageId: number;
  messageIdHeader: string;
}

/**
 * Writes an outbound message and its outbox entry inside the caller's
 * transaction: our HMAC-signed Message-ID is chosen and the raw bytes composed
 * and stored before the commit, so the worker sends exactly these bytes, a
 * retry can never produce a second, different message, and a reply to it
 * threads back. Nothing reaches SMTP until the transaction commits.
 */
export async function enqueueOutbound(
  q: Queryable,
  deps: { blobs: BlobStore; mailSecret: Buffer; now: () => Date },
  draft: OutboundDraft,
): Promise<Enqueued> {
  const domain = draft.compose.from.address.split('@')[1]!.toLowerCase();
  const messageIdHeader = createMessageId({ interactionId: String(draft.interactionId), domain, secret: deps.mailSecret });
  const raw = await composeMessage({ ...draft.compose, messageId: messageIdHeader, date: deps.now() });
  const blob = await deps.blobs.put(raw);
  const files = await Promise.all((draft.compose.attachments ?? []).map((a) => deps.blobs.put(a.content)));
  await recordBlobs(q, [blob, ...files]);
  const c = draft.compose;
  const attachments = c.attachments ?? [];
  const id = await insertOutboundMessage(q, {
    campaignId: draft.campaignId,
    interactionId: draft.interactionId,
    kind: draft.kind,
    messageIdHeader,
    inReplyTo: c.inReplyTo ?? null,
    references: c.references ?? [],
    subject: c.subject,
    from: { address: c.from.address, name: c.from.name ?? '' },
    to: c.to.map((a) => ({ address: a.address, name: a.name ?? '' })),
    cc: (c.cc ?? []).map((a) => ({ address: a.address, name: a.name ?? '' })),
    sentDate: deps.now(),
    text: c.text ?? null,
    html: c.html ?? null,
    raw: blob,
    sentBy: draft.sentBy ?? null,
    ratingKey: draft.ratingKey ?? null,
    attachments: attachments.map((a, i) => ({ filename: a.filename, contentType: a.contentType, sha256: files[i]!.sha256, size: files[i]!.size, cid: a.cid ?? null })),
  });
  const envelope = messageEnvelope(c);
  await insertOutboxEntry(q, { messageId: id, campaignId: draft.campaignId, envelopeFrom: envelope.from, envelopeTo: envelope.to });
  await emitEvent(q, { type: 'outbox.changed', campaignId: draft.campaignId, messageId: id, state: 'queued' });
  return { messageId: id, messageIdHeader };
}
