import type { OAuthAccount } from '@postdesk/contracts';
import type { CampaignRow, ConnectionRow } from './campaigns.repo.ts';
import type { CampaignOutT } from './campaigns.schema.ts';

/** A connection check as the API shows it. */
export const presentConnection = (c: ConnectionRow) => ({
  protocol: c.protocol,
  ok: c.ok,
  code: c.code,
  message: c.message,
  checkedAt: c.checked_at.toISOString(),
  hold: c.hold_since ? { since: c.hold_since.toISOString(), retryAt: c.hold_retry_at?.toISOString() ?? null, waiting: c.hold_waiting ?? 0 } : null,
});

/**
 * The only shape of a campaign that leaves the server. Passwords never do:
 * admins see whether one is set; other roles do not see mail settings at all.
 */
export function presentCampaign(c: CampaignRow, opts: { admin: boolean; connections?: ConnectionRow[]; oauth?: ReadonlyMap<string, OAuthAccount> }): CampaignOutT {
  const out: CampaignOutT = {
    id: c.id,
    name: c.name,
    key: c.key,
    description: c.description,
    enabled: c.enabled,
    receiveEmails: c.receive_emails,
    fromAddress: c.from_address,
    fromName: c.from_name,
    timezone: c.timezone,
    service: c.service,
    defaultListName: c.default_list_name,
    queue: {
      strategy: c.strategy,
      serviceLevelSec: c.service_level_sec,
      maxInteractionsPerAgent: c.max_interactions_per_agent,
      offerTimeoutSec: c.offer_timeout_sec,
      autoAssign: c.auto_assign,
      waitAssignedAgentSec: c.wait_assigned_agent_sec,
      waitAssignedQueueSec: c.wait_assigned_queue_sec,
      transferToAgent: c.transfer_to_agent,
      transferToAgentTimeoutSec: c.transfer_to_agent_timeout_sec,
      transferToQueue: c.transfer_to_queue,
      transferToQueueTimeoutSec: c.transfer_to_queue_timeout_sec,
      mandatoryDisposition: c.mandatory_disposition,
      pauseWhileDisposing: c.pause_while_disposing,
      markAsUnread: c.mark_as_unread,
      fetchedMailAction: c.fetched_mail_action,
      moveToFolder: c.move_to_folder,
      closedReplyAction: c.closed_reply_action,
      sentFolder: c.sent_folder,
      missedOffersPause: c.missed_offers_pause,
      offerRounds: c.offer_rounds,
    },
    schedule: c.schedule,
    thresholds: {
      serviceLevelSec: c.threshold_service_level_sec,
      dropoutSec: c.threshold_dropout_sec,
      chatTimeSec: c.threshold_chat_time_sec,
      acdSec: c.threshold_acd_sec,
    },
    signatureTemplateId: c.signature_template_id,
    confirmation: { enabled: c.confirmation_enabled, templateId: c.confirmation_template_id },
    outOfHours: { enabled: c.out_of_hours_enabled, templateId: c.out_of_hours_template_id },
    qualification: { enabled: c.qualification_enabled, motivationTitle: c.qualification_title, thanksMessage: c.qualification_thanks },
    createdAt: c.created_at.toISOString(),
    updatedAt: c.updated_at.toISOString(),
  };
  if (!opts.admin) return out;
  return {
    ...out,
    inbound: {
      protocol: c.inbound_protocol,
      host: c.inbound_host,
      port: c.inbound_port,
      security: c.inbound_security,
      username: c.inbound_username,
      hasPassword: c.inbound_password_sealed !== null,
      mailbox: c.inbound_mailbox,
      connectionTimeoutSec: c.inbound_connection_timeout_sec,
      authTimeoutSec: c.inbound_auth_timeout_sec,
    },
    smtp: {
      host: c.smtp_host,
      port: c.smtp_port,
      security: c.smtp_security,
      auth: c.smtp_auth,
      username: c.smtp_username,
      hasPassword: c.smtp_password_sealed !== null,
    },
    mailCaPem: c.mail_ca_pem,
    connections: (opts.connections ?? []).filter((x) => x.campaign_id === c.id).map(presentConnection),
    oauth: c.oauth_account_id ? (opts.oauth?.get(c.oauth_account_id) ?? null) : null,
  };
}
