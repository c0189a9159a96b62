import type { Queryable } from '../../platform/db/db.ts';

/** A disposition: how an interaction ended, chosen from its campaign's list when closing. */
export interface DispositionRow {
  id: string;
  name: string;
}

/** A campaign's dispositions by name. */
export async function listDispositions(q: Queryable, campaignId: string): Promise<DispositionRow[]> {
  const { rows } = await q.query<DispositionRow>(`SELECT id, name FROM dispositions WHERE campaign_id = $1 ORDER BY lower(name)`, [campaignId]);
  return rows;
}

/** Adds a disposition to a campaign; a taken name raises the unique violation on dispositions_name_key. */
export async function insertDisposition(q: Queryable, campaignId: string, name: string): Promise<DispositionRow> {
  const { rows } = await q.query<DispositionRow>(`INSERT INTO dispositions (campaign_id, name) VALUES ($1, $2) RETURNING id, name`, [campaignId, name]);
  return rows[0]!;
}

/** Renames a disposition (null when there is none); a taken name raises the unique violation on dispositions_name_key. */
export async function renameDisposition(q: Queryable, id: string, name: string): Promise<DispositionRow | null> {
  const { rows } = await q.query<DispositionRow>(`UPDATE dispositions SET name = $2 WHERE id = $1 RETURNING id, name`, [id, name]);
  return rows[0] ?? null;
}

/** Deletes a disposition; interactions closed with it keep none. False when there was none. */
export async function deleteDisposition(q: Queryable, id: string): Promise<boolean> {
  const r = await q.query('DELETE FROM dispositions WHERE id = $1', [id]);
  return (r.rowCount ?? 0) > 0;
}

/** True when the disposition belongs to the campaign: a close may only use its own campaign's. */
export async function isDispositionOf(q: Queryable, id: string, campaignId: string): Promise<boolean> {
  const r = await q.query(`SELECT 1 FROM dispositions WHERE id = $1 AND campaign_id = $2`, [id, campaignId]);
  return (r.rowCount ?? 0) > 0;
}
