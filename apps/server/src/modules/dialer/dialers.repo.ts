import type { Queryable } from '../../platform/db/db.ts';

// The dialers' configuration, their run lease, and the dashboard's reads.
// A dialer's row is its run claim too: run_node / run_until is the lease of
// the node sending it, next_run_at when a runner should look at it again.

/** A dialer as stored. */
export interface DialerRow {
  id: string;
  name: string;
  campaign_id: string;
  campaign_name: string;
  template_id: string | null;
  subject: string;
  interval_ms: number;
  max_per_second: number;
  domain_limits: Array<{ domain: string; perMinute: number }>;
  default_domain_per_minute: number;
  schedule: Array<{ day: number; start: string; end: string }>;
  timezone: string;
  invite: DialerInviteRow | null;
  enabled: boolean;
  state: 'stopped' | 'running';
  run_node: string | null;
  run_until: Date | null;
  next_run_at: Date | null;
  in_flight_recovered: number;
  updated_at: Date;
}

/** The stored invitation. */
export interface DialerInviteRow {
  summary: string;
  organizerEmail: string;
  organizerName: string;
  description: string;
  location: string;
  start: string;
  end: string;
}

/** What saving writes. */
export interface DialerWrite {
  name: string;
  campaignId: string;
  templateId: string | null;
  subject: string;
  intervalMs: number;
  maxPerSecond: number;
  domainLimits: Array<{ domain: string; perMinute: number }>;
  defaultDomainPerMinute: number;
  schedule: Array<{ day: number; start: string; end: string }>;
  timezone: string;
  invite: DialerInviteRow | null;
  enabled: boolean;
}

const SELECT = `SELECT d.id, d.name, d.campaign_id, c.name AS campaign_name, d.template_id, d.subject, d.interval_ms, d.max_per_second,
                       d.domain_limits, d.default_domain_per_minute, d.schedule, d.timezone, d.invite, d.enabled, d.state,
                       d.run_node, d.run_until, d.next_run_at, d.in_flight_recovered, d.updated_at
                  FROM dialers d JOIN campaigns c ON c.id = d.campaign_id`;

/** Every dialer not deleted, by name. */
export async function listDialers(q: Queryable): Promise<DialerRow[]> {
  const { rows } = await q.query<DialerRow>(`${SELECT} WHERE d.deleted_at IS NULL ORDER BY lower(d.name)`);
  return rows;
}

/** One dialer not deleted. */
export async function findDialer(q: Queryable, id: string): Promise<DialerRow | null> {
  const { rows } = await q.query<DialerRow>(`${SELECT} WHERE d.id = $1 AND d.deleted_at IS NULL`, [id]);
  return rows[0] ?? null;
}

/** Locks a dialer's row until the transaction ends (state changes, list imports). */
export async function lockDialer(q: Queryable, id: string): Promise<DialerRow | null> {
  const { rows } = await q.query<DialerRow>(`${SELECT} WHERE d.id = $1 AND d.deleted_at IS NULL FOR UPDATE OF d`, [id]);
  return rows[0] ?? null;
}

const values = (d: DialerWrite): unknown[] => [
  d.name,
  d.campaignId,
  d.templateId,
  d.subject,
  d.intervalMs,
  d.maxPerSecond,
  JSON.stringify(d.domainLimits),
  d.defaultDomainPerMinute,
  JSON.stringify(d.schedule),
  d.timezone,
  d.invite === null ? null : JSON.stringify(d.invite),
  d.enabled,
];

/** Adds a dialer (stopped); a taken name raises the unique violation on dialers_name. */
export async function insertDialer(q: Queryable, id: string, d: DialerWrite): Promise<void> {
  await q.query(
    `INSERT INTO dialers (id, name, campaign_id, template_id, subject, interval_ms, max_per_second, domain_limits, default_domain_per_minute, schedule, timezone, invite, enabled)
     VALUES ($13, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [...values(d), id],
  );
}

/** Rewrites a dialer's configuration; a running one looks again at once (its limits or schedule may have changed). */
export async function updateDialer(q: Queryable, id: string, d: DialerWrite): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE dialers SET name = $1, campaign_id = $2, template_id = $3, subject = $4, interval_ms = $5, max_per_second = $6, domain_limits = $7,
            default_domain_per_minute = $8, schedule = $9, timezone = $10, invite = $11, enabled = $12, updated_at = now(),
            next_run_at = CASE WHEN state = 'running' THEN now() ELSE next_run_at END
      WHERE id = $13 AND deleted_at IS NULL`,
    [...values(d), id],
  );
  return (rowCount ?? 0) > 0;
}

/** Soft-deletes a stopped dialer (its ledger stays for the record). */
export async function deleteDialer(q: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await q.query(`UPDATE dialers SET deleted_at = now(), next_run_at = NULL WHERE id = $1 AND deleted_at IS NULL`, [id]);
  return (rowCount ?? 0) > 0;
}

/** Starts (a runner looks at it now) or stops (the node sending it stops after what is in flight). */
export async function setDialerState(q: Queryable, id: string, state: 'running' | 'stopped'): Promise<void> {
  await q.query(
    `UPDATE dialers SET state = $2, next_run_at = CASE WHEN $2 = 'running' THEN now() ELSE NULL END, updated_at = now() WHERE id = $1`,
    [id, state],
  );
}

/** A running dialer has work now (a new list, a single send). */
export async function wakeDialer(q: Queryable, id: string): Promise<void> {
  await q.query(`UPDATE dialers SET next_run_at = now() WHERE id = $1 AND state = 'running'`, [id]);
}

/** A campaign's template the dialer may use (the campaign's own, or a global one); undefined when it is neither. */
export async function templateOfCampaign(q: Queryable, templateId: string, campaignId: string): Promise<string | undefined> {
  const { rows } = await q.query<{ html: string }>(`SELECT html FROM templates WHERE id = $1 AND (campaign_id IS NULL OR campaign_id = $2)`, [templateId, campaignId]);
  return rows[0]?.html;
}

// The run claim ---------------------------------------------------------------

/** A dialer claimed for a run, and the due time it was claimed at (a later one means it was woken during the run). */
export interface ClaimedDialer {
  id: string;
  due: Date;
}

/**
 * Claims up to `limit` dialers that are due on this node: running, enabled,
 * due, and not leased by another live node (a node's own lapsed or current
 * lease is retaken: a restarted process with the same node id continues at
 * once). `busy` are the ones this process is sending already.
 */
export async function claimDueDialers(q: Queryable, node: string, limit: number, leaseSec: number, busy: readonly string[]): Promise<ClaimedDialer[]> {
  const { rows } = await q.query<{ id: string; due: Date }>(
    `UPDATE dialers d SET run_node = $1, run_until = now() + make_interval(secs => $3)
       FROM (SELECT id FROM dialers
              WHERE state = 'running' AND enabled AND deleted_at IS NULL AND next_run_at <= now()
                AND (run_until IS NULL OR run_until < now() OR run_node = $1)
                AND NOT (id = ANY ($4::uuid[]))
              ORDER BY next_run_at LIMIT $2 FOR UPDATE SKIP LOCKED) due
      WHERE d.id = due.id
      RETURNING d.id, d.next_run_at AS due`,
    [node, limit, leaseSec, busy],
  );
  return rows;
}

/** Extends this node's lease; false when it lost it (another node took over): the run must stop. */
export async function renewDialerLease(q: Queryable, id: string, node: string, leaseSec: number): Promise<{ held: boolean; state: string | null; enabled: boolean }> {
  const { rows } = await q.query<{ state: string; enabled: boolean; deleted: boolean }>(
    `UPDATE dialers SET run_until = now() + make_interval(secs => $3) WHERE id = $1 AND run_node = $2 RETURNING state, enabled, deleted_at IS NOT NULL AS deleted`,
    [id, node, leaseSec],
  );
  const r = rows[0];
  return r ? { held: true, state: r.deleted ? null : r.state, enabled: r.enabled } : { held: false, state: null, enabled: false };
}

/**
 * Ends this node's run: the lease goes and the dialer is looked at again at
 * nextRunAt (null: when something wakes it; 'now': at once). A wake-up that
 * came during the run (a new list: next_run_at moved past the due time it
 * was claimed at) is kept.
 */
export async function releaseDialer(q: Queryable, id: string, node: string, claimedDue: Date, nextRunAt: Date | null | 'now'): Promise<void> {
  await q.query(
    `UPDATE dialers SET run_node = NULL, run_until = NULL,
            next_run_at = CASE WHEN state <> 'running' OR deleted_at IS NOT NULL THEN NULL
                               WHEN $4::boolean OR next_run_at > $3 THEN now()
                               ELSE $5::timestamptz END
      WHERE id = $1 AND run_node = $2`,
    [id, node, claimedDue, nextRunAt === 'now', nextRunAt === 'now' ? null : nextRunAt],
  );
}


// The dashboard ---------------------------------------------------------------

/** A list and its counters. */
export interface ListCountsRow {
  id: number;
  name: string;
  created_at: Date;
  rows_total: number;
  sent: number;
  failed: number;
  retried: number;
  skipped: number;
  deleted: number;
  seen: number;
  rejected: number;
  spam: number;
  unsubscribed: number;
  replied: number;
}

/** A dialer's lists, newest first, with their counters. */
export async function listCounts(q: Queryable, dialerId: string): Promise<ListCountsRow[]> {
  const { rows } = await q.query<ListCountsRow>(
    `SELECT l.id::int AS id, l.name, l.created_at, l.rows_total, l.sent, l.failed, l.retried, l.skipped, l.deleted, l.seen, l.rejected, l.spam, l.unsubscribed,
            (SELECT count(DISTINCT r.row_id)::int FROM dialer_replies r JOIN dialer_rows x ON x.id = r.row_id WHERE x.list_id = l.id) AS replied
       FROM dialer_lists l WHERE l.dialer_id = $1 AND l.rows_total > 0 ORDER BY l.id DESC`,
    [dialerId],
  );
  return rows;
}

/** Messages per minute over the last hour. */
export async function recentMinutes(q: Queryable, dialerId: string, since: Date): Promise<Array<{ minute: Date; sent: number; failed: number }>> {
  const { rows } = await q.query<{ minute: Date; sent: number; failed: number }>(
    `SELECT minute, sent, failed FROM dialer_minutes WHERE dialer_id = $1 AND minute >= $2 ORDER BY minute`,
    [dialerId, since],
  );
  return rows;
}

/** Ids of the dialers of a campaign (the inbound link checks only these). */
export async function dialerIdsOfCampaign(q: Queryable, campaignId: string): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>('SELECT id FROM dialers WHERE campaign_id = $1', [campaignId]);
  return rows.map((r) => r.id);
}

/**
 * Ends a mailing: the rows not sent yet (queued or waiting for a retry) are
 * marked deleted and counted on their lists; rows in flight finish.
 */
export async function deleteUnprocessed(q: Queryable, dialerId: string): Promise<number> {
  const { rows } = await q.query<{ n: number }>(
    `WITH d AS (UPDATE dialer_rows SET state = 'deleted', finished_at = now() WHERE dialer_id = $1 AND state IN ('queued', 'retrying') RETURNING list_id),
          c AS (SELECT list_id, count(*)::int AS n FROM d GROUP BY list_id),
          u AS (UPDATE dialer_lists l SET deleted = l.deleted + c.n FROM c WHERE l.id = c.list_id RETURNING c.n)
     SELECT coalesce(sum(n), 0)::int AS n FROM u`,
    [dialerId],
  );
  return rows[0]!.n;
}

/** The attachment tokens of a campaign's registry (a list row may name only these). */
export async function attachmentTokens(q: Queryable, campaignId: string): Promise<Set<string>> {
  const { rows } = await q.query<{ token: string }>('SELECT token FROM dialer_attachments WHERE campaign_id = $1', [campaignId]);
  return new Set(rows.map((r) => r.token));
}

// The blacklist and the links in dialer mail ------------------------------------

/** Which of these blacklist keys are blacklisted (one query per claimed batch, never per message). */
export async function blacklistedAmong(q: Queryable, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const { rows } = await q.query<{ address: string }>({ name: 'dialer_blacklisted', text: 'SELECT address FROM dialer_blacklist WHERE address = ANY ($1::text[])' }, [keys]);
  return new Set(rows.map((r) => r.address));
}

/** Counts a row seen once (the pixel loaded); returns its dialer when this was the first time. */
export async function markSeen(q: Queryable, rowId: string): Promise<string | null> {
  const { rows } = await q.query<{ dialer_id: string }>(
    `WITH r AS (UPDATE dialer_rows SET seen_at = now() WHERE id = $1 AND seen_at IS NULL AND state = 'sent' RETURNING list_id, dialer_id),
          l AS (UPDATE dialer_lists SET seen = seen + 1 WHERE id = (SELECT list_id FROM r))
     SELECT dialer_id FROM r`,
    [rowId],
  );
  return rows[0]?.dialer_id ?? null;
}

/** The row a link names: its dialer and destination, or null. */
export async function findSentRow(q: Queryable, rowId: string): Promise<{ dialer_id: string; destination: string; unsubscribed: boolean } | null> {
  const { rows } = await q.query<{ dialer_id: string; destination: string; unsubscribed: boolean }>(
    `SELECT dialer_id, destination, unsubscribed_at IS NOT NULL AS unsubscribed FROM dialer_rows WHERE id = $1 AND state = 'sent'`,
    [rowId],
  );
  return rows[0] ?? null;
}

/** Counts a row unsubscribed once and blacklists its address (`key`, the blacklist form) for every dialer. */
export async function markUnsubscribed(q: Queryable, rowId: string, key: string): Promise<string | null> {
  const { rows } = await q.query<{ dialer_id: string }>(
    `WITH r AS (UPDATE dialer_rows SET unsubscribed_at = now() WHERE id = $1 AND unsubscribed_at IS NULL AND state = 'sent' RETURNING list_id, dialer_id),
          l AS (UPDATE dialer_lists SET unsubscribed = unsubscribed + 1 WHERE id = (SELECT list_id FROM r)),
          b AS (INSERT INTO dialer_blacklist (address, reason, dialer_id) SELECT $2, 'unsubscribe', dialer_id FROM r ON CONFLICT (address) DO NOTHING)
     SELECT dialer_id FROM r`,
    [rowId, key],
  );
  return rows[0]?.dialer_id ?? null;
}

// What came back by mail: bounces, complaints, replies ----------------------------

type ReportColumn = 'rejected' | 'spam';

/**
 * Counts a report against a sent row once (rejected_at / spam_at set, the
 * list's counter moved) when the row belongs to a dialer of the campaign;
 * returns its dialer and destination the first time, null otherwise.
 */
export async function markReported(q: Queryable, rowId: string, campaignId: string, what: ReportColumn): Promise<{ dialer_id: string; destination: string } | null> {
  const at = what === 'rejected' ? 'rejected_at' : 'spam_at';
  const { rows } = await q.query<{ dialer_id: string; destination: string }>(
    `WITH r AS (UPDATE dialer_rows x SET ${at} = now() FROM dialers d
                 WHERE x.id = $1 AND d.id = x.dialer_id AND d.campaign_id = $2 AND x.state = 'sent' AND x.${at} IS NULL
             RETURNING x.list_id, x.dialer_id, x.destination),
          l AS (UPDATE dialer_lists SET ${what} = ${what} + 1 WHERE id = (SELECT list_id FROM r))
     SELECT dialer_id, destination FROM r`,
    [rowId, campaignId],
  );
  return rows[0] ?? null;
}

/** Adds an address (`key`, the blacklist form) to the blacklist for a reason, keeping an entry already there. */
export async function blacklistAddress(q: Queryable, key: string, reason: 'bounce' | 'spam', dialerId: string): Promise<void> {
  await q.query(`INSERT INTO dialer_blacklist (address, reason, dialer_id) VALUES ($1, $2, $3) ON CONFLICT (address) DO NOTHING`, [key, reason, dialerId]);
}

/** Records that an inbound message answers a row of one of the campaign's dialers; its dialer, or null when the row is not the campaign's. */
export async function insertDialerReply(q: Queryable, rowId: string, campaignId: string, messageId: number, interactionId: number): Promise<string | null> {
  const { rows } = await q.query<{ dialer_id: string }>(
    `WITH r AS (SELECT x.id, x.dialer_id FROM dialer_rows x JOIN dialers d ON d.id = x.dialer_id WHERE x.id = $1 AND d.campaign_id = $2),
          i AS (INSERT INTO dialer_replies (message_id, row_id, interaction_id) SELECT $3, id, $4 FROM r ON CONFLICT (message_id) DO NOTHING)
     SELECT dialer_id FROM r`,
    [rowId, campaignId, messageId, interactionId],
  );
  return rows[0]?.dialer_id ?? null;
}

/** The dialer message an interaction's first linked reply answers: the row, its list and dialer; null when none. */
export async function dialerReplyOf(q: Queryable, interactionId: number): Promise<DialerReplyRow | null> {
  const { rows } = await q.query<DialerReplyRow>(
    `SELECT d.id AS dialer_id, d.name AS dialer_name, l.id::int AS list_id, l.name AS list_name, x.id::text AS row_id, x.line, x.destination, x.finished_at
       FROM dialer_replies r JOIN dialer_rows x ON x.id = r.row_id JOIN dialer_lists l ON l.id = x.list_id JOIN dialers d ON d.id = x.dialer_id
      WHERE r.interaction_id = $1 ORDER BY r.message_id LIMIT 1`,
    [interactionId],
  );
  return rows[0] ?? null;
}

export interface DialerReplyRow {
  dialer_id: string;
  dialer_name: string;
  list_id: number;
  list_name: string;
  row_id: string;
  line: number;
  destination: string;
  finished_at: Date | null;
}

// Per-row outcomes ------------------------------------------------------------------

/** One ledger row as the outcome search shows it. */
export interface RowOutcomeRow {
  id: number;
  list_id: number;
  line: number;
  destination: string;
  state: string;
  attempts: number;
  uncertain: number;
  smtp_code: number | null;
  reply: string | null;
  finished_at: Date | null;
  seen_at: Date | null;
  rejected_at: Date | null;
  spam_at: Date | null;
  unsubscribed_at: Date | null;
}

/** What the outcome search filters on: part of the address (case-insensitive), a state, a list. */
export interface RowFilter {
  q: string;
  state?: string;
  listId?: number;
}

/** A dialer's rows matching the filter, in ledger order, after the keyset `after` (a row id). */
export async function searchRows(q: Queryable, dialerId: string, f: RowFilter, after: number, limit: number): Promise<RowOutcomeRow[]> {
  const like = f.q === '' ? null : `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const { rows } = await q.query<RowOutcomeRow>(
    `SELECT id::float8 AS id, list_id::int AS list_id, line, destination, state, attempts, uncertain, smtp_code, reply,
            finished_at, seen_at, rejected_at, spam_at, unsubscribed_at
       FROM dialer_rows
      WHERE dialer_id = $1 AND id > $2 AND ($3::text IS NULL OR state = $3) AND ($4::bigint IS NULL OR list_id = $4)
        AND ($5::text IS NULL OR destination ILIKE $5)
      ORDER BY id LIMIT $6`,
    [dialerId, after, f.state ?? null, f.listId ?? null, like, limit],
  );
  return rows;
}

// The attachments registry -----------------------------------------------------------

export interface AttachmentRow {
  token: string;
  filename: string;
  content_type: string;
  size: number;
  sha256: string;
  created_at: Date;
}

export async function insertAttachment(
  q: Queryable,
  a: { token: string; campaignId: string; filename: string; contentType: string; size: number; sha256: string; createdBy: string | null },
): Promise<AttachmentRow> {
  const { rows } = await q.query<AttachmentRow>(
    `INSERT INTO dialer_attachments (token, campaign_id, filename, content_type, size, sha256, created_by)
     VALUES ($1, $2, $3, $4, $5, decode($6, 'hex'), $7)
     RETURNING token, filename, content_type, size, encode(sha256, 'hex') AS sha256, created_at`,
    [a.token, a.campaignId, a.filename, a.contentType, a.size, a.sha256, a.createdBy],
  );
  return rows[0]!;
}

/** A campaign's registry, newest first. */
export async function campaignAttachments(q: Queryable, campaignId: string): Promise<AttachmentRow[]> {
  const { rows } = await q.query<AttachmentRow>(
    `SELECT token, filename, content_type, size, encode(sha256, 'hex') AS sha256, created_at FROM dialer_attachments WHERE campaign_id = $1 ORDER BY created_at DESC, token`,
    [campaignId],
  );
  return rows;
}

/** Removes a token from a campaign's registry unless a row not sent yet names it: 'deleted', 'in_use' or 'missing'. */
export async function deleteAttachment(q: Queryable, campaignId: string, token: string): Promise<'deleted' | 'in_use' | 'missing'> {
  const { rows } = await q.query<{ in_use: boolean; deleted: boolean }>(
    `WITH u AS (SELECT EXISTS (SELECT 1 FROM dialer_rows x JOIN dialers d ON d.id = x.dialer_id
                               WHERE d.campaign_id = $1 AND x.state IN ('queued', 'retrying', 'sending') AND $2 = ANY (x.attachments)) AS in_use),
          del AS (DELETE FROM dialer_attachments WHERE campaign_id = $1 AND token = $2 AND NOT (SELECT in_use FROM u) RETURNING token)
     SELECT (SELECT in_use FROM u) AS in_use, EXISTS (SELECT 1 FROM del) AS deleted`,
    [campaignId, token],
  );
  const r = rows[0]!;
  if (r.deleted) return 'deleted';
  if (!r.in_use) return 'missing';
  const { rows: there } = await q.query('SELECT 1 FROM dialer_attachments WHERE campaign_id = $1 AND token = $2', [campaignId, token]);
  return there.length > 0 ? 'in_use' : 'missing';
}
