import type { Queryable } from '../../platform/db/db.ts';
import { notFound } from '../../platform/http/errors.ts';
import { setPresence } from './presence.ts';

/** The pause reason an agent shows while disposing; created on first use, reused if an admin made one of that name. */
export const DISPOSING_REASON = 'Disposing';

async function disposingReasonId(q: Queryable): Promise<string> {
  const { rows } = await q.query<{ id: string }>(
    `WITH ins AS (INSERT INTO pause_reasons (name) VALUES ($1) ON CONFLICT (lower(name)) WHERE deleted_at IS NULL DO NOTHING RETURNING id)
     SELECT id FROM ins UNION ALL SELECT id FROM pause_reasons WHERE lower(name) = lower($1) AND deleted_at IS NULL LIMIT 1`,
    [DISPOSING_REASON],
  );
  return rows[0]!.id;
}

/**
 * The agent opened the disposition of an interaction in their hands: when
 * its campaign pauses agents while disposing and they are available, they
 * are paused (their pending offers go back to the queue) until the close —
 * or until they cancel it. A manual pause or offline is never overridden.
 * Returns whether the agent was paused.
 */
export async function startDisposing(q: Queryable, userId: string, interactionId: number, now: Date): Promise<boolean> {
  const { rows } = await q.query<{ pause_while_disposing: boolean; state: string | null }>(
    `SELECT c.pause_while_disposing, p.state FROM interactions i JOIN campaigns c ON c.id = i.campaign_id
       LEFT JOIN agent_presence p ON p.user_id = $1
      WHERE i.id = $2 AND i.assigned_to = $1 AND i.status = 'open'`,
    [userId, interactionId],
  );
  const it = rows[0];
  if (!it) throw notFound('interaction');
  if (!it.pause_while_disposing || it.state !== 'available') return false;
  return setPresence(q, userId, 'paused', await disposingReasonId(q), now);
}

/** Disposing is over (closed or cancelled): an agent paused for it is available again. */
export async function endDisposing(q: Queryable, userId: string, now: Date): Promise<boolean> {
  const { rows } = await q.query(
    `SELECT 1 FROM agent_presence p JOIN pause_reasons r ON r.id = p.pause_reason_id
      WHERE p.user_id = $1 AND p.state = 'paused' AND lower(r.name) = lower($2)`,
    [userId, DISPOSING_REASON],
  );
  if (rows.length === 0) return false;
  return setPresence(q, userId, 'available', null, now);
}
