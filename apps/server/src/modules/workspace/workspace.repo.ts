import type { Db, Queryable } from '../../platform/db/db.ts';
import { notFound } from '../../platform/http/errors.ts';

/** Who is looking: staff see every campaign, agents the campaigns they are members of. */
export interface Viewer {
  userId: string;
  all: boolean;
}

// The one visibility rule of the workspace, on an interaction aliased `i`,
// with the viewer as $1 (sees all) and $2 (user id). Anything outside it is
// "not found", never "forbidden", so ids cannot be probed.
const QUERY_CANCELED = '57014';

const VISIBLE = `($1::boolean OR EXISTS (SELECT 1 FROM campaign_members vm WHERE vm.campaign_id = i.campaign_id AND vm.user_id = $2))`;

export interface InboxRow {
  id: number;
  campaign_id: string;
  key: string;
  campaign_name: string;
  subject: string;
  customer_address: string;
  customer_name: string;
  unread: boolean;
  status: string;
  assigned_at: Date | null;
  last_message_at: Date;
  closed_at: Date | null;
}

const INBOX_COLUMNS = `i.id, i.campaign_id, c.key, c.name AS campaign_name, i.subject, i.customer_address, i.customer_name, i.unread,
                       i.status, i.assigned_at, i.last_message_at, i.closed_at`;

/** The agent's interactions in hand, and the ones they closed in the last week (newest 50). */
export async function inbox(q: Queryable, userId: string, now: Date): Promise<{ active: InboxRow[]; closed: InboxRow[] }> {
  const [active, closed] = await Promise.all([
    q.query<InboxRow>(
      `SELECT ${INBOX_COLUMNS} FROM interactions i JOIN campaigns c ON c.id = i.campaign_id
        WHERE i.assigned_to = $1 AND i.queue_state = 'assigned' ORDER BY i.last_message_at DESC LIMIT 500`,
      [userId],
    ),
    q.query<InboxRow>(
      `SELECT ${INBOX_COLUMNS} FROM interactions i JOIN campaigns c ON c.id = i.campaign_id
        WHERE i.last_agent = $1 AND i.status = 'closed' AND i.closed_at > $2::timestamptz - interval '7 days'
        ORDER BY i.closed_at DESC LIMIT 50`,
      [userId, now],
    ),
  ]);
  return { active: active.rows, closed: closed.rows };
}

export interface InteractionView {
  id: number;
  campaign_id: string;
  key: string;
  campaign_name: string;
  contact_id: string | null;
  customer_address: string;
  customer_name: string;
  subject: string;
  status: string;
  queue_state: string;
  assigned_to: string | null;
  assigned_name: string | null;
  unread: boolean;
  linked_to: number | null;
  created_at: Date;
  closed_at: Date | null;
  disposition_id: string | null;
  disposition: string | null;
  mandatory_disposition: boolean;
  transfer_to_agent: boolean;
  transfer_to_queue: boolean;
  qualification_enabled: boolean;
  signature_template_id: string | null;
  from_address: string;
  from_name: string;
}

/** One interaction as a viewer may see it, or a 404. */
export async function visibleInteraction(q: Queryable, v: Viewer, id: number): Promise<InteractionView> {
  const { rows } = await q.query<InteractionView>(
    `SELECT i.id, i.campaign_id, c.key, c.name AS campaign_name, i.contact_id, i.customer_address, i.customer_name, i.subject,
            i.status, i.queue_state, i.assigned_to, u.display_name AS assigned_name, i.unread, i.linked_to, i.created_at, i.closed_at,
            i.disposition_id, d.name AS disposition, c.mandatory_disposition, c.transfer_to_agent, c.transfer_to_queue,
            c.qualification_enabled, c.signature_template_id, c.from_address, c.from_name
       FROM interactions i JOIN campaigns c ON c.id = i.campaign_id
       LEFT JOIN users u ON u.id = i.assigned_to
       LEFT JOIN dispositions d ON d.id = i.disposition_id
      WHERE i.id = $3 AND ${VISIBLE}`,
    [v.all, v.userId, id],
  );
  if (!rows[0]) throw notFound('interaction');
  return rows[0];
}

export interface MessageRow {
  id: number;
  direction: 'inbound' | 'outbound';
  kind: string;
  message_id: string | null;
  in_reply_to: string[];
  references_ids: string[];
  subject: string;
  from_address: string;
  from_name: string;
  to_addresses: Array<{ address: string; name: string }>;
  cc_addresses: Array<{ address: string; name: string }>;
  sent_date: Date | null;
  created_at: Date;
  snippet: string;
  has_html: boolean;
  sent_by_name: string | null;
  outbox_state: string | null;
  outbox_error: string | null;
  outbox_attempts: number | null;
  rating: number | null;
}

export interface AttachmentRow {
  message_id: number;
  part_path: string;
  filename: string;
  content_type: string;
  size: number;
  inline: boolean;
  content_id: string | null;
}

/** The messages of an interaction, oldest first, with their outbox state, rating and attachments. */
export async function threadMessages(q: Queryable, interactionId: number): Promise<{ messages: MessageRow[]; attachments: AttachmentRow[] }> {
  const { rows: messages } = await q.query<MessageRow>(
    `SELECT m.id, m.direction, m.kind, m.message_id, m.in_reply_to, m.references_ids, m.subject, m.from_address, m.from_name,
            m.to_addresses, m.cc_addresses, m.sent_date, m.created_at,
            left(coalesce(m.text_body, ''), 400) AS snippet, m.html_body IS NOT NULL AS has_html,
            u.display_name AS sent_by_name, o.state AS outbox_state, coalesce(o.smtp_response, o.last_error) AS outbox_error,
            o.attempts AS outbox_attempts, r.score AS rating
       FROM messages m
       LEFT JOIN users u ON u.id = m.sent_by
       LEFT JOIN outbox o ON o.message_id = m.id
       LEFT JOIN ratings r ON r.message_id = m.id
      WHERE m.interaction_id = $1
      ORDER BY m.created_at, m.id
      LIMIT 1000`,
    [interactionId],
  );
  if (messages.length === 0) return { messages, attachments: [] };
  const { rows: attachments } = await q.query<AttachmentRow>(
    `SELECT message_id, part_path, filename, content_type, size, inline, content_id FROM attachments
      WHERE message_id = ANY($1::bigint[]) ORDER BY message_id, part_path`,
    [messages.map((m) => m.id)],
  );
  return { messages, attachments };
}

/** The customer's other open interactions the viewer may see. */
export async function otherOpen(q: Queryable, v: Viewer, it: { id: number; contact_id: string | null; customer_address: string }) {
  const { rows } = await q.query<{ id: number; key: string; subject: string; assigned_name: string | null }>(
    `SELECT i.id, c.key, i.subject, u.display_name AS assigned_name
       FROM interactions i JOIN campaigns c ON c.id = i.campaign_id LEFT JOIN users u ON u.id = i.assigned_to
      WHERE i.contact_id = $3 AND i.status = 'open' AND i.id <> $4 AND ${VISIBLE}
      ORDER BY i.last_message_at DESC LIMIT 20`,
    [v.all, v.userId, it.contact_id, it.id],
  );
  return it.contact_id ? rows : [];
}

export interface NoteRow {
  id: number;
  text: string;
  author: string | null;
  created_at: Date;
}

export async function notesOf(q: Queryable, interactionId: number): Promise<NoteRow[]> {
  const { rows } = await q.query<NoteRow>(
    `SELECT n.id, n.text, u.display_name AS author, n.created_at FROM interaction_notes n LEFT JOIN users u ON u.id = n.user_id
      WHERE n.interaction_id = $1 ORDER BY n.created_at, n.id`,
    [interactionId],
  );
  return rows;
}

/** A stored message the viewer may see (through its interaction's campaign), or a 404. */
export async function visibleMessage(q: Queryable, v: Viewer, messageId: number) {
  const { rows } = await q.query<{
    id: number; interaction_id: number | null; campaign_id: string; html_body: string | null; text_body: string | null;
    message_id: string | null; in_reply_to: string[]; references_ids: string[]; subject: string; from_address: string; from_name: string;
    to_addresses: Array<{ address: string; name: string }>; cc_addresses: Array<{ address: string; name: string }>;
    sent_date: Date | null; created_at: Date; direction: string;
  }>(
    `SELECT m.id, m.interaction_id, m.campaign_id, m.html_body, m.text_body, m.message_id, m.in_reply_to, m.references_ids, m.subject,
            m.from_address, m.from_name, m.to_addresses, m.cc_addresses, m.sent_date, m.created_at, m.direction
       FROM messages m JOIN interactions i ON i.id = m.interaction_id
      WHERE m.id = $3 AND ${VISIBLE}`,
    [v.all, v.userId, messageId],
  );
  if (!rows[0]) throw notFound('message');
  return rows[0];
}

/** Attachments of one message the viewer may see; with partPath just that one (404 when absent). */
export async function visibleAttachments(q: Queryable, v: Viewer, messageId: number): Promise<Array<AttachmentRow & { sha256: Buffer }>> {
  const { rows } = await q.query<AttachmentRow & { sha256: Buffer }>(
    `SELECT a.message_id, a.part_path, a.filename, a.content_type, a.size, a.inline, a.content_id, a.sha256
       FROM attachments a JOIN messages m ON m.id = a.message_id JOIN interactions i ON i.id = m.interaction_id
      WHERE a.message_id = $3 AND ${VISIBLE} ORDER BY a.part_path`,
    [v.all, v.userId, messageId],
  );
  return rows;
}

export interface SearchRow extends InboxRow {
  assigned_name: string | null;
}

// How long the newest-first walk may take before the trigram plan takes over.
const WALK_BUDGET_MS = 80;

/**
 * Search the viewer's interactions: any part of the customer's address or
 * name, of the subject, or of the campaign's name. Newest first, at most 50.
 *
 * Two plans give the same exact answer; which one is fast depends on how
 * common the term is, which the planner cannot know for substrings:
 * - a common term ("gmail", a frequent word) is found quickly by walking
 *   each campaign's interactions newest first ((campaign_id,
 *   last_message_at) index) until 50 match — the trigram plan would fetch
 *   every one of its tens of thousands of matches to sort them;
 * - a rare term would make that walk read the whole campaign, while the
 *   trigram indexes find its few matches at once.
 * So the walk runs first under a short statement timeout, and the trigram
 * plan answers when it runs out.
 */
export async function searchInteractions(db: Db, v: Viewer, text: string, opts: { limit?: number; plan?: 'auto' | 'walk' | 'trigram' } = {}): Promise<SearchRow[]> {
  const limit = opts.limit ?? 50;
  const plan = opts.plan ?? 'auto'; // forcing one is for tests: both must give the same answer
  const like = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => '\\' + c)}%`;
  const params = [v.all, v.userId, like, limit];
  const mine = `SELECT c.id FROM campaigns c
                 WHERE c.deleted_at IS NULL AND ($1::boolean OR EXISTS (SELECT 1 FROM campaign_members m WHERE m.campaign_id = c.id AND m.user_id = $2))`;
  const matches = `(lower(i.customer_address) LIKE $3 OR lower(i.customer_name) LIKE $3 OR lower(i.subject) LIKE $3)`;
  const walk = `SELECT h.id, h.last_message_at FROM (${mine}) c
                  CROSS JOIN LATERAL (SELECT i.id, i.last_message_at FROM interactions i
                                       WHERE i.campaign_id = c.id AND ${matches} ORDER BY i.last_message_at DESC LIMIT $4) h`;
  const trigram = `SELECT i.id, i.last_message_at FROM interactions i WHERE i.campaign_id IN (${mine}) AND ${matches}
                    ORDER BY i.last_message_at DESC LIMIT $4`;
  const byCampaignName = `SELECT h.id, h.last_message_at FROM campaigns c
                            CROSS JOIN LATERAL (SELECT i.id, i.last_message_at FROM interactions i WHERE i.campaign_id = c.id
                                                 ORDER BY i.last_message_at DESC LIMIT $4) h
                           WHERE c.id IN (${mine}) AND lower(c.name) LIKE $3`;
  const finish = (hits: string) => `
    SELECT ${INBOX_COLUMNS}, u.display_name AS assigned_name
      FROM (SELECT id FROM ((${hits}) UNION (${byCampaignName})) x ORDER BY last_message_at DESC LIMIT $4) h
      JOIN interactions i ON i.id = h.id JOIN campaigns c ON c.id = i.campaign_id LEFT JOIN users u ON u.id = i.assigned_to
     ORDER BY i.last_message_at DESC`;
  return db.tx(async (q) => {
    if (plan !== 'trigram') {
      await q.query(`SET LOCAL enable_bitmapscan = off`);
      if (plan === 'auto') await q.query(`SET LOCAL statement_timeout = ${WALK_BUDGET_MS}`);
      await q.query('SAVEPOINT walk');
      try {
        return (await q.query<SearchRow>(finish(walk), params)).rows;
      } catch (err) {
        if ((err as { code?: string }).code !== QUERY_CANCELED) throw err;
        await q.query('ROLLBACK TO SAVEPOINT walk');
      }
    }
    await q.query(`SET LOCAL enable_bitmapscan = on`);
    await q.query(`SET LOCAL statement_timeout TO DEFAULT`);
    return (await q.query<SearchRow>(finish(trigram), params)).rows;
  });
}
