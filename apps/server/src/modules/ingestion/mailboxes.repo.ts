import type { Queryable } from '../../platform/db/db.ts';
import { emitEvent } from '../../platform/events/events.ts';
import type { FolderCursor } from '@postdesk/mailkit/imap';

/** The states a mailbox shows in the console. */
export type MailboxState = 'idle' | 'connecting' | 'connected' | 'backoff' | 'needs_attention' | 'stopped';

/** Thrown when this node no longer holds a mailbox's lease: its work must stop and roll back. */
export class LeaseLostError extends Error {
  constructor(campaignId: string) {
    super(`lease on mailbox ${campaignId} lost`);
  }
}

/** A lease this node holds after a tick, and what may require its runner to restart. */
export interface HeldLease {
  campaign_id: string;
  retry_requested: number;
  state: MailboxState;
  failures: number;
  next_attempt_at: Date | null;
  campaign_updated_at: Date;
}

/**
 * Takes or renews the leases of the given mailboxes for this node: free ones,
 * expired ones (their holder died) and our own. One statement, so two nodes
 * racing for a mailbox cannot both win.
 */
export async function acquireLeases(q: Queryable, node: string, campaignIds: string[], leaseSec: number): Promise<HeldLease[]> {
  if (campaignIds.length === 0) return [];
  await q.query(
    `INSERT INTO mailboxes (campaign_id) SELECT unnest($1::uuid[]) ON CONFLICT DO NOTHING`,
    [campaignIds],
  );
  const { rows } = await q.query<HeldLease>(
    `UPDATE mailboxes m SET lease_holder = $1, lease_expires_at = now() + make_interval(secs => $3)
       FROM campaigns c
      WHERE m.campaign_id = ANY($2::uuid[]) AND c.id = m.campaign_id
        AND (m.lease_holder IS NULL OR m.lease_holder = $1 OR m.lease_expires_at < now())
      RETURNING m.campaign_id, m.retry_requested, m.state, m.failures, m.next_attempt_at, c.updated_at AS campaign_updated_at`,
    [node, campaignIds, leaseSec],
  );
  return rows;
}

/**
 * Milliseconds (by the database's clock, so a node's own clock does not
 * matter) until the first lease another node holds on one of these mailboxes
 * expires; null when none is held by another node. A node that is waiting
 * for a mailbox wakes then, so a dead holder is replaced when its lease ends
 * rather than up to a supervision tick later.
 */
export async function msUntilOthersLeaseExpires(q: Queryable, node: string, campaignIds: string[]): Promise<number | null> {
  if (campaignIds.length === 0) return null;
  const { rows } = await q.query<{ ms: number | null }>(
    `SELECT (extract(epoch FROM min(lease_expires_at) - now()) * 1000)::float8 AS ms
       FROM mailboxes WHERE campaign_id = ANY($2::uuid[]) AND lease_holder IS NOT NULL AND lease_holder <> $1`,
    [node, campaignIds],
  );
  return rows[0]?.ms ?? null;
}

/** Gives up this node's leases (graceful shutdown, or a mailbox no longer to sync) so another node takes over at once. */
export async function releaseLeases(q: Queryable, node: string, campaignIds?: string[]): Promise<void> {
  await q.query(
    `UPDATE mailboxes SET lease_holder = NULL, lease_expires_at = NULL,
            state = CASE WHEN state = 'needs_attention' THEN state ELSE 'idle' END, updated_at = now()
      WHERE lease_holder = $1 AND ($2::uuid[] IS NULL OR campaign_id = ANY($2::uuid[]))`,
    [node, campaignIds ?? null],
  );
}

/** Marks mailboxes that are no longer synced (campaign disabled or not receiving). */
export async function markStopped(q: Queryable, activeIds: string[]): Promise<void> {
  await q.query(
    `UPDATE mailboxes SET state = 'stopped', updated_at = now()
      WHERE NOT (campaign_id = ANY($1::uuid[])) AND state <> 'stopped' AND lease_holder IS NULL`,
    [activeIds],
  );
}

/** A change of a mailbox's state as its runner sees it. */
export interface StatePatch {
  state: MailboxState;
  /** Set on failure; null clears the last error on success; undefined keeps it. */
  error?: string | null;
  failures?: number;
  nextAttemptAt?: Date | null;
}

/** Records a runner's state (only while it holds the lease) and tells the console. */
export async function setMailboxState(q: Queryable, campaignId: string, node: string, p: StatePatch): Promise<void> {
  const r = await q.query(
    `UPDATE mailboxes SET state = $3,
            last_error = CASE WHEN $4::boolean THEN $5 ELSE last_error END,
            last_error_at = CASE WHEN $4::boolean AND $5::text IS NOT NULL THEN now() ELSE last_error_at END,
            failures = coalesce($6, failures),
            next_attempt_at = CASE WHEN $7::boolean THEN $8::timestamptz ELSE next_attempt_at END,
            last_sync_at = CASE WHEN $3 = 'connected' THEN now() ELSE last_sync_at END,
            updated_at = now()
      WHERE campaign_id = $1 AND lease_holder = $2
      RETURNING state`,
    [campaignId, node, p.state, p.error !== undefined, p.error ?? null, p.failures ?? null, p.nextAttemptAt !== undefined, p.nextAttemptAt ?? null],
  );
  if ((r.rowCount ?? 0) === 0) throw new LeaseLostError(campaignId);
  await emitEvent(q, { type: 'mailbox.status_changed', campaignId, state: p.state });
}

/** Marks a successful sync pass now. */
export async function markSynced(q: Queryable, campaignId: string, node: string): Promise<void> {
  await q.query(`UPDATE mailboxes SET last_sync_at = now() WHERE campaign_id = $1 AND lease_holder = $2`, [campaignId, node]);
}

/** The stored cursor of a folder, or null before its first sync; actedUid is where the fetched-mail action has caught up to. */
export async function loadCursor(q: Queryable, campaignId: string, folder: string): Promise<(FolderCursor & { actedUid: number }) | null> {
  const { rows } = await q.query<{ uidvalidity: number; last_uid: number; resync_below: number | null; acted_uid: number }>(
    'SELECT uidvalidity, last_uid, resync_below, acted_uid FROM mailbox_folders WHERE campaign_id = $1 AND folder = $2',
    [campaignId, folder],
  );
  const r = rows[0];
  return r ? { uidvalidity: r.uidvalidity, lastUid: r.last_uid, resyncBelow: r.resync_below, actedUid: r.acted_uid } : null;
}

/** Starts a folder's cursor over (first sync, or a new UIDVALIDITY epoch). */
export async function resetCursor(q: Queryable, campaignId: string, folder: string, c: FolderCursor): Promise<void> {
  await q.query(
    `INSERT INTO mailbox_folders (campaign_id, folder, uidvalidity, last_uid, resync_below, acted_uid) VALUES ($1, $2, $3, $4, $5, $4)
     ON CONFLICT (campaign_id, folder) DO UPDATE
       SET uidvalidity = EXCLUDED.uidvalidity, last_uid = EXCLUDED.last_uid, resync_below = EXCLUDED.resync_below,
           acted_uid = EXCLUDED.acted_uid, updated_at = now()`,
    [campaignId, folder, c.uidvalidity, c.lastUid, c.resyncBelow],
  );
}

/**
 * Moves a folder's cursor to uid inside the transaction that stored the
 * message — fenced: only forward, only in the same UIDVALIDITY epoch, and only
 * while this node holds the lease. A node that lost its lease (paused,
 * partitioned) cannot commit behind the new holder's back: the transaction
 * fails and rolls back everything it wrote.
 */
export async function advanceCursor(q: Queryable, campaignId: string, folder: string, uidvalidity: number, uid: number, node: string): Promise<void> {
  const r = await q.query(
    { name: 'ingest_advance_cursor', text: `UPDATE mailbox_folders f SET last_uid = $4,
            resync_below = CASE WHEN f.resync_below IS NOT NULL AND $4 >= f.resync_below THEN NULL ELSE f.resync_below END,
            updated_at = now()
      WHERE f.campaign_id = $1 AND f.folder = $2 AND f.uidvalidity = $3 AND f.last_uid <= $4
        AND EXISTS (SELECT 1 FROM mailboxes m WHERE m.campaign_id = $1 AND m.lease_holder = $5 AND m.lease_expires_at > now())` },
    [campaignId, folder, uidvalidity, uid, node],
  );
  if ((r.rowCount ?? 0) === 0) throw new LeaseLostError(campaignId);
}

/** The fetched-mail action has been applied to every committed UID up to uid (only ever forward, in this epoch). */
export async function markActed(q: Queryable, campaignId: string, folder: string, uidvalidity: number, uid: number): Promise<void> {
  await q.query(
    `UPDATE mailbox_folders SET acted_uid = $4 WHERE campaign_id = $1 AND folder = $2 AND uidvalidity = $3 AND acted_uid < $4`,
    [campaignId, folder, uidvalidity, uid],
  );
}

/** Remembers a POP3 message as stored, fenced by the lease like advanceCursor. */
export async function rememberUidl(q: Queryable, campaignId: string, uidl: string, node: string): Promise<void> {
  const r = await q.query(
    `INSERT INTO pop3_uidls (campaign_id, uidl)
     SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM mailboxes m WHERE m.campaign_id = $1 AND m.lease_holder = $3 AND m.lease_expires_at > now())
     ON CONFLICT DO NOTHING`,
    [campaignId, uidl, node],
  );
  if ((r.rowCount ?? 0) === 0) {
    const held = await q.query('SELECT 1 FROM mailboxes WHERE campaign_id = $1 AND lease_holder = $2 AND lease_expires_at > now()', [campaignId, node]);
    if ((held.rowCount ?? 0) === 0) throw new LeaseLostError(campaignId);
  }
}

/** UIDLs of this mailbox already stored, among the given ones. */
export async function knownUidls(q: Queryable, campaignId: string, uidls: string[]): Promise<Set<string>> {
  if (uidls.length === 0) return new Set();
  const { rows } = await q.query<{ uidl: string }>('SELECT uidl FROM pop3_uidls WHERE campaign_id = $1 AND uidl = ANY($2::text[])', [
    campaignId,
    uidls,
  ]);
  return new Set(rows.map((r) => r.uidl));
}

/** A receiving campaign's mailbox as the mailboxes screen lists it. */
export interface MailboxListRow {
  id: string;
  name: string;
  key: string;
  inbound_protocol: 'imap' | 'pop3';
  inbound_mailbox: string;
  enabled: boolean;
  receive_emails: boolean;
  state: MailboxState | null;
  last_sync_at: Date | null;
  last_error: string | null;
  last_error_at: Date | null;
  next_attempt_at: Date | null;
  ingested: number | null;
  waiting: number;
  quarantined: number;
  /** The OAuth2 account the mailbox signs in with, if any (oauth_accounts, read here for the screen). */
  oauth_account_id: string | null;
  oauth_provider_id: string | null;
  oauth_email: string | null;
  oauth_state: 'ok' | 'backoff' | 'sign_in_needed' | null;
}

/** Every live campaign that receives mail (or did), by name, with its sync state and counts. */
export async function listMailboxes(q: Queryable, scope: { userId: string; all: boolean }): Promise<MailboxListRow[]> {
  const { rows } = await q.query<MailboxListRow>(
    `SELECT c.id, c.name, c.key, c.inbound_protocol, c.inbound_mailbox, c.enabled, c.receive_emails,
            m.state, m.last_sync_at, m.last_error, m.last_error_at, m.next_attempt_at, m.ingested,
            (SELECT count(*) FROM interactions i WHERE i.campaign_id = c.id AND i.status = 'open')::int AS waiting,
            (SELECT count(*) FROM quarantine qr WHERE qr.campaign_id = c.id AND qr.state = 'quarantined')::int AS quarantined,
            c.oauth_account_id, oa.provider_id AS oauth_provider_id, oa.email AS oauth_email, oa.state AS oauth_state
       FROM campaigns c LEFT JOIN mailboxes m ON m.campaign_id = c.id LEFT JOIN oauth_accounts oa ON oa.id = c.oauth_account_id
      WHERE c.deleted_at IS NULL AND (c.receive_emails OR m.campaign_id IS NOT NULL)
        AND ($1::boolean OR EXISTS (SELECT 1 FROM campaign_access a WHERE a.campaign_id = c.id AND a.user_id = $2))
      ORDER BY lower(c.name)`,
    [scope.all, scope.userId],
  );
  return rows;
}

/** An admin asks for a fresh attempt now: failures forgotten, backoff and "needs attention" lifted; false when there is no such mailbox. */
export async function requestRetry(q: Queryable, campaignId: string): Promise<boolean> {
  const r = await q.query(
    `UPDATE mailboxes SET retry_requested = retry_requested + 1, failures = 0, next_attempt_at = NULL,
            state = CASE WHEN state IN ('needs_attention', 'backoff') THEN 'idle' ELSE state END, updated_at = now()
      WHERE campaign_id = $1 AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = $1 AND c.deleted_at IS NULL)`,
    [campaignId],
  );
  return (r.rowCount ?? 0) > 0;
}

/** Seconds since each receiving campaign's mailbox last caught up (since it was set up when never), for /metrics. */
export async function mailboxSyncLag(q: Queryable, now: Date): Promise<Array<{ campaignId: string; seconds: number }>> {
  const { rows } = await q.query<{ campaign_id: string; seconds: number }>(
    `SELECT m.campaign_id, greatest(0, extract(epoch FROM ($1::timestamptz - coalesce(m.last_sync_at, c.created_at))))::float8 AS seconds
       FROM mailboxes m JOIN campaigns c ON c.id = m.campaign_id
      WHERE c.deleted_at IS NULL AND c.enabled AND c.receive_emails`,
    [now],
  );
  return rows.map((r) => ({ campaignId: r.campaign_id, seconds: Number(r.seconds) }));
}

/**
 * After the admin changed a campaign's mail settings: a mailbox that needed
 * attention (or was backing off) gets a fresh attempt, and when the inbound
 * account moved, its folder cursors are marked unknown (UIDVALIDITY -1), so
 * the next sync resynchronises with Message-ID + content-hash dedupe instead
 * of trusting UIDs from another server (POP3: its UIDLs are forgotten).
 */
export async function resetMailboxSync(q: Queryable, campaignId: string, inboundMoved: boolean): Promise<void> {
  await q.query(
    `UPDATE mailboxes SET state = 'idle', failures = 0, next_attempt_at = NULL, updated_at = now()
      WHERE campaign_id = $1 AND state IN ('needs_attention', 'backoff')`,
    [campaignId],
  );
  if (!inboundMoved) return;
  await q.query('UPDATE mailbox_folders SET uidvalidity = -1 WHERE campaign_id = $1', [campaignId]);
  // UIDLs are only unique per server; POP3 ingest also dedupes by content, so forgetting them loses nothing
  await q.query('DELETE FROM pop3_uidls WHERE campaign_id = $1', [campaignId]);
}

/**
 * The campaign's action for fetched mail changed: it applies to mail fetched
 * from now on, never retroactively to what earlier sessions left behind.
 */
export async function actionChangedFromNow(q: Queryable, campaignId: string): Promise<void> {
  await q.query('UPDATE mailbox_folders SET acted_uid = last_uid WHERE campaign_id = $1', [campaignId]);
}
