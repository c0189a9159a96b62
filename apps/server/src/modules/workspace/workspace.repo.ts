import type pg from 'pg';
import type { Db, Queryable } from '../../platform/db/db.ts';
import { notFound } from '../../platform/http/errors.ts';
import { listCampaigns } from '../campaigns/index.ts';

/** Who is looking (auth's campaignScope): admins see every campaign, others those `campaign_access` gives them. */
export interface Viewer {
  userId: string;
  all: boolean;
}

// The one visibility rule of the workspace, on an interaction aliased `i`,
// with the viewer as $1 (sees all) and $2 (user id): admins, the members of
// its campaign and its campaign's supervisors (campaign_access), and the
// agents who have had it in their hands (started it, accepted it,
// transferred it — a transfer to another campaign must not turn the
// transferring agent's own history into "not found"). Anything outside it is
// "not found", never "forbidden", so ids cannot be probed.
const VISIBLE = `($1::boolean OR EXISTS (SELECT 1 FROM campaign_access vm WHERE vm.campaign_id = i.campaign_id AND vm.user_id = $2)
  OR i.last_agent = $2 OR i.started_by = $2 OR i.transfer_from = $2
  OR EXISTS (SELECT 1 FROM offers vo WHERE vo.interaction_id = i.id AND vo.user_id = $2 AND vo.state = 'accepted'))`;

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

/**
 * The agent's interactions in hand (all of them: routing's capacity bounds
 * how many, and the desk's list is virtualised), and the ones they closed in
 * the last week (newest 50).
 */
export async function inbox(q: Queryable, userId: string, now: Date): Promise<{ active: InboxRow[]; closed: InboxRow[] }> {
  const [active, closed] = await Promise.all([
    q.query<InboxRow>(
      `SELECT ${INBOX_COLUMNS} FROM interactions i JOIN campaigns c ON c.id = i.campaign_id
        WHERE i.assigned_to = $1 AND i.queue_state = 'assigned' ORDER BY i.last_message_at DESC, i.id DESC`,
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
  mark_as_unread: boolean;
  transfer_to_agent: boolean;
  transfer_to_queue: boolean;
  qualification_enabled: boolean;
  qualification_title: string;
  signature_template_id: string | null;
  from_address: string;
  from_name: string;
  timezone: string;
}

/** One interaction as a viewer may see it, or a 404. */
export async function visibleInteraction(q: Queryable, v: Viewer, id: number): Promise<InteractionView> {
  const { rows } = await q.query<InteractionView>(
    `SELECT i.id, i.campaign_id, c.key, c.name AS campaign_name, i.contact_id, i.customer_address, i.customer_name, i.subject,
            i.status, i.queue_state, i.assigned_to, u.display_name AS assigned_name, i.unread, i.linked_to, i.created_at, i.closed_at,
            i.disposition_id, d.name AS disposition, c.mandatory_disposition, c.mark_as_unread, c.transfer_to_agent, c.transfer_to_queue,
            c.qualification_enabled, c.qualification_title, c.signature_template_id, c.from_address, c.from_name, c.timezone
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
            u.display_name AS sent_by_name,
            -- waiting behind a held SMTP account: shown as such, with the server's reply
            CASE WHEN h.campaign_id IS NOT NULL AND o.state IN ('queued', 'retrying') THEN 'held' ELSE o.state END AS outbox_state,
            CASE WHEN h.campaign_id IS NOT NULL AND o.state IN ('queued', 'retrying') THEN h.response
                 ELSE coalesce(o.smtp_response, o.last_error) END AS outbox_error,
            o.attempts AS outbox_attempts, r.score AS rating
       FROM messages m
       LEFT JOIN users u ON u.id = m.sent_by
       LEFT JOIN outbox o ON o.message_id = m.id
       LEFT JOIN smtp_holds h ON h.campaign_id = o.campaign_id
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

/** An interaction's internal notes, oldest first, with their authors' names. */
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

/** Where a stored message's raw bytes are, for a viewer who may see it (404 otherwise). */
export async function visibleRawMessage(q: Queryable, v: Viewer, messageId: number): Promise<{ sha256: Buffer; size: number; subject: string }> {
  const { rows } = await q.query<{ sha256: Buffer; size: string; subject: string }>(
    `SELECT m.raw_sha256 AS sha256, b.size, m.subject
       FROM messages m JOIN interactions i ON i.id = m.interaction_id JOIN blobs b ON b.sha256 = m.raw_sha256
      WHERE m.id = $3 AND ${VISIBLE}`,
    [v.all, v.userId, messageId],
  );
  if (!rows[0]) throw notFound('message');
  return { sha256: rows[0].sha256, size: Number(rows[0].size), subject: rows[0].subject };
}

/** A 404 unless the viewer may see the message; reads no body (the body route's cache hit needs nothing else). */
export async function checkMessageVisible(q: Queryable, v: Viewer, messageId: number): Promise<void> {
  const { rowCount } = await q.query(`SELECT 1 FROM messages m JOIN interactions i ON i.id = m.interaction_id WHERE m.id = $3 AND ${VISIBLE}`, [
    v.all,
    v.userId,
    messageId,
  ]);
  if (!rowCount) throw notFound('message');
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

// How long the walk runs alone before the trigram plan joins it.
const HEDGE_MS = 12;

/**
 * Search the viewer's interactions: any part of the customer's address or
 * name, of the subject, or of the campaign's name. Newest first, at most 50.
 *
 * Two plans give the same exact answer; which one is fast depends on how
 * common the term is, which the planner cannot know for substrings:
 * - a rare term is found at once by the trigram indexes (led by the
 *   campaign, so only the agent's campaigns are read) — but a common one
 *   ("gmail", a frequent word) would make them fetch every one of tens of
 *   thousands of matches before sorting;
 * - a common term is found quickly by walking each campaign's interactions
 *   newest first until 50 match, in an index that carries the searched
 *   columns (no table reads) — but a rare one would make the walk read the
 *   whole campaign.
 * So the walk starts, the trigram plan joins it on a second connection if
 * the walk has not answered within a few milliseconds, the first answer
 * wins and the other query is cancelled (its connection is closed, never
 * reused, so a late cancel cannot hit someone else's query).
 */
export async function searchInteractions(db: Db, v: Viewer, text: string, opts: { limit?: number; plan?: 'auto' | 'walk' | 'trigram' } = {}): Promise<SearchRow[]> {
  const limit = opts.limit ?? 50;
  const plan = opts.plan ?? 'auto'; // forcing one is for tests: both must give the same answer
  const like = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => '\\' + c)}%`;
  // $1: the viewer's campaigns, as a list the indexes can be probed with
  const matches = `(lower(i.customer_address) LIKE $2 OR lower(i.customer_name) LIKE $2 OR lower(i.subject) LIKE $2)`;
  const walk = `SELECT h.id, h.last_message_at FROM unnest($1::uuid[]) c(id)
                  CROSS JOIN LATERAL (SELECT i.id, i.last_message_at FROM interactions i
                                       WHERE i.campaign_id = c.id AND ${matches} ORDER BY i.last_message_at DESC LIMIT $3) h`;
  const trigram = `SELECT i.id, i.last_message_at FROM interactions i WHERE i.campaign_id = ANY($1::uuid[]) AND ${matches}
                    ORDER BY i.last_message_at DESC LIMIT $3`;
  const byCampaignName = `SELECT h.id, h.last_message_at FROM campaigns c
                            CROSS JOIN LATERAL (SELECT i.id, i.last_message_at FROM interactions i WHERE i.campaign_id = c.id
                                                 ORDER BY i.last_message_at DESC LIMIT $3) h
                           WHERE c.id = ANY($1::uuid[]) AND lower(c.name) LIKE $2`;
  const finish = (hits: string) => `
    SELECT ${INBOX_COLUMNS}, u.display_name AS assigned_name
      FROM (SELECT id FROM ((${hits}) UNION (${byCampaignName})) x ORDER BY last_message_at DESC LIMIT $3) h
      JOIN interactions i ON i.id = h.id JOIN campaigns c ON c.id = i.campaign_id LEFT JOIN users u ON u.id = i.assigned_to
     ORDER BY i.last_message_at DESC`;
  const campaigns = await listCampaigns(db, v);
  if (campaigns.length === 0) return [];
  const params = [campaigns.map((c) => c.id), like, limit];
  // The first run to finish cancels the other over its own connection, before
  // giving it back: no extra connection is needed (one from the pool could be
  // unavailable — at shutdown, the wait for it would never end).
  const runs: Array<Run<SearchRow>> = [];
  const stopOthers = (self: number) => async (client: pg.PoolClient) => {
    const other = runs[1 - self];
    if (!other) return;
    const pid = other.pid();
    const sent = pid === null ? Promise.resolve() : client.query('SELECT pg_cancel_backend($1)', [pid]).then(() => undefined, () => undefined);
    other.cancelled(sent);
    await sent;
  };
  const start = (sql: string, setup: string[]) => {
    const i = runs.length;
    runs.push(runCancellable<SearchRow>(db, sql, params, setup, plan === 'auto' ? stopOthers(i) : undefined));
    return runs[i]!;
  };
  const startTrigram = () => start(finish(trigram), []);
  const startWalk = () => start(finish(walk), ['SET LOCAL enable_bitmapscan = off']);
  if (plan === 'trigram') return startTrigram().result;
  if (plan === 'walk') return startWalk().result;
  // The walk starts first; the trigram plan joins if the walk has not answered
  // within HEDGE_MS (a common term usually has by then, a rare one never will).
  const settled = (r: Run<SearchRow>, i: number) => r.result.then((rows) => ({ i, rows }), () => ({ i, rows: null }));
  let first = await Promise.race([settled(startWalk(), 0), new Promise<null>((resolve) => setTimeout(() => resolve(null), HEDGE_MS))]);
  if (first === null) {
    startTrigram();
    first = await Promise.race(runs.map(settled));
  }
  if (first.rows !== null) return first.rows;
  // the first to finish failed: the other decides (and reports its own failure)
  const other = runs[1 - first.i];
  return other ? other.result : startTrigram().result;
}

interface Run<R> {
  result: Promise<R[]>;
  /** The backend running the query, while it runs. */
  pid: () => number | null;
  /** Another run has won: `signal` settles once a cancel (if any) has been sent to this one. */
  cancelled: (signal: Promise<void>) => void;
}

/**
 * A query on its own connection and transaction that can be cancelled while
 * it runs. A cancel is a signal to the backend that can land late — after
 * the query ended — so a cancelled connection goes back to the pool only
 * once the cancel has been sent and a probe query has come through.
 * `beforeRelease` runs on the still-held connection once the query succeeded.
 */
function runCancellable<R extends pg.QueryResultRow>(
  db: Db,
  sql: string,
  params: unknown[],
  setup: string[],
  beforeRelease?: (client: pg.PoolClient) => Promise<void>,
): Run<R> {
  let pid: number | null = null;
  let cancelSignal: Promise<void> | null = null;
  const result = (async () => {
    const client = await db.pool.connect();
    let failed = false;
    try {
      await client.query('BEGIN');
      pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      if (cancelSignal) throw new Error('cancelled before it started');
      for (const statement of setup) await client.query(statement);
      const rows = (await client.query<R>(sql, params)).rows;
      await client.query('COMMIT');
      return rows;
    } catch (err) {
      failed = true;
      throw err;
    } finally {
      pid = null;
      if (cancelSignal) {
        await cancelSignal;
        try {
          if (failed) await client.query('ROLLBACK');
          await client.query('SELECT 1');
          client.release();
        } catch {
          client.release(true);
        }
      } else {
        if (!failed && beforeRelease) await beforeRelease(client).catch(() => undefined);
        client.release(failed);
      }
    }
  })();
  return {
    result,
    pid: () => pid,
    cancelled: (signal) => {
      cancelSignal ??= signal;
    },
  };
}

/** The name a user shows (the agent's name in templates). */
export async function displayNameOf(q: Queryable, userId: string): Promise<string> {
  const { rows } = await q.query<{ display_name: string }>(`SELECT display_name FROM users WHERE id = $1`, [userId]);
  return rows[0]?.display_name ?? '';
}
