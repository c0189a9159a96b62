import type { Address, ParsedAttachment, ParsedMessage } from '@postdesk/mailkit/parse';
import type { Prepared, Queryable } from '../../platform/db/db.ts';
import { pgText, pgTextOrNull } from '../../platform/db/pg-text.ts';
import { contactUpsertSql, contactValues, participantsSql, participantValues } from './contacts.repo.ts';

// Message rows and their attachment rows: every write to `messages` and
// `attachments` is here.

/** A Message-ID as stored and looked up: no NUL, and short enough for its btree index (hostile ids can be megabytes). */
export const idText = (s: string): string => pgText(s).slice(0, 998);

/** Where an inbound message was fetched from (its mailbox folder and UID, or its POP3 UIDL): exactly-once is enforced on it. */
export interface MessageSourceColumns {
  folder: string | null;
  uidvalidity: number | null;
  uid: number | null;
  uidl: string | null;
}

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

/** A customer's first message opens an interaction: who it is with and what it links to. */
export interface NewInteraction {
  campaignId: string;
  /** The customer, upserted into this contact list in the same statement (one round trip). */
  contact: { listId: string; who: Address; norm: string };
  address: string;
  name: string;
  subject: string;
  linkedTo: number | null;
}

// The contact and the interaction, as CTEs `contact` and `i` of one
// statement whose parameters for them start at `at` (campaign id at $1).
// A new interaction linked to an earlier one goes first to the agent who
// handled that one (sticky agent): it waits for them up to the campaign's
// "wait for the assigned agent", then for the campaign's members up to
// "wait for the assigned queue" at the head of the queue.
const interactionCtes = (at: number): string => `contact AS (${contactUpsertSql(at)}),
     i AS (
       INSERT INTO interactions (campaign_id, contact_id, customer_address, customer_name, subject, linked_to,
                                 last_agent, sticky_agent_until, sticky_queue_until)
       SELECT $1, (SELECT id FROM contact), $${at + 4}, $${at + 5}, $${at + 6}, $${at + 7}::bigint, s.last_agent,
              CASE WHEN s.last_agent IS NOT NULL THEN now() + make_interval(secs => c.wait_assigned_agent_sec) END,
              CASE WHEN s.last_agent IS NOT NULL THEN now() + make_interval(secs => c.wait_assigned_agent_sec + c.wait_assigned_queue_sec) END
         FROM campaigns c LEFT JOIN interactions s ON s.id = $${at + 7}::bigint AND s.campaign_id = c.id
        WHERE c.id = $1
       RETURNING id)`;
const interactionValues = (row: NewInteraction): unknown[] => [
  ...contactValues(row.contact.listId, row.contact.who, row.contact.norm),
  pgText(row.address).slice(0, 320),
  pgText(row.name).slice(0, 200),
  pgText(row.subject).slice(0, 998),
  row.linkedTo,
];

// A Date header is the sender's claim: years PostgreSQL or ISO 8601 cannot
// hold plainly ("+010000-…") would refuse the whole message, so they become null.
const sentDate = (iso: string | null): string | null => {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isFinite(t) && t >= Date.UTC(1900, 0, 1) && t < Date.UTC(10000, 0, 1) ? new Date(t).toISOString() : null;
};

const addressJson = (list: Address[]): string =>
  JSON.stringify(list.slice(0, 500).map((a) => ({ address: pgText(a.address), name: pgText(a.name) })));

/** An inbound message row to insert, with its files and the participants it adds. */
export interface InboundMessageRow {
  campaignId: string;
  interactionId: number | null;
  kind: string;
  parsed: ParsedMessage;
  rawSha256: string;
  size: number;
  source: MessageSourceColumns;
  relatedMessageId: number | null;
  reason: string | null;
  attachments: ParsedAttachment[];
  /** Normalised addresses that become participants of the interaction (none without one). */
  participants?: readonly string[];
}

// The message, its files and its participants as CTEs `m`, `a` and `p`,
// parameters $1..$30 (see messageValues), the interaction given as an SQL
// expression: a parameter, or a CTE inserting it in the same statement.
const messageCtes = (interaction: string): string => `m AS (
       INSERT INTO messages (campaign_id, interaction_id, direction, kind, message_id, in_reply_to, references_ids, subject,
                             from_address, from_name, to_addresses, cc_addresses, sent_date, text_body, html_body,
                             raw_sha256, size, source_folder, source_uidvalidity, source_uid, source_uidl,
                             related_message_id, classification_reason)
       VALUES ($1, ${interaction}, 'inbound', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
       RETURNING id),
     -- their blobs were recorded by the caller (recordBlobs)
     a AS (
       INSERT INTO attachments (message_id, part_path, filename, content_type, size, sha256, content_id, inline)
       SELECT m.id, f.* FROM m, unnest($23::text[], $24::text[], $25::text[], $26::bigint[], $27::bytea[], $28::text[], $29::boolean[]) AS f
       ON CONFLICT DO NOTHING),
     p AS (${participantsSql(interaction, '$30')})`;

function messageValues(row: InboundMessageRow): unknown[] {
  const p = row.parsed;
  const as = row.attachments;
  return [
    row.campaignId,
    row.interactionId,
    row.kind,
    p.messageId === null ? null : idText(p.messageId),
    p.inReplyTo.slice(0, 50).map(idText),
    p.references.slice(-100).map(idText),
    pgText(p.subject).slice(0, 998),
    pgText(p.from?.address ?? '').slice(0, 320),
    pgText(p.from?.name ?? '').slice(0, 200),
    addressJson(p.to),
    addressJson(p.cc),
    sentDate(p.date),
    pgTextOrNull(p.text),
    pgTextOrNull(p.html),
    Buffer.from(row.rawSha256, 'hex'),
    row.size,
    row.source.folder,
    row.source.uidvalidity,
    row.source.uid,
    row.source.uidl,
    row.relatedMessageId,
    pgTextOrNull(row.reason),
    as.map((a) => a.partPath),
    as.map((a) => pgText(a.filename)),
    as.map((a) => pgText(a.contentType)),
    as.map((a) => a.size),
    as.map((a) => Buffer.from(a.sha256, 'hex')),
    as.map((a) => pgTextOrNull(a.contentId)),
    as.map((a) => a.inline),
    participantValues(row.participants ?? []),
  ];
}

// Named: planned once per connection. These statements run for every
// message, and planning a seven-part statement costs more than running it.
const INSERT_MESSAGE: Prepared = { name: 'ingest_insert_message', text: `WITH ${messageCtes('$2::bigint')} SELECT id FROM m` };
const INSERT_MESSAGE_WITH_INTERACTION: Prepared = {
  name: 'ingest_insert_message_with_interaction',
  // $2 (the interaction id of messageValues) is null here, and names its type
  text: `WITH ${interactionCtes(31)}, ${messageCtes('COALESCE($2::bigint, (SELECT id FROM i))')}
     SELECT (SELECT id FROM i) AS interaction_id, (SELECT id FROM m) AS message_id`,
};

/**
 * Inserts an inbound message row with its attachments and adds the
 * interaction's new participants, in one statement: ingest commits run one
 * message after another, and on this machine each round trip to PostgreSQL
 * costs about a millisecond, several times the work of the insert itself.
 */
export async function insertInboundMessage(q: Queryable, row: InboundMessageRow): Promise<number> {
  const { rows } = await q.query<{ id: number }>(INSERT_MESSAGE, messageValues(row));
  return rows[0]!.id;
}

/**
 * A customer's first message: contact, interaction, participants, message
 * and files in one statement (the interaction's id flows through a CTE).
 */
export async function insertMessageWithInteraction(
  q: Queryable,
  row: Omit<InboundMessageRow, 'interactionId'>,
  interaction: Omit<NewInteraction, 'campaignId'>,
): Promise<{ interactionId: number; messageId: number }> {
  const { rows } = await q.query<{ interaction_id: number; message_id: number }>(
    INSERT_MESSAGE_WITH_INTERACTION,
    [...messageValues({ ...row, interactionId: null }), ...interactionValues({ ...interaction, campaignId: row.campaignId })],
  );
  return { interactionId: rows[0]!.interaction_id, messageId: rows[0]!.message_id };
}

/**
 * After a UIDVALIDITY change every message comes back under a new UID: the
 * same bytes (and Message-ID) already stored for this mailbox are the same
 * message, whose row is moved to the new UID so the next check finds it by
 * source. Returns whether one was.
 */
export async function adoptResyncedInbound(
  q: Queryable,
  campaignId: string,
  rawSha256: string,
  messageId: string | null,
  s: MessageSourceColumns,
): Promise<boolean> {
  const msg = await q.query(
    `UPDATE messages SET source_folder = $4, source_uidvalidity = $5, source_uid = $6
      WHERE id = (SELECT id FROM messages
                   WHERE campaign_id = $1 AND direction = 'inbound' AND raw_sha256 = $2
                     AND message_id IS NOT DISTINCT FROM $3
                     AND (source_uidvalidity IS DISTINCT FROM $5)
                   ORDER BY id LIMIT 1)`,
    [campaignId, Buffer.from(rawSha256, 'hex'), messageId === null ? null : idText(messageId), s.folder, s.uidvalidity, s.uid],
  );
  return (msg.rowCount ?? 0) > 0;
}
