import type { Queryable } from '../../platform/db/db.ts';

/** Campaign-visibility filter shared by templates and canned answers: global rows, and rows of campaigns the viewer may see. */
const visible = (alias: string) => `(${alias}.campaign_id IS NULL OR EXISTS (
  SELECT 1 FROM campaigns c WHERE c.id = ${alias}.campaign_id AND c.deleted_at IS NULL
    AND ($1::boolean OR EXISTS (SELECT 1 FROM campaign_access m WHERE m.campaign_id = c.id AND m.user_id = $2))))`;

export interface TemplateRow {
  id: string;
  name: string;
  campaign_id: string | null;
  html: string;
  updated_at: Date;
}

export interface CannedRow {
  id: string;
  name: string;
  text: string;
  campaign_id: string | null;
  updated_at: Date;
}

export interface Viewer {
  userId: string;
  all: boolean;
}

/** Templates a viewer may use; with a campaign, that campaign's and the global ones. */
export async function listTemplates(db: Queryable, v: Viewer, campaignId: string | null): Promise<TemplateRow[]> {
  const { rows } = await db.query<TemplateRow>(
    `SELECT t.id, t.name, t.campaign_id, t.html, t.updated_at FROM templates t
      WHERE ${visible('t')} AND ($3::uuid IS NULL OR t.campaign_id IS NULL OR t.campaign_id = $3)
      ORDER BY t.campaign_id NULLS FIRST, lower(t.name)`,
    [v.all, v.userId, campaignId],
  );
  return rows;
}

/** Canned answers blended: global ones first, then per campaign. */
export async function listCanned(db: Queryable, v: Viewer, campaignId: string | null): Promise<CannedRow[]> {
  const { rows } = await db.query<CannedRow>(
    `SELECT a.id, a.name, a.text, a.campaign_id, a.updated_at FROM canned_answers a
      WHERE ${visible('a')} AND ($3::uuid IS NULL OR a.campaign_id IS NULL OR a.campaign_id = $3)
      ORDER BY a.campaign_id NULLS FIRST, lower(a.name)`,
    [v.all, v.userId, campaignId],
  );
  return rows;
}

/** A template's HTML by id (automatic replies render it), or undefined when it is gone. */
export async function templateHtml(db: Queryable, id: string): Promise<string | undefined> {
  const { rows } = await db.query<{ html: string }>('SELECT html FROM templates WHERE id = $1', [id]);
  return rows[0]?.html;
}

/** Adds a template (its HTML already sanitised); a taken name raises the unique violation on templates_name_key. */
export async function insertTemplate(db: Queryable, t: { name: string; campaignId: string | null; html: string }): Promise<TemplateRow> {
  const { rows } = await db.query<TemplateRow>(
    `INSERT INTO templates (name, campaign_id, html) VALUES ($1, $2, $3) RETURNING id, name, campaign_id, html, updated_at`,
    [t.name, t.campaignId, t.html],
  );
  return rows[0]!;
}

/** Overwrites a template (null when there is none); a taken name raises the unique violation on templates_name_key. */
export async function updateTemplate(db: Queryable, id: string, t: { name: string; campaignId: string | null; html: string }): Promise<TemplateRow | null> {
  const { rows } = await db.query<TemplateRow>(
    `UPDATE templates SET name = $2, campaign_id = $3, html = $4, updated_at = now() WHERE id = $1 RETURNING id, name, campaign_id, html, updated_at`,
    [id, t.name, t.campaignId, t.html],
  );
  return rows[0] ?? null;
}

/** Deletes a template; false when there was none. */
export async function deleteTemplate(db: Queryable, id: string): Promise<boolean> {
  const r = await db.query('DELETE FROM templates WHERE id = $1', [id]);
  return (r.rowCount ?? 0) > 0;
}

/** Adds a canned answer; a taken name raises the unique violation on canned_answers_name_key. */
export async function insertCanned(db: Queryable, a: { name: string; text: string; campaignId: string | null }): Promise<CannedRow> {
  const { rows } = await db.query<CannedRow>(
    `INSERT INTO canned_answers (name, text, campaign_id) VALUES ($1, $2, $3) RETURNING id, name, text, campaign_id, updated_at`,
    [a.name, a.text, a.campaignId],
  );
  return rows[0]!;
}

/** Overwrites a canned answer (null when there is none); a taken name raises the unique violation on canned_answers_name_key. */
export async function updateCanned(db: Queryable, id: string, a: { name: string; text: string; campaignId: string | null }): Promise<CannedRow | null> {
  const { rows } = await db.query<CannedRow>(
    `UPDATE canned_answers SET name = $2, text = $3, campaign_id = $4, updated_at = now() WHERE id = $1 RETURNING id, name, text, campaign_id, updated_at`,
    [id, a.name, a.text, a.campaignId],
  );
  return rows[0] ?? null;
}

/** Deletes a canned answer; false when there was none. */
export async function deleteCanned(db: Queryable, id: string): Promise<boolean> {
  const r = await db.query('DELETE FROM canned_answers WHERE id = $1', [id]);
  return (r.rowCount ?? 0) > 0;
}
