import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../apps/server/src/platform/db/db.ts';
import { emitEvent } from '../../apps/server/src/platform/events/events.ts';

/** An agent row for tests that never log in (the hash matches no password). */
export async function insertAgent(db: Queryable, name: string): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO users (id, username, display_name, role, password_hash) VALUES ($1, $2, $3, 'agent', 'not-a-hash')`,
    [id, name, name],
  );
  return id;
}

/** Makes the agents members of the campaign, in the order given (position 0, 1, …). */
export async function addMembers(db: Queryable, campaignId: string, userIds: readonly string[]): Promise<void> {
  await db.query(
    `INSERT INTO campaign_members (campaign_id, user_id, position)
     SELECT $1, u, n::int - 1 FROM unnest($2::uuid[]) WITH ORDINALITY AS t(u, n)`,
    [campaignId, userIds],
  );
}

/** Sets queue settings straight in the row (column names as stored). */
export async function setQueue(db: Queryable, campaignId: string, settings: Record<string, unknown>): Promise<void> {
  const cols = Object.keys(settings);
  if (cols.some((c) => !/^[a-z_]+$/.test(c))) throw new Error('bad column name');
  await db.query(`UPDATE campaigns SET ${cols.map((c, i) => `${c} = $${i + 2}`).join(', ')} WHERE id = $1`, [campaignId, ...Object.values(settings)]);
}

/** Sets presence directly, stamped at `at` (tests that are not about presence changes). */
export async function presence(db: Queryable, userId: string, state: 'available' | 'offline', at = new Date()): Promise<void> {
  await db.query(
    `INSERT INTO agent_presence (user_id, state, since) VALUES ($1, $2, $3)
     ON CONFLICT (user_id) DO UPDATE SET state = excluded.state, pause_reason_id = NULL, since = excluded.since`,
    [userId, state, at],
  );
}

/** Waiting interactions as ingestion leaves them, queued at `at` one millisecond apart; emits interaction.created for each. */
export async function insertWaiting(db: Queryable, campaignId: string, count: number, at = new Date()): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO interactions (campaign_id, customer_address, subject, queued_at, created_at)
     SELECT $1, 'customer' || g || '@example.test', 'Question ' || g, $3::timestamptz + g * interval '1 millisecond', $3
       FROM generate_series(1, $2) AS g
     RETURNING id`,
    [campaignId, count, at],
  );
  for (const r of rows) await emitEvent(db, { type: 'interaction.created', campaignId, interactionId: r.id, linkedTo: null });
  return rows.map((r) => r.id).sort((a, b) => a - b);
}

/** Pending offers as (interaction, user) pairs. */
export async function pendingOffers(db: Queryable, campaignId?: string): Promise<Array<{ id: number; interactionId: number; userId: string; kind: string }>> {
  const { rows } = await db.query<{ id: number; interaction_id: number; user_id: string; kind: string }>(
    `SELECT id, interaction_id, user_id, kind FROM offers WHERE state = 'pending' AND ($1::uuid IS NULL OR campaign_id = $1) ORDER BY id`,
    [campaignId ?? null],
  );
  return rows.map((r) => ({ id: r.id, interactionId: r.interaction_id, userId: r.user_id, kind: r.kind }));
}

/** An interaction's routing columns. */
export async function routingState(db: Queryable, id: number) {
  const { rows } = await db.query<{
    queue_state: string; assigned_to: string | null; unread: boolean; campaign_id: string; status: string; sticky_agent_until: Date | null;
  }>(`SELECT queue_state, assigned_to, unread, campaign_id, status, sticky_agent_until FROM interactions WHERE id = $1`, [id]);
  return rows[0]!;
}
