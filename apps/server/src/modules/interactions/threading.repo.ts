import type { Queryable } from '../../platform/db/db.ts';
import { idText } from './messages.repo.ts';

// The reads threading decides on: which interactions a message's references
// name, and who takes part in them. Ingest reads them inside its commit
// transaction; only this module knows the conversation tables' shape.

/** A thread candidate as stored: the interaction, its status and participants. */
export interface InteractionFacts {
  id: number;
  status: 'open' | 'closed';
  participants: string[];
}

/** Interactions of this campaign among ids, with participants; others' interactions are never candidates. */
export async function interactionFacts(q: Queryable, campaignId: string, ids: number[]): Promise<Map<number, InteractionFacts>> {
  const out = new Map<number, InteractionFacts>();
  if (ids.length === 0) return out;
  const { rows } = await q.query<{ id: number; status: 'open' | 'closed'; participants: string[] | null }>(
    { name: 'thread_interaction_facts', text: `SELECT i.id, i.status, array_agg(p.address_norm) FILTER (WHERE p.address_norm IS NOT NULL) AS participants
       FROM interactions i LEFT JOIN interaction_participants p ON p.interaction_id = i.id
      WHERE i.campaign_id = $1 AND i.id = ANY($2::bigint[])
      GROUP BY i.id` },
    [campaignId, ids],
  );
  for (const r of rows) out.set(r.id, { id: r.id, status: r.status, participants: r.participants ?? [] });
  return out;
}

/** Interactions holding any of these Message-IDs (inbound or outbound) in this campaign, newest message first. */
export async function interactionsByMessageIds(q: Queryable, campaignId: string, messageIds: string[]): Promise<number[]> {
  if (messageIds.length === 0) return [];
  const { rows } = await q.query<{ interaction_id: number }>(
    { name: 'thread_interactions_by_message_ids', text: `SELECT interaction_id FROM messages
      WHERE campaign_id = $1 AND message_id = ANY($2::text[]) AND interaction_id IS NOT NULL
      GROUP BY interaction_id ORDER BY max(id) DESC` },
    [campaignId, messageIds.map(idText)],
  );
  return rows.map((r) => r.interaction_id);
}

/** The outbound message a bounce or report names, if it is ours and in this campaign. */
export async function findOutboundByMessageIds(
  q: Queryable,
  campaignId: string,
  messageIds: string[],
): Promise<{ id: number; interaction_id: number | null } | null> {
  if (messageIds.length === 0) return null;
  const { rows } = await q.query<{ id: number; interaction_id: number | null }>(
    `SELECT id, interaction_id FROM messages
      WHERE campaign_id = $1 AND direction = 'outbound' AND message_id = ANY($2::text[]) ORDER BY id DESC LIMIT 1`,
    [campaignId, messageIds.map(idText)],
  );
  return rows[0] ?? null;
}

/** Interactions holding a Message-ID in this campaign, with the newest message of each that carries it. */
export interface MessageIdHolder {
  interactionId: number;
  /** The newest holding message's id (what interactionsByMessageIds orders by). */
  newest: number;
}

/**
 * interactionsByMessageIds for the Message-IDs of a whole commit group at
 * once: per id asked, every interaction of this campaign holding it (inbound
 * or outbound) and its newest message with it, so the caller can answer each
 * message's question (ordered as interactionsByMessageIds orders) in memory.
 */
export async function messageIdHolders(q: Queryable, campaignId: string, messageIds: string[]): Promise<Map<string, MessageIdHolder[]>> {
  const out = new Map<string, MessageIdHolder[]>();
  if (messageIds.length === 0) return out;
  const keys = messageIds.map(idText);
  const { rows } = await q.query<{ message_id: string; interaction_id: number; newest: number }>(
    { name: 'thread_message_id_holders', text: `SELECT message_id, interaction_id, max(id) AS newest FROM messages
      WHERE campaign_id = $1 AND message_id = ANY($2::text[]) AND interaction_id IS NOT NULL
      GROUP BY message_id, interaction_id` },
    [campaignId, [...new Set(keys)]],
  );
  const byKey = new Map<string, MessageIdHolder[]>();
  for (const r of rows) {
    const list = byKey.get(r.message_id) ?? [];
    list.push({ interactionId: r.interaction_id, newest: r.newest });
    byKey.set(r.message_id, list);
  }
  messageIds.forEach((id, i) => out.set(id, byKey.get(keys[i]!) ?? []));
  return out;
}
