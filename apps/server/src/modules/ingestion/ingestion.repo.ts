import type { Queryable } from '../../platform/db/db.ts';
import { idText, type MessageSourceColumns } from '../interactions/index.ts';

/** Where an inbound message came from; exactly-once is enforced on it. */
export type MessageSource =
  | { kind: 'imap'; folder: string; uidvalidity: number; uid: number; resync: boolean }
  | { kind: 'pop3'; uidl: string }
  | { kind: 'reprocess'; quarantineId: number };

/** The source columns of a message or quarantine row. */
export type SourceColumns = MessageSourceColumns;

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

/** Counts messages stored for the mailbox and marks the sync as successful now. */
export async function countIngested(q: Queryable, campaignId: string, n = 1): Promise<void> {
  await q.query(
    `INSERT INTO mailboxes (campaign_id, ingested, last_sync_at) VALUES ($1, $2, now())
     ON CONFLICT (campaign_id) DO UPDATE SET ingested = mailboxes.ingested + $2, last_sync_at = now(), updated_at = now()`,
    [campaignId, n],
  );
}
