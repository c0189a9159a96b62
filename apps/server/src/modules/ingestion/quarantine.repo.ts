import type { Queryable } from '../../platform/db/db.ts';
import { pgText, pgTextOrNull } from '../../platform/db/pg-text.ts';
import type { SourceColumns } from './ingestion.repo.ts';

/** A quarantined message as the quarantine screen lists it. */
export interface QuarantineListRow {
  id: number;
  campaign_id: string;
  name: string;
  reason_code: string;
  reason: string;
  size: number;
  subject: string | null;
  from_text: string | null;
  created_at: Date;
  state: 'quarantined' | 'released';
}

/** Quarantined messages, newest first, optionally of one campaign and before a time (paging). */
export async function listQuarantine(q: Queryable, f: { campaignId: string | null; before: string | null; limit: number; scope: { userId: string; all: boolean } }): Promise<QuarantineListRow[]> {
  const { rows } = await q.query<QuarantineListRow>(
    `SELECT q.id, q.campaign_id, c.name, q.reason_code, q.reason, q.size, q.subject, q.from_text, q.created_at, q.state
       FROM quarantine q JOIN campaigns c ON c.id = q.campaign_id
      WHERE ($1::uuid IS NULL OR q.campaign_id = $1) AND ($2::timestamptz IS NULL OR q.created_at < $2)
        AND ($4::boolean OR EXISTS (SELECT 1 FROM campaign_access a WHERE a.campaign_id = q.campaign_id AND a.user_id = $5))
      ORDER BY q.created_at DESC, q.id DESC LIMIT $3`,
    [f.campaignId, f.before, f.limit, f.scope.all, f.scope.userId],
  );
  return rows;
}

/** A quarantined message: where it came from, its raw bytes' key, and whether it is still held. */
export async function findQuarantined(q: Queryable, id: number): Promise<({ campaign_id: string; raw_sha256: Buffer; state: string; source: SourceColumns }) | undefined> {
  const { rows } = await q.query<{
    campaign_id: string;
    raw_sha256: Buffer;
    state: string;
    source_folder: string | null;
    source_uidvalidity: number | null;
    source_uid: number | null;
    source_uidl: string | null;
  }>('SELECT campaign_id, raw_sha256, state, source_folder, source_uidvalidity, source_uid, source_uidl FROM quarantine WHERE id = $1', [id]);
  const r = rows[0];
  if (!r) return undefined;
  return {
    campaign_id: r.campaign_id,
    raw_sha256: r.raw_sha256,
    state: r.state,
    source: { folder: r.source_folder, uidvalidity: r.source_uidvalidity, uid: r.source_uid, uidl: r.source_uidl },
  };
}

/** Releases a quarantined message, in the transaction that stores it as mail; false when it was released already. */
export async function releaseQuarantined(q: Queryable, id: number): Promise<boolean> {
  const r = await q.query(`UPDATE quarantine SET state = 'released', updated_at = now() WHERE id = $1 AND state = 'quarantined'`, [id]);
  return (r.rowCount ?? 0) > 0;
}

/** Remembers which message a released quarantine row became. */
export async function linkReleased(q: Queryable, id: number, messageId: number): Promise<void> {
  await q.query('UPDATE quarantine SET released_message_id = $2 WHERE id = $1', [id, messageId]);
}

/** Stores a message that could not be parsed, with its raw bytes; a replayed source changes nothing. */
export async function insertQuarantine(
  q: Queryable,
  row: { campaignId: string; rawSha256: string; size: number; code: string; reason: string; subject: string | null; from: string | null; source: SourceColumns },
): Promise<number | null> {
  const { rows } = await q.query<{ id: number }>(
    `INSERT INTO quarantine (campaign_id, raw_sha256, size, reason_code, reason, subject, from_text,
                             source_folder, source_uidvalidity, source_uid, source_uidl)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT DO NOTHING RETURNING id`,
    [
      row.campaignId,
      Buffer.from(row.rawSha256, 'hex'),
      row.size,
      row.code,
      pgText(row.reason),
      pgTextOrNull(row.subject),
      pgTextOrNull(row.from),
      row.source.folder,
      row.source.uidvalidity,
      row.source.uid,
      row.source.uidl,
    ],
  );
  return rows[0]?.id ?? null;
}

/** A reprocessed message refused again: its quarantine row stays, with the latest reason. */
export async function requarantine(q: Queryable, quarantineId: number, code: string, reason: string): Promise<void> {
  await q.query('UPDATE quarantine SET reason_code = $2, reason = $3, updated_at = now() WHERE id = $1', [quarantineId, code, pgText(reason)]);
}

/**
 * The quarantine's half of a resync's adoption (the messages' half is
 * adoptResyncedInbound): the same bytes already quarantined for this mailbox
 * are moved to the new UID. Returns whether a row was.
 */
export async function adoptResyncedQuarantine(q: Queryable, campaignId: string, rawSha256: string, s: SourceColumns): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE quarantine SET source_folder = $3, source_uidvalidity = $4, source_uid = $5, updated_at = now()
      WHERE id = (SELECT id FROM quarantine WHERE campaign_id = $1 AND raw_sha256 = $2
                    AND source_uidvalidity IS DISTINCT FROM $4 ORDER BY id LIMIT 1)`,
    [campaignId, Buffer.from(rawSha256, 'hex'), s.folder, s.uidvalidity, s.uid],
  );
  return (rowCount ?? 0) > 0;
}
