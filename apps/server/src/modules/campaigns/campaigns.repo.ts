import type { Queryable } from '../../platform/db/db.ts';
import { waitingBehindHoldSql } from '../outbound/index.ts';
import type { CampaignInputT } from './campaigns.schema.ts';

/** A campaign row; sealed passwords stay inside the server. */
export interface CampaignRow {
  id: string;
  name: string;
  key: string;
  description: string;
  enabled: boolean;
  receive_emails: boolean;
  from_address: string;
  from_name: string;
  timezone: string;
  service: CampaignInputT['service'];
  default_list_id: string | null;
  default_list_name: string | null;
  inbound_protocol: 'imap' | 'pop3';
  inbound_host: string;
  inbound_port: number;
  inbound_security: 'tls' | 'starttls' | 'none';
  inbound_username: string;
  inbound_password_sealed: Buffer | null;
  inbound_mailbox: string;
  inbound_connection_timeout_sec: number;
  inbound_auth_timeout_sec: number;
  smtp_host: string;
  smtp_port: number;
  smtp_security: 'tls' | 'starttls' | 'none';
  smtp_auth: boolean;
  smtp_username: string;
  smtp_password_sealed: Buffer | null;
  /** Set when the mailbox signs in with OAuth2 (modules/oauth owns the account and its tokens). */
  oauth_account_id: string | null;
  strategy: CampaignInputT['queue']['strategy'];
  service_level_sec: number;
  max_interactions_per_agent: number;
  offer_timeout_sec: number;
  auto_assign: boolean;
  wait_assigned_agent_sec: number;
  wait_assigned_queue_sec: number;
  transfer_to_agent: boolean;
  transfer_to_agent_timeout_sec: number;
  transfer_to_queue: boolean;
  transfer_to_queue_timeout_sec: number;
  mandatory_disposition: boolean;
  mark_as_unread: boolean;
  mail_ca_pem: string | null;
  fetched_mail_action: CampaignInputT['queue']['fetchedMailAction'];
  move_to_folder: string | null;
  sent_folder: string | null;
  pause_while_disposing: boolean;
  closed_reply_action: 'reopen' | 'new_linked';
  missed_offers_pause: number;
  offer_rounds: number;
  schedule: CampaignInputT['schedule'];
  threshold_service_level_sec: number;
  threshold_dropout_sec: number;
  threshold_chat_time_sec: number;
  threshold_acd_sec: number;
  signature_template_id: string | null;
  confirmation_enabled: boolean;
  confirmation_template_id: string | null;
  out_of_hours_enabled: boolean;
  out_of_hours_template_id: string | null;
  qualification_enabled: boolean;
  qualification_title: string;
  qualification_thanks: string;
  created_at: Date;
  updated_at: Date;
}

/** The last check of one connection. */
export interface ConnectionRow {
  campaign_id: string;
  protocol: 'imap' | 'pop3' | 'smtp';
  ok: boolean;
  code: string | null;
  message: string | null;
  checked_at: Date;
  /** SMTP only: the account is held back by the outbox (see smtp_holds), with how many messages wait. */
  hold_since: Date | null;
  hold_retry_at: Date | null;
  hold_waiting: number | null;
}

/** A campaign row with its default list's name: every reader of campaigns starts here. */
export const campaignSelect = `SELECT c.*, l.name AS default_list_name FROM campaigns c LEFT JOIN contact_lists l ON l.id = c.default_list_id`;

/**
 * Campaigns visible to a principal: all for staff, only memberships for an
 * agent. The membership filter lives in the SQL so no caller can forget it.
 */
export async function listCampaigns(db: Queryable, viewer: { userId: string; all: boolean }): Promise<CampaignRow[]> {
  const { rows } = await db.query<CampaignRow>(
    `${campaignSelect} WHERE c.deleted_at IS NULL
       AND ($1::boolean OR EXISTS (SELECT 1 FROM campaign_access m WHERE m.campaign_id = c.id AND m.user_id = $2))
     ORDER BY lower(c.name)`,
    [viewer.all, viewer.userId],
  );
  return rows;
}

/** One campaign if the viewer may see it; null otherwise (the caller answers 404 either way). */
export async function findCampaign(db: Queryable, id: string, viewer: { userId: string; all: boolean }): Promise<CampaignRow | null> {
  const { rows } = await db.query<CampaignRow>(
    `${campaignSelect} WHERE c.id = $1 AND c.deleted_at IS NULL
       AND ($2::boolean OR EXISTS (SELECT 1 FROM campaign_access m WHERE m.campaign_id = c.id AND m.user_id = $3))`,
    [id, viewer.all, viewer.userId],
  );
  return rows[0] ?? null;
}

/** One live campaign's row (null when deleted or missing); used by sync, ingest and the outbox. */
export async function findCampaignRow(q: Queryable, id: string): Promise<CampaignRow | null> {
  const { rows } = await q.query<CampaignRow>(
    `${campaignSelect} WHERE c.id = $1 AND c.deleted_at IS NULL`,
    [id],
  );
  return rows[0] ?? null;
}

/** Ids of the campaigns whose mailbox should be synced now: enabled, receiving, not deleted. */
export async function listReceivingCampaignIds(q: Queryable): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `SELECT id FROM campaigns WHERE deleted_at IS NULL AND enabled AND receive_emails ORDER BY created_at`,
  );
  return rows.map((r) => r.id);
}

/** Every sender address of every campaign, lowercased: "our own" addresses for loop protection. */
export async function listOwnAddresses(q: Queryable): Promise<string[]> {
  const { rows } = await q.query<{ a: string }>(`SELECT DISTINCT lower(from_address) AS a FROM campaigns WHERE deleted_at IS NULL`);
  return rows.map((r) => r.a);
}

/** Every campaign key ever used here, upper-cased (deleted campaigns too): the subject tokens that are ours. */
export async function listCampaignKeys(q: Queryable): Promise<string[]> {
  const { rows } = await q.query<{ k: string }>(`SELECT DISTINCT upper(key) AS k FROM campaigns`);
  return rows.map((r) => r.k);
}

/** True when the campaign exists and the viewer may see it (staff: every campaign; agents: their memberships). */
export async function canSeeCampaign(db: Queryable, v: { userId: string; all: boolean }, campaignId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `SELECT 1 FROM campaigns c WHERE c.id = $3 AND c.deleted_at IS NULL
       AND ($1::boolean OR EXISTS (SELECT 1 FROM campaign_access m WHERE m.campaign_id = c.id AND m.user_id = $2))`,
    [v.all, v.userId, campaignId],
  );
  return (rowCount ?? 0) > 0;
}

/** The campaign's contact list, created (and made the default) on first mail when it has none. */
export async function contactListFor(q: Queryable, campaign: { id: string; name: string; default_list_id: string | null }): Promise<string> {
  if (campaign.default_list_id) return campaign.default_list_id;
  const listId = await ensureContactList(q, `${campaign.name} contacts`.slice(0, 120));
  await q.query('UPDATE campaigns SET default_list_id = $2 WHERE id = $1 AND default_list_id IS NULL', [campaign.id, listId]);
  return listId;
}

/** Connection states of the given campaigns; an SMTP account the outbox holds back says so. */
export async function listConnections(db: Queryable, campaignIds: string[]): Promise<ConnectionRow[]> {
  if (campaignIds.length === 0) return [];
  const { rows } = await db.query<ConnectionRow>(
    `SELECT cc.*, h.since AS hold_since, h.retry_at AS hold_retry_at,
            CASE WHEN h.campaign_id IS NOT NULL THEN ${waitingBehindHoldSql('h.campaign_id')} END AS hold_waiting
       FROM campaign_connections cc
       LEFT JOIN smtp_holds h ON h.campaign_id = cc.campaign_id AND cc.protocol = 'smtp'
      WHERE cc.campaign_id = ANY($1::uuid[]) ORDER BY cc.protocol`,
    [campaignIds],
  );
  return rows;
}

/** Records what real traffic showed of one connection (the outbox's sends), beside the admin's checks. */
export async function recordConnection(db: Queryable, campaignId: string, r: { protocol: 'imap' | 'pop3' | 'smtp'; ok: boolean; code?: string; message?: string }, at: Date): Promise<void> {
  await db.query(
    `INSERT INTO campaign_connections (campaign_id, protocol, ok, code, message, checked_at)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (campaign_id, protocol) DO UPDATE
       SET ok = EXCLUDED.ok, code = EXCLUDED.code, message = EXCLUDED.message, checked_at = EXCLUDED.checked_at`,
    [campaignId, r.protocol, r.ok, r.ok ? null : (r.code ?? null), r.ok ? null : (r.message ?? null), at],
  );
}

/** Replaces a campaign's connection states with the latest checks. */
export async function saveConnections(
  db: Queryable,
  campaignId: string,
  results: { protocol: 'imap' | 'pop3' | 'smtp'; ok: boolean; code?: string; message?: string }[],
  checkedAt: Date,
): Promise<void> {
  for (const r of results) await recordConnection(db, campaignId, r, checkedAt);
  // A campaign that switched from IMAP to POP3 (or back) drops the stale state.
  const keep = results.map((r) => r.protocol);
  await db.query(`DELETE FROM campaign_connections WHERE campaign_id = $1 AND NOT (protocol = ANY($2::text[]))`, [campaignId, keep]);
}


/** Finds or creates a contact list by name. */
export async function ensureContactList(db: Queryable, name: string): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `WITH ins AS (INSERT INTO contact_lists (name) VALUES ($1) ON CONFLICT ((lower(name))) DO NOTHING RETURNING id)
     SELECT id FROM ins UNION ALL SELECT id FROM contact_lists WHERE lower(name) = lower($1) LIMIT 1`,
    [name],
  );
  return rows[0]!.id;
}

/** Column values of a campaign, in the order of `campaignColumns`. */
export function campaignValues(
  c: CampaignInputT,
  extra: { defaultListId: string | null; inboundSealed: Buffer | null; smtpSealed: Buffer | null },
): unknown[] {
  return [
    c.name, c.key.toUpperCase(), c.description, c.enabled, c.receiveEmails, c.fromAddress, c.fromName, c.timezone, c.service,
    extra.defaultListId,
    c.inbound.protocol, c.inbound.host, c.inbound.port, c.inbound.security, c.inbound.username, extra.inboundSealed,
    c.inbound.mailbox, c.inbound.connectionTimeoutSec, c.inbound.authTimeoutSec,
    c.smtp.host, c.smtp.port, c.smtp.security, c.smtp.auth, c.smtp.username, extra.smtpSealed,
    c.queue.strategy, c.queue.serviceLevelSec, c.queue.maxInteractionsPerAgent, c.queue.offerTimeoutSec, c.queue.autoAssign, c.queue.waitAssignedAgentSec,
    c.queue.waitAssignedQueueSec, c.queue.transferToAgent, c.queue.transferToAgentTimeoutSec, c.queue.transferToQueue,
    c.queue.transferToQueueTimeoutSec, c.queue.mandatoryDisposition, c.queue.pauseWhileDisposing, c.queue.markAsUnread, c.queue.fetchedMailAction,
    c.queue.moveToFolder, c.queue.closedReplyAction, c.queue.sentFolder, c.queue.missedOffersPause, c.queue.offerRounds, JSON.stringify(c.schedule),
    c.thresholds.serviceLevelSec, c.thresholds.dropoutSec, c.thresholds.chatTimeSec, c.thresholds.acdSec,
    c.signatureTemplateId, c.confirmation.enabled, c.confirmation.templateId, c.outOfHours.enabled, c.outOfHours.templateId,
    c.qualification.enabled, c.qualification.motivationTitle, c.qualification.thanksMessage,
    c.oauthAccountId ?? null,
    c.mailCaPem,
  ];
}

export const campaignColumns = [
  'name', 'key', 'description', 'enabled', 'receive_emails', 'from_address', 'from_name', 'timezone', 'service',
  'default_list_id',
  'inbound_protocol', 'inbound_host', 'inbound_port', 'inbound_security', 'inbound_username', 'inbound_password_sealed',
  'inbound_mailbox', 'inbound_connection_timeout_sec', 'inbound_auth_timeout_sec',
  'smtp_host', 'smtp_port', 'smtp_security', 'smtp_auth', 'smtp_username', 'smtp_password_sealed',
  'strategy', 'service_level_sec', 'max_interactions_per_agent', 'offer_timeout_sec', 'auto_assign', 'wait_assigned_agent_sec',
  'wait_assigned_queue_sec', 'transfer_to_agent', 'transfer_to_agent_timeout_sec', 'transfer_to_queue',
  'transfer_to_queue_timeout_sec', 'mandatory_disposition', 'pause_while_disposing', 'mark_as_unread', 'fetched_mail_action',
  'move_to_folder', 'closed_reply_action', 'sent_folder', 'missed_offers_pause', 'offer_rounds', 'schedule',
  'threshold_service_level_sec', 'threshold_dropout_sec', 'threshold_chat_time_sec', 'threshold_acd_sec',
  'signature_template_id', 'confirmation_enabled', 'confirmation_template_id', 'out_of_hours_enabled', 'out_of_hours_template_id',
  'qualification_enabled', 'qualification_title', 'qualification_thanks',
  'oauth_account_id',
  'mail_ca_pem',
] as const;

/** Inserts a new campaign with the given id. */
export async function insertCampaign(db: Queryable, id: string, values: unknown[]): Promise<void> {
  const placeholders = campaignColumns.map((_, i) => `$${i + 2}`).join(', ');
  await db.query(`INSERT INTO campaigns (id, ${campaignColumns.join(', ')}) VALUES ($1, ${placeholders})`, [id, ...values]);
}

/** Overwrites a campaign's settings. */
export async function updateCampaign(db: Queryable, id: string, values: unknown[]): Promise<void> {
  const sets = campaignColumns.map((c, i) => `${c} = $${i + 2}`).join(', ');
  await db.query(`UPDATE campaigns SET ${sets}, updated_at = now() WHERE id = $1 AND deleted_at IS NULL`, [id, ...values]);
}

/** Marks a campaign deleted; its mail and history stay in the database. */
export async function softDeleteCampaign(db: Queryable, id: string): Promise<boolean> {
  const r = await db.query(`UPDATE campaigns SET deleted_at = now(), enabled = false WHERE id = $1 AND deleted_at IS NULL`, [id]);
  return (r.rowCount ?? 0) > 0;
}

/** The template ids usable by a campaign: global ones and its own. */
export async function templatesUsableBy(db: Queryable, campaignId: string | null, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM templates WHERE id = ANY($1::uuid[]) AND (campaign_id IS NULL OR campaign_id = $2)`,
    [ids, campaignId],
  );
  return new Set(rows.map((r) => r.id));
}
