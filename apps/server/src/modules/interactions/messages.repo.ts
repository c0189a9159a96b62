import type { Queryable } from '../../platform/db/db.ts';

// Message rows and their attachment rows: every write to `messages` and
// `attachments` is here.

/** An outbound message as stored: the composed bytes are already in the blob store and registered. */
export interface OutboundMessageRow {
  campaignId: string;
  interactionId: number;
  kind: 'agent' | 'confirmation' | 'out_of_hours';
  messageIdHeader: string;
  inReplyTo: string | null;
  references: readonly string[];
  subject: string;
  from: { address: string; name: string };
  to: Array<{ address: string; name: string }>;
  cc: Array<{ address: string; name: string }>;
  sentDate: Date;
  text: string | null;
  html: string | null;
  raw: { sha256: string; size: number };
  sentBy: string | null;
  ratingKey: Buffer | null;
  /** Listed like an inbound message's files, so the thread shows them and a forward can reuse them; the part path is their position. */
  attachments: Array<{ filename: string; contentType: string; sha256: string; size: number; cid: string | null }>;
}

/** Inserts an outbound message and its attachment rows; returns the message's id. */
export async function insertOutboundMessage(q: Queryable, m: OutboundMessageRow): Promise<number> {
  const { rows } = await q.query<{ id: number }>(
    `INSERT INTO messages (campaign_id, interaction_id, direction, kind, message_id, in_reply_to, references_ids, subject,
                           from_address, from_name, to_addresses, cc_addresses, sent_date, text_body, html_body, raw_sha256, size,
                           sent_by, rating_key)
     VALUES ($1, $2, 'outbound', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id`,
    [
      m.campaignId,
      m.interactionId,
      m.kind,
      m.messageIdHeader,
      m.inReplyTo ? [m.inReplyTo] : [],
      [...m.references],
      m.subject,
      m.from.address,
      m.from.name,
      JSON.stringify(m.to),
      JSON.stringify(m.cc),
      m.sentDate,
      m.text,
      m.html,
      Buffer.from(m.raw.sha256, 'hex'),
      m.raw.size,
      m.sentBy,
      m.ratingKey,
    ],
  );
  const id = rows[0]!.id;
  const files = m.attachments;
  if (files.length > 0) {
    await q.query(
      `INSERT INTO attachments (message_id, part_path, filename, content_type, size, sha256, content_id, inline)
       SELECT $1, a.path, a.filename, a.content_type, a.size, decode(a.sha256, 'hex'), a.cid, a.cid IS NOT NULL
         FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[]) AS a(path, filename, content_type, size, sha256, cid)`,
      [
        id,
        files.map((_a, i) => String(i + 1)),
        files.map((a) => a.filename),
        files.map((a) => a.contentType),
        files.map((a) => a.size),
        files.map((a) => a.sha256),
        files.map((a) => a.cid),
      ],
    );
  }
  return id;
}

/** The newest message of an interaction, preferring the customer's: what a reply answers when the agent names none. */
export async function latestCustomerMessageId(q: Queryable, interactionId: number): Promise<number | null> {
  const { rows } = await q.query<{ id: number }>(
    `SELECT id FROM messages WHERE interaction_id = $1 ORDER BY (direction = 'inbound') DESC, created_at DESC, id DESC LIMIT 1`,
    [interactionId],
  );
  return rows[0]?.id ?? null;
}
