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

/** Members of live campaigns in the reader's scope (of one campaign when given), by campaign, position and name. */
export async function listMembers(q: Queryable, campaignId: string | null, scope: { userId: string; all: boolean }): Promise<MemberRow[]> {
  const { rows } = await q.query<MemberRow>(
    `SELECT m.campaign_id, m.user_id, u.username, u.display_name, m.position, m.penalty
       FROM campaign_members m JOIN users u ON u.id = m.user_id JOIN campaigns c ON c.id = m.campaign_id
      WHERE c.deleted_at IS NULL AND ($1::uuid IS NULL OR m.campaign_id = $1)
        AND ($2::boolean OR EXISTS (SELECT 1 FROM campaign_access a WHERE a.campaign_id = m.campaign_id AND a.user_id = $3))
      ORDER BY c.name, m.position, lower(u.username)`,
    [campaignId, scope.all, scope.userId],
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

/** The live campaigns a supervisor supervises. */
export async function supervisedCampaignIds(q: Queryable, userId: string): Promise<string[]> {
  const { rows } = await q.query<{ campaign_id: string }>(
    `SELECT s.campaign_id FROM campaign_supervisors s JOIN campaigns c ON c.id = s.campaign_id AND c.deleted_at IS NULL
      WHERE s.user_id = $1 ORDER BY lower(c.name)`,
    [userId],
  );
  return rows.map((r) => r.campaign_id);
}

/** Replaces a supervisor's campaigns with exactly these. */
export async function replaceSupervised(q: Queryable, userId: string, campaignIds: string[]): Promise<void> {
  await q.query(`DELETE FROM campaign_supervisors WHERE user_id = $1 AND NOT (campaign_id = ANY($2::uuid[]))`, [userId, campaignIds]);
  await q.query(
    `INSERT INTO campaign_supervisors (user_id, campaign_id) SELECT $1, c FROM unnest($2::uuid[]) c ON CONFLICT DO NOTHING`,
    [userId, campaignIds],
  );
}

/** True when the user exists and is a supervisor (whose campaigns an admin may set). */
export async function isSupervisor(q: Queryable, userId: string): Promise<boolean> {
  const r = await q.query(`SELECT 1 FROM users WHERE id = $1 AND role = 'supervisor'`, [userId]);
  return (r.rowCount ?? 0) > 0;
}

/** The campaigns an agent is a member of (realtime tells those campaigns' supervisors about the agent). */
export async function agentCampaignIds(q: Queryable, userId: string): Promise<string[]> {
  const { rows } = await q.query<{ campaign_id: string }>('SELECT campaign_id FROM campaign_members WHERE user_id = $1', [userId]);
  return rows.map((r) => r.campaign_id);
}
