import type { Queryable } from '../../platform/db/db.ts';

/** A file an agent uploaded to attach to a message; its bytes are a registered blob. */
export interface UploadRow {
  filename: string;
  content_type: string;
  size: number;
  sha256: Buffer;
}

/** Records an upload of the user's; returns its id. */
export async function insertUpload(q: Queryable, u: { userId: string; sha256: string; filename: string; contentType: string; size: number }): Promise<string> {
  const { rows } = await q.query<{ id: string }>(
    `INSERT INTO uploads (user_id, sha256, filename, content_type, size) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [u.userId, Buffer.from(u.sha256, 'hex'), u.filename, u.contentType, u.size],
  );
  return rows[0]!.id;
}

/** One of the user's uploads (someone else's is not found). */
export async function findUpload(q: Queryable, id: string, userId: string): Promise<UploadRow | undefined> {
  const { rows } = await q.query<UploadRow>(`SELECT filename, content_type, size, sha256 FROM uploads WHERE id = $1 AND user_id = $2`, [id, userId]);
  return rows[0];
}
