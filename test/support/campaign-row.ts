import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../apps/server/src/platform/db/db.ts';

/**
 * Inserts a campaign row directly, for tests and benchmarks whose subject is
 * not the campaign form (saving through the API logs in to real servers).
 */
export async function insertCampaignRow(
  db: Queryable,
  over: { name?: string; key?: string; fromAddress?: string; receiveEmails?: boolean; enabled?: boolean } = {},
): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO campaigns (id, name, key, enabled, receive_emails, from_address, from_name, timezone, service,
       inbound_protocol, inbound_host, inbound_port, inbound_security, inbound_username, inbound_mailbox,
       inbound_connection_timeout_sec, inbound_auth_timeout_sec, smtp_host, smtp_port, smtp_security, smtp_auth, smtp_username,
       strategy, service_level_sec, max_interactions_per_agent, wait_assigned_agent_sec, wait_assigned_queue_sec,
       transfer_to_agent, transfer_to_agent_timeout_sec, transfer_to_queue, transfer_to_queue_timeout_sec,
       mandatory_disposition, mark_as_unread, fetched_mail_action, closed_reply_action,
       threshold_service_level_sec, threshold_dropout_sec, threshold_chat_time_sec, threshold_acd_sec,
       confirmation_enabled, qualification_enabled)
     VALUES ($1, $2, $3, $4, $5, $6, 'Q', 'UTC', 'custom', 'imap', 'imap.example.test', 993, 'tls', 'u', 'INBOX',
       10, 5, 'smtp.example.test', 587, 'starttls', true, 'u', 'round_robin', 60, 5, 10, 10, false, 30, false, 30, false, false, 'leave', 'reopen',
       60, 300, 1800, 0, false, false)`,
    [id, over.name ?? `Campaign ${id.slice(0, 8)}`, over.key ?? id.slice(0, 5).toUpperCase(), over.enabled ?? true, over.receiveEmails ?? false, over.fromAddress ?? 'queue@example.test'],
  );
  return id;
}
