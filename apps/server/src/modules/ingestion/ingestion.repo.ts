import type { Address, ParsedAttachment, ParsedMessage } from '@postdesk/mailkit/parse';
import type { Prepared, Queryable } from '../../platform/db/db.ts';
import { pgText, pgTextOrNull } from '../../platform/db/pg-text.ts';
import { contactUpsertSql, contactValues, participantsSql, participantValues } from '../interactions/index.ts';

/** Where an inbound message came from; exactly-once is enforced on it. */
export type MessageSource =
  | { kind: 'imap'; folder: string; uidvalidity: number; uid: number; resync: boolean }
  | { kind: 'pop3'; uidl: string }
  | { kind: 'reprocess'; quarantineId: number };

/** The source columns of a message or quarantine row. */
export interface SourceColumns {
  folder: string | null;
  uidvalidity: number | null;
  uid: number | null;
  uidl: string | null;
}

/** A Message-ID as stored and looked up: no NUL, and short enough for its btree index (hostile ids can be megabytes). */
export const idText = (s: string): string => pgText(s).slice(0, 998);

// The blob registry lives with the blob store; re-exported until ingest imports it from there.
export { recordBlobs } from '../../platform/blobs/blobs.repo.ts';

/** The key storedSources uses for a source. */
export const sourceKey = (s: SourceColumns): string | null =>
  s.uid !== null ? `uid:${s.folder}:${s.uidvalidity}:${s.uid}` : s.uidl !== null ? `uidl:${s.uidl}` : null;

/**
 * Which of these sources a message or quarantine row already holds (the
 * cursor is then behind: a replay after a crash), or a supervisor deleted
 * (deleted_messages), in one query for a commit group. Returns their sourceKey.
 */
export async function storedSources(q: Queryable, campaignId: string, sources: readonly SourceColumns[]): Promise<Set<string>> {
  const imap = sources.filter((s) => s.uid !== null);
  const pop3 = sources.filter((s) => s.uid === null && s.uidl !== null).map((s) => s.uidl!);
  if (imap.length === 0 && pop3.length === 0) return new Set();
  const { rows } = await q.query<{ folder: string | null; uidvalidity: number | null; uid: number | null; uidl: string | null }>(
    { name: 'ingest_stored_sources', text: `WITH wanted AS (SELECT * FROM unnest($2::text[], $3::bigint[], $4::bigint[]) AS w(folder, uidvalidity, uid))
     SELECT m.source_folder AS folder, m.source_uidvalidity AS uidvalidity, m.source_uid AS uid, NULL AS uidl
       FROM wanted w JOIN messages m ON m.campaign_id = $1 AND m.source_folder = w.folder AND m.source_uidvalidity = w.uidvalidity AND m.source_uid = w.uid
     UNION ALL
     SELECT x.source_folder, x.source_uidvalidity, x.source_uid, NULL
       FROM wanted w JOIN quarantine x ON x.campaign_id = $1 AND x.source_folder = w.folder AND x.source_uidvalidity = w.uidvalidity AND x.source_uid = w.uid
     UNION ALL
     SELECT NULL, NULL, NULL, m.source_uidl FROM messages m WHERE m.campaign_id = $1 AND m.source_uidl = ANY($5::text[])
     UNION ALL
     SELECT NULL, NULL, NULL, x.source_uidl FROM quarantine x WHERE x.campaign_id = $1 AND x.source_uidl = ANY($5::text[])
     UNION ALL
     SELECT d.source_folder, d.source_uidvalidity, d.source_uid, NULL
       FROM wanted w JOIN deleted_messages d ON d.campaign_id = $1 AND d.source_folder = w.folder AND d.source_uidvalidity = w.uidvalidity AND d.source_uid = w.uid
     UNION ALL
     SELECT NULL, NULL, NULL, d.source_uidl FROM deleted_messages d WHERE d.campaign_id = $1 AND d.source_uidl = ANY($5::text[])` },
    [campaignId, imap.map((s) => s.folder), imap.map((s) => s.uidvalidity), imap.map((s) => s.uid), pop3],
  );
  return new Set(rows.map((r) => sourceKey({ folder: r.folder, uidvalidity: r.uidvalidity, uid: r.uid, uidl: r.uidl })!));
}

/**
 * After a UIDVALIDITY change every message comes back under a new UID. The
 * second line of defence: the same bytes (and Message-ID) already stored for
 * this mailbox is the same message. Its row is moved to the new UID so the
 * next check finds it by source.
 */
export async function adoptResyncedMessage(
  q: Queryable,
  campaignId: string,
  rawSha256: string,
  messageId: string | null,
  s: SourceColumns,
): Promise<boolean> {
  const raw = Buffer.from(rawSha256, 'hex');
  const msg = await q.query(
    `UPDATE messages SET source_folder = $4, source_uidvalidity = $5, source_uid = $6
      WHERE id = (SELECT id FROM messages
                   WHERE campaign_id = $1 AND direction = 'inbound' AND raw_sha256 = $2
                     AND message_id IS NOT DISTINCT FROM $3
                     AND (source_uidvalidity IS DISTINCT FROM $5)
                   ORDER BY id LIMIT 1)`,
    [campaignId, raw, messageId === null ? null : idText(messageId), s.folder, s.uidvalidity, s.uid],
  );
  if ((msg.rowCount ?? 0) > 0) return true;
  const quarantined = await q.query(
    `UPDATE quarantine SET source_folder = $3, source_uidvalidity = $4, source_uid = $5, updated_at = now()
      WHERE id = (SELECT id FROM quarantine WHERE campaign_id = $1 AND raw_sha256 = $2
                    AND source_uidvalidity IS DISTINCT FROM $4 ORDER BY id LIMIT 1)`,
    [campaignId, raw, s.folder, s.uidvalidity, s.uid],
  );
  return (quarantined.rowCount ?? 0) > 0;
}

/**
 * True when a supervisor deleted a message of this mailbox with these exact
 * bytes (and Message-ID): it is never imported again, whatever its source
 * now (a new UIDVALIDITY epoch, a POP3 server that kept it).
 */
export async function deletedBefore(q: Queryable, campaignId: string, rawSha256: string, messageId: string | null): Promise<boolean> {
  const { rowCount } = await q.query(
    `SELECT 1 FROM deleted_messages WHERE campaign_id = $1 AND direction = 'inbound' AND raw_sha256 = $2 AND message_id IS NOT DISTINCT FROM $3 LIMIT 1`,
    [campaignId, Buffer.from(rawSha256, 'hex'), messageId === null ? null : idText(messageId)],
  );
  return (rowCount ?? 0) > 0;
}

/** True when this mailbox already stored these exact bytes (with this Message-ID), as a message or in quarantine. */
export async function sameContentStored(q: Queryable, campaignId: string, rawSha256: string, messageId: string | null): Promise<boolean> {
  const raw = Buffer.from(rawSha256, 'hex');
  const { rowCount } = await q.query(
    `SELECT 1 FROM messages WHERE campaign_id = $1 AND direction = 'inbound' AND raw_sha256 = $2 AND message_id IS NOT DISTINCT FROM $3
     UNION ALL SELECT 1 FROM quarantine WHERE campaign_id = $1 AND raw_sha256 = $2 LIMIT 1`,
    [campaignId, raw, messageId === null ? null : idText(messageId)],
  );
  return (rowCount ?? 0) > 0;
}

/** A thread candidate as stored: the interaction, its status and participants. */
export interface InteractionFacts {
  id: number;
  status: 'open' | 'closed';
  participants: string[];
}

/** Interactions of this campaign among ids, with participants; others' interactions are never candidates. */
export async function interactionFacts(q: Queryable, campaignId: string, ids: number[]): Promise<Map<number, InteractionFacts>> {
  const out = new Map<number, InteractionFacts>();
  if (ids.length === 0) return out;
  const { rows } = await q.query<{ id: number; status: 'open' | 'closed'; participants: string[] | null }>(
    { name: 'ingest_interaction_facts', text: `SELECT i.id, i.status, array_agg(p.address_norm) FILTER (WHERE p.address_norm IS NOT NULL) AS participants
       FROM interactions i LEFT JOIN interaction_participants p ON p.interaction_id = i.id
      WHERE i.campaign_id = $1 AND i.id = ANY($2::bigint[])
      GROUP BY i.id` },
    [campaignId, ids],
  );
  for (const r of rows) out.set(r.id, { id: r.id, status: r.status, participants: r.participants ?? [] });
  return out;
}

/** Interactions holding any of these Message-IDs (inbound or outbound) in this campaign, newest message first. */
export async function interactionsByMessageIds(q: Queryable, campaignId: string, messageIds: string[]): Promise<number[]> {
  if (messageIds.length === 0) return [];
  const { rows } = await q.query<{ interaction_id: number }>(
    { name: 'ingest_interactions_by_message_ids', text: `SELECT interaction_id FROM messages
      WHERE campaign_id = $1 AND message_id = ANY($2::text[]) AND interaction_id IS NOT NULL
      GROUP BY interaction_id ORDER BY max(id) DESC` },
    [campaignId, messageIds.map(idText)],
  );
  return rows.map((r) => r.interaction_id);
}

/** The outbound message a bounce or report names, if it is ours and in this campaign. */
export async function findOutboundByMessageIds(
  q: Queryable,
  campaignId: string,
  messageIds: string[],
): Promise<{ id: number; interaction_id: number | null } | null> {
  if (messageIds.length === 0) return null;
  const { rows } = await q.query<{ id: number; interaction_id: number | null }>(
    `SELECT id, interaction_id FROM messages
      WHERE campaign_id = $1 AND direction = 'outbound' AND message_id = ANY($2::text[]) ORDER BY id DESC LIMIT 1`,
    [campaignId, messageIds.map(idText)],
  );
  return rows[0] ?? null;
}

// The campaign's contact list is the campaigns module's; re-exported until ingest imports it from there.
export { contactListFor } from '../campaigns/index.ts';

export interface NewInteraction {
  campaignId: string;
  /** The customer, upserted into this contact list in the same statement (one round trip); null for none. */
  contact: { listId: string; who: Address; norm: string } | null;
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
  ...(row.contact ? contactValues(row.contact.listId, row.contact.who, row.contact.norm) : [null, '', '', '']),
  pgText(row.address).slice(0, 320),
  pgText(row.name).slice(0, 200),
  pgText(row.subject).slice(0, 998),
  row.linkedTo,
];

// Written by the interactions module; re-exported until ingest imports it from there.
export { touchInteraction } from '../interactions/index.ts';

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
  source: SourceColumns;
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

/** Counts messages stored for the mailbox and marks the sync as successful now. */
export async function countIngested(q: Queryable, campaignId: string, n = 1): Promise<void> {
  await q.query(
    `INSERT INTO mailboxes (campaign_id, ingested, last_sync_at) VALUES ($1, $2, now())
     ON CONFLICT (campaign_id) DO UPDATE SET ingested = mailboxes.ingested + $2, last_sync_at = now(), updated_at = now()`,
    [campaignId, n],
  );
}
