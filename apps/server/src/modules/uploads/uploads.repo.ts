import type { Db, Queryable } from '../../platform/db/db.ts';

/** Bytes of the user's uploads that no sent message has used yet: what the quota counts. */
export async function unsentUploadBytes(q: Queryable, userId: string): Promise<number> {
  const { rows } = await q.query<{ bytes: number }>('SELECT coalesce(sum(size), 0)::bigint AS bytes FROM uploads WHERE user_id = $1', [userId]);
  return Number(rows[0]!.bytes);
}

/** Serialises one user's uploads until the transaction ends, so two at once cannot both pass the quota. */
export async function lockUserUploads(q: Queryable, userId: string): Promise<void> {
  await q.query(`SELECT pg_advisory_xact_lock(hashtextextended('uploads:' || $1::text, 0))`, [userId]);
}

/** Records an upload; its blob is stored already. */
export async function insertUpload(
  q: Queryable,
  u: { userId: string; sha256: string; filename: string; contentType: string; size: number },
): Promise<string> {
  const { rows } = await q.query<{ id: string }>(
    `INSERT INTO uploads (user_id, sha256, filename, content_type, size) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [u.userId, Buffer.from(u.sha256, 'hex'), u.filename, u.contentType, u.size],
  );
  return rows[0]!.id;
}

/** Deletes uploads a message just sent used: the message's own attachment rows hold their blobs now. */
export async function deleteUploads(q: Queryable, userId: string, ids: readonly string[]): Promise<void> {
  if (ids.length) await q.query('DELETE FROM uploads WHERE user_id = $1 AND id = ANY($2::uuid[])', [userId, ids]);
}

/** Deletes uploads older than ttlMs that no draft names (a draft keeps its files until it is sent or discarded). */
export async function deleteExpiredUploads(q: Queryable, ttlMs: number): Promise<number> {
  const { rowCount } = await q.query(
    `DELETE FROM uploads u
      WHERE u.created_at < now() - make_interval(secs => $1::double precision / 1000)
        AND NOT EXISTS (SELECT 1 FROM drafts d WHERE d.user_id = u.user_id AND d.attachments @> jsonb_build_array(jsonb_build_object('uploadId', u.id::text)))`,
    [ttlMs],
  );
  return rowCount ?? 0;
}

const HOUSEKEEPING_LOCK = 7_310_551_015;

/** Runs fn on one node at a time (a session advisory lock on a client of its own); returns null when another node holds it. */
export async function whileHoldingHousekeepingLock<T>(db: Db, fn: () => Promise<T>): Promise<T | null> {
  const client = await db.pool.connect();
  try {
    const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [HOUSEKEEPING_LOCK]);
    if (!rows[0]!.ok) return null;
    try {
      return await fn();
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [HOUSEKEEPING_LOCK]);
    }
  } finally {
    client.release();
  }
}

/** A file an agent uploaded to attach to a message; its bytes are a registered blob. */
export interface UploadRow {
  filename: string;
  content_type: string;
  size: number;
  sha256: Buffer;
}

/** One of the user's uploads (someone else's is not found). */
export async function findUpload(q: Queryable, id: string, userId: string): Promise<UploadRow | undefined> {
  const { rows } = await q.query<UploadRow>(`SELECT filename, content_type, size, sha256 FROM uploads WHERE id = $1 AND user_id = $2`, [id, userId]);
  return rows[0];
}
