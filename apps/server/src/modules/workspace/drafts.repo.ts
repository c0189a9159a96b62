import type { Queryable } from '../../platform/db/db.ts';

/** A file in a draft: an upload (with its name and size, to show it again), or a stored message's file. */
export type DraftAttachment = { uploadId: string; name?: string; size?: number } | { messageId: number; partPath: string };

/** What an agent is writing, as saved: an answer in an interaction, or a new mail (no interaction). */
export interface DraftContent {
  mode: 'reply' | 'reply_all' | 'reply_history' | 'forward' | 'new';
  to: Array<{ address: string; name?: string }>;
  cc: Array<{ address: string; name?: string }>;
  subject: string;
  html: string;
  attachments: DraftAttachment[];
}

export interface DraftRow {
  campaign_id: string | null;
  mode: DraftContent['mode'];
  to_addresses: DraftContent['to'];
  cc_addresses: DraftContent['cc'];
  subject: string;
  html: string;
  attachments: DraftContent['attachments'];
  updated_at: Date;
}

// One draft per agent and interaction, and one new mail per agent
// (interaction_id null): each has its own unique index, hence two conflict targets.
const DRAFT_UPSERT = (target: string) =>
  `INSERT INTO drafts (user_id, campaign_id, interaction_id, mode, to_addresses, cc_addresses, subject, html, attachments, updated_at)
   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, now())
   ON CONFLICT ${target} DO UPDATE
     SET campaign_id = EXCLUDED.campaign_id, mode = EXCLUDED.mode, to_addresses = EXCLUDED.to_addresses, cc_addresses = EXCLUDED.cc_addresses,
         subject = EXCLUDED.subject, html = EXCLUDED.html, attachments = EXCLUDED.attachments, updated_at = now()`;
const ANSWER_DRAFT_UPSERT = DRAFT_UPSERT('(user_id, interaction_id) WHERE interaction_id IS NOT NULL');
const NEW_MAIL_DRAFT_UPSERT = DRAFT_UPSERT('(user_id) WHERE interaction_id IS NULL');

/** The agent's draft in an interaction, or their new mail when interactionId is null. */
export async function draftOf(q: Queryable, userId: string, interactionId: number | null): Promise<DraftRow | undefined> {
  const columns = 'campaign_id, mode, to_addresses, cc_addresses, subject, html, attachments, updated_at';
  // two statements, each matching its unique index
  const { rows } =
    interactionId === null
      ? await q.query<DraftRow>(`SELECT ${columns} FROM drafts WHERE user_id = $1 AND interaction_id IS NULL`, [userId])
      : await q.query<DraftRow>(`SELECT ${columns} FROM drafts WHERE user_id = $1 AND interaction_id = $2`, [userId, interactionId]);
  return rows[0];
}

/** Saves over the agent's draft in an interaction, or their new mail when interactionId is null. */
export async function upsertDraft(q: Queryable, userId: string, at: { campaignId: string | null; interactionId: number | null }, d: DraftContent): Promise<void> {
  await q.query(at.interactionId === null ? NEW_MAIL_DRAFT_UPSERT : ANSWER_DRAFT_UPSERT, [
    userId,
    at.campaignId,
    at.interactionId,
    d.mode,
    JSON.stringify(d.to),
    JSON.stringify(d.cc),
    d.subject,
    d.html,
    JSON.stringify(d.attachments),
  ]);
}

/** Deletes the agent's draft in an interaction, or their new mail when interactionId is null. */
export async function deleteDraft(q: Queryable, userId: string, interactionId: number | null): Promise<void> {
  if (interactionId === null) await q.query(`DELETE FROM drafts WHERE user_id = $1 AND interaction_id IS NULL`, [userId]);
  else await q.query(`DELETE FROM drafts WHERE user_id = $1 AND interaction_id = $2`, [userId, interactionId]);
}

/** The message an agent's earlier request with this send key stored, if any (the request is being repeated). */
export async function findSentByKey(q: Queryable, userId: string, sendKey: string): Promise<{ messageId: number; interactionId: number | null } | null> {
  const { rows } = await q.query<{ message_id: string; interaction_id: string | null }>(
    `SELECT k.message_id, m.interaction_id FROM send_keys k JOIN messages m ON m.id = k.message_id WHERE k.user_id = $1 AND k.send_key = $2`,
    [userId, sendKey],
  );
  const r = rows[0];
  return r ? { messageId: Number(r.message_id), interactionId: r.interaction_id === null ? null : Number(r.interaction_id) } : null;
}

/** Remembers which message a send key stored, in the transaction that stored it. */
export async function recordSendKey(q: Queryable, userId: string, sendKey: string, messageId: number): Promise<void> {
  await q.query(`INSERT INTO send_keys (user_id, send_key, message_id) VALUES ($1, $2, $3)`, [userId, sendKey, messageId]);
}

/** Holds an agent's send key until the transaction ends, so two requests with it run one after the other. */
export async function lockSendKey(q: Queryable, userId: string, sendKey: string): Promise<void> {
  await q.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`send_key:${userId}:${sendKey}`]);
}
