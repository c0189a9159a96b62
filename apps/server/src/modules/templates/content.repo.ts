import type { Queryable } from '../../platform/db/db.ts';

/** Campaign-visibility filter shared by templates and canned answers: global rows, and rows of campaigns the viewer may see. */
const visible = (alias: string) => `(${alias}.campaign_id IS NULL OR EXISTS (
  SELECT 1 FROM campaigns c WHERE c.id = ${alias}.campaign_id AND c.deleted_at IS NULL
    AND ($1::boolean OR EXISTS (SELECT 1 FROM campaign_members m WHERE m.campaign_id = c.id AND m.user_id = $2))))`;

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

/** True when the campaign exists and the viewer may see it. */
export async function canSeeCampaign(db: Queryable, v: Viewer, campaignId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `SELECT 1 FROM campaigns c WHERE c.id = $3 AND c.deleted_at IS NULL
       AND ($1::boolean OR EXISTS (SELECT 1 FROM campaign_members m WHERE m.campaign_id = c.id AND m.user_id = $2))`,
    [v.all, v.userId, campaignId],
  );
  return (rowCount ?? 0) > 0;
}

/** A template's HTML by id (automatic replies render it), or undefined when it is gone. */
export async function templateHtml(db: Queryable, id: string): Promise<string | undefined> {
  const { rows } = await db.query<{ html: string }>('SELECT html FROM templates WHERE id = $1', [id]);
  return rows[0]?.html;
}
