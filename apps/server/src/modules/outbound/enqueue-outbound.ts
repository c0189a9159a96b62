import { composeMessage, messageEnvelope, type ComposeInput } from '@postdesk/mailkit/compose';
import { createMessageId } from '@postdesk/mailkit/threading';
import type { BlobStore } from '../../platform/blobs/blob-store.ts';
import type { Queryable } from '../../platform/db/db.ts';
import { emitEvent } from '../../platform/events/events.ts';
import { recordBlobs } from '../../platform/blobs/blobs.repo.ts';

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
  const { rows } = await q.query<{ id: number }>(
    `INSERT INTO messages (campaign_id, interaction_id, direction, kind, message_id, in_reply_to, references_ids, subject,
                           from_address, from_name, to_addresses, cc_addresses, sent_date, text_body, html_body, raw_sha256, size,
                           sent_by, rating_key)
     VALUES ($1, $2, 'outbound', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id`,
    [
      draft.campaignId,
      draft.interactionId,
      draft.kind,
      messageIdHeader,
      c.inReplyTo ? [c.inReplyTo] : [],
      [...(c.references ?? [])],
      c.subject,
      c.from.address,
      c.from.name ?? '',
      JSON.stringify(c.to.map((a) => ({ address: a.address, name: a.name ?? '' }))),
      JSON.stringify((c.cc ?? []).map((a) => ({ address: a.address, name: a.name ?? '' }))),
      deps.now(),
      c.text ?? null,
      c.html ?? null,
      Buffer.from(blob.sha256, 'hex'),
      blob.size,
      draft.sentBy ?? null,
      draft.ratingKey ?? null,
    ],
  );
  const id = rows[0]!.id;
  // The files are listed like an inbound message's, so the thread shows them
  // and a forward can reuse them; the part path is their position.
  const attachments = c.attachments ?? [];
  if (attachments.length > 0) {
    await q.query(
      `INSERT INTO attachments (message_id, part_path, filename, content_type, size, sha256, content_id, inline)
       SELECT $1, a.path, a.filename, a.content_type, a.size, decode(a.sha256, 'hex'), a.cid, a.cid IS NOT NULL
         FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[]) AS a(path, filename, content_type, size, sha256, cid)`,
      [
        id,
        attachments.map((_a, i) => String(i + 1)),
        attachments.map((a) => a.filename),
        attachments.map((a) => a.contentType),
        files.map((f) => f.size),
        files.map((f) => f.sha256),
        attachments.map((a) => a.cid ?? null),
      ],
    );
  }
  const envelope = messageEnvelope(c);
  await q.query(`INSERT INTO outbox (message_id, campaign_id, envelope_from, envelope_to) VALUES ($1, $2, $3, $4)`, [
    id,
    draft.campaignId,
    envelope.from,
    envelope.to,
  ]);
  await emitEvent(q, { type: 'outbox.changed', campaignId: draft.campaignId, messageId: id, state: 'queued' });
  return { messageId: id, messageIdHeader };
}
