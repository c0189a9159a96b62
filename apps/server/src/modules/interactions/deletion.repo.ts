import type { Queryable } from '../../platform/db/db.ts';

/** What a deletion removed, and the blobs that may now be unreferenced. */
export interface DeletedInteractions {
  interactions: number;
  messages: number;
  /** Keys (hex) of the raw messages and files the deleted rows pointed at. */
  blobs: string[];
}

/**
 * Deletes interactions with everything hanging off them (messages, files,
 * notes, participants, offers, drafts, ratings, outbox: by cascade) in the
 * caller's transaction, after writing one tombstone per message (Message-ID,
 * hash of its bytes, where it came from) so ingestion never imports it
 * again. Returns the blobs they pointed at, for the caller to collect once
 * committed (a blob another message shares stays: the collector checks).
 */
export async function deleteInteractions(q: Queryable, ids: readonly number[], userId: string): Promise<DeletedInteractions> {
  const { rows: blobRows } = await q.query<{ sha256: Buffer }>(
    `SELECT m.raw_sha256 AS sha256 FROM messages m WHERE m.interaction_id = ANY($1::bigint[])
     UNION SELECT a.sha256 FROM attachments a JOIN messages m ON m.id = a.message_id WHERE m.interaction_id = ANY($1::bigint[])`,
    [ids],
  );
  const tomb = await q.query(
    `INSERT INTO deleted_messages (campaign_id, direction, message_id, raw_sha256, source_folder, source_uidvalidity, source_uid, source_uidl, deleted_by)
     SELECT m.campaign_id, m.direction, m.message_id, m.raw_sha256, m.source_folder, m.source_uidvalidity, m.source_uid, m.source_uidl, $2
       FROM messages m WHERE m.interaction_id = ANY($1::bigint[])`,
    [ids, userId],
  );
  const del = await q.query('DELETE FROM interactions WHERE id = ANY($1::bigint[])', [ids]);
  return { interactions: del.rowCount ?? 0, messages: tomb.rowCount ?? 0, blobs: blobRows.map((r) => r.sha256.toString('hex')) };
}
