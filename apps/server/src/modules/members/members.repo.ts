import type { Queryable } from '../../platform/db/db.ts';

/** A membership as the members screen lists it. */
export interface MemberRow {
  campaign_id: string;
  user_id: string;
  username: string;
  display_name: string;
  position: number;
  penalty: number;
}

/** Members of live campaigns (of one campaign when given), by campaign, position and name. */
export async function listMembers(q: Queryable, campaignId: string | null): Promise<MemberRow[]> {
  const { rows } = await q.query<MemberRow>(
    `SELECT m.campaign_id, m.user_id, u.username, u.display_name, m.position, m.penalty
       FROM campaign_members m JOIN users u ON u.id = m.user_id JOIN campaigns c ON c.id = m.campaign_id
      WHERE c.deleted_at IS NULL AND ($1::uuid IS NULL OR m.campaign_id = $1)
      ORDER BY c.name, m.position, lower(u.username)`,
    [campaignId],
  );
  return rows;
}

/** Which of these ids are live campaigns and which are agents. */
export async function existingIds(q: Queryable, campaignIds: string[], userIds: string[]): Promise<{ campaigns: Set<string>; agents: Set<string> }> {
  const camps = await q.query<{ id: string }>(`SELECT id FROM campaigns WHERE id = ANY($1::uuid[]) AND deleted_at IS NULL`, [campaignIds]);
  const users = await q.query<{ id: string }>(`SELECT id FROM users WHERE id = ANY($1::uuid[]) AND role = 'agent'`, [userIds]);
  return { campaigns: new Set(camps.rows.map((r) => r.id)), agents: new Set(users.rows.map((r) => r.id)) };
}

/** Makes every agent a member of every campaign (existing memberships stay as they are). */
export async function insertMembers(q: Queryable, campaignIds: string[], userIds: string[]): Promise<void> {
  await q.query(
    `INSERT INTO campaign_members (campaign_id, user_id)
     SELECT c, u FROM unnest($1::uuid[]) c CROSS JOIN unnest($2::uuid[]) u
     ON CONFLICT DO NOTHING`,
    [campaignIds, userIds],
  );
}

/** Removes every agent from every campaign. */
export async function deleteMembers(q: Queryable, campaignIds: string[], userIds: string[]): Promise<void> {
  await q.query(`DELETE FROM campaign_members WHERE campaign_id = ANY($1::uuid[]) AND user_id = ANY($2::uuid[])`, [campaignIds, userIds]);
}

/** Changes a member's position and / or penalty (null: unchanged); false when not a member. */
export async function updateMember(q: Queryable, campaignId: string, userId: string, s: { position: number | null; penalty: number | null }): Promise<boolean> {
  const r = await q.query(
    `UPDATE campaign_members SET position = coalesce($3, position), penalty = coalesce($4, penalty) WHERE campaign_id = $1 AND user_id = $2`,
    [campaignId, userId, s.position, s.penalty],
  );
  return (r.rowCount ?? 0) > 0;
}

/** The members of a campaign (realtime tells them about their campaign). */
export async function campaignMemberIds(q: Queryable, campaignId: string): Promise<string[]> {
  const { rows } = await q.query<{ user_id: string }>('SELECT user_id FROM campaign_members WHERE campaign_id = $1', [campaignId]);
  return rows.map((r) => r.user_id);
}
