import type { RecordSearch } from '@postdesk/contracts';
import type { Queryable } from '../../platform/db/db.ts';
import { compileSearch } from './search-sql.ts';

// The supervisor's read model of interactions (the list, recordings, the
// export, the raw thread) and saved searches, which this module owns.

/** The campaigns a query may read: every one, or these. */
export type CampaignScope = { all: true } | { all: false; ids: readonly string[] };

/** One row of the interactions list. */
export interface RecordRow {
  id: number;
  campaign_id: string;
  campaign_key: string;
  campaign_name: string;
  customer_address: string;
  customer_name: string;
  subject: string;
  status: string;
  unread: boolean;
  agent_name: string | null;
  disposition: string | null;
  created_at: Date;
  last_message_at: Date;
  closed_at: Date | null;
  messages: number;
}

const scopeParam = (s: CampaignScope): string[] | null => (s.all ? null : [...s.ids]);

/**
 * A page of the interactions matching a search, newest first, after the
 * keyset cursor (an interaction id: ids only grow, so a page never shifts
 * when new mail arrives). `ids` narrows to a selection.
 */
export async function searchRecords(
  q: Queryable,
  scope: CampaignScope,
  search: RecordSearch,
  page: { before?: number; limit: number; ids?: readonly number[] },
): Promise<RecordRow[]> {
  const compiled = compileSearch(search, 5);
  const where = ['($1::uuid[] IS NULL OR i.campaign_id = ANY($1::uuid[]))', '($2::bigint IS NULL OR i.id < $2)', '($4::bigint[] IS NULL OR i.id = ANY($4::bigint[]))', ...compiled.where];
  const { rows } = await q.query<RecordRow>(
    `SELECT i.id, i.campaign_id, c.key AS campaign_key, c.name AS campaign_name, i.customer_address, i.customer_name, i.subject,
            i.status, i.unread, u.display_name AS agent_name, d.name AS disposition, i.created_at, i.last_message_at, i.closed_at,
            (SELECT count(*) FROM messages m WHERE m.interaction_id = i.id)::int AS messages
       FROM interactions i
       JOIN campaigns c ON c.id = i.campaign_id
       LEFT JOIN users u ON u.id = COALESCE(i.assigned_to, i.last_agent)
       LEFT JOIN dispositions d ON d.id = i.disposition_id
      WHERE ${where.join(' AND ')}
      ORDER BY i.id DESC
      LIMIT $3`,
    [scopeParam(scope), page.before ?? null, page.limit, page.ids ? [...page.ids] : null, ...compiled.params],
  );
  return rows;
}

/** The campaign of an interaction, or null when there is none with this id. */
export async function campaignOfInteraction(q: Queryable, id: number): Promise<string | null> {
  const { rows } = await q.query<{ campaign_id: string }>('SELECT campaign_id FROM interactions WHERE id = $1', [id]);
  return rows[0]?.campaign_id ?? null;
}

/** Which of these interactions the scope may read. */
export async function visibleIds(q: Queryable, scope: CampaignScope, ids: readonly number[]): Promise<number[]> {
  const { rows } = await q.query<{ id: number }>(
    'SELECT id FROM interactions WHERE id = ANY($1::bigint[]) AND ($2::uuid[] IS NULL OR campaign_id = ANY($2::uuid[])) ORDER BY id',
    [[...ids], scopeParam(scope)],
  );
  return rows.map((r) => r.id);
}

/** A stored message of a thread as it was received or sent: its bytes' key, in thread order. */
export interface RawMessageRow {
  id: number;
  direction: 'inbound' | 'outbound';
  raw_sha256: Buffer;
  size: number;
  created_at: Date;
}

/** The thread's messages in the order they happened, with the key of their stored bytes. */
export async function rawMessages(q: Queryable, interactionId: number): Promise<RawMessageRow[]> {
  const { rows } = await q.query<RawMessageRow>(
    'SELECT id, direction, raw_sha256, size, created_at FROM messages WHERE interaction_id = $1 ORDER BY created_at, id',
    [interactionId],
  );
  return rows;
}

/** A saved search as stored. */
export interface SavedSearchRow {
  id: string;
  name: string;
  search: unknown;
  created_at: Date;
}

/** The user's saved searches, oldest first. */
export async function savedSearches(q: Queryable, userId: string): Promise<SavedSearchRow[]> {
  const { rows } = await q.query<SavedSearchRow>('SELECT id, name, search, created_at FROM saved_searches WHERE user_id = $1 ORDER BY created_at, id', [userId]);
  return rows;
}

/** Saves a search for its user. */
export async function insertSavedSearch(q: Queryable, userId: string, name: string, search: RecordSearch): Promise<SavedSearchRow> {
  const { rows } = await q.query<SavedSearchRow>(
    'INSERT INTO saved_searches (user_id, name, search) VALUES ($1, $2, $3) RETURNING id, name, search, created_at',
    [userId, name, JSON.stringify(search)],
  );
  return rows[0]!;
}

/** Deletes one of the user's saved searches; false when it is not theirs or not there. */
export async function deleteSavedSearch(q: Queryable, userId: string, id: string): Promise<boolean> {
  const r = await q.query('DELETE FROM saved_searches WHERE id = $1 AND user_id = $2', [id, userId]);
  return (r.rowCount ?? 0) > 0;
}

/** A file of a message of the thread (inline images too). */
export interface FileRow {
  message_id: number;
  filename: string;
  sha256: Buffer;
}

/** The thread's files, in message and part order. */
export async function attachmentsOf(q: Queryable, interactionId: number): Promise<FileRow[]> {
  const { rows } = await q.query<FileRow>(
    `SELECT a.message_id, a.filename, a.sha256 FROM attachments a JOIN messages m ON m.id = a.message_id
      WHERE m.interaction_id = $1 ORDER BY a.message_id, a.part_path`,
    [interactionId],
  );
  return rows;
}
