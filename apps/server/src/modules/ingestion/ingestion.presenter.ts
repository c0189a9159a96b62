import { iso } from '../../platform/http/iso.ts';
import type { MailboxListRow } from './mailboxes.repo.ts';
import type { QuarantineListRow } from './quarantine.repo.ts';

/** A mailbox as the mailboxes screen shows it: a campaign not enabled or not receiving is "stopped". */
export const presentMailbox = (r: MailboxListRow) => ({
  campaignId: r.id,
  campaignName: r.name,
  campaignKey: r.key,
  protocol: r.inbound_protocol,
  folder: r.inbound_protocol === 'imap' ? r.inbound_mailbox : null,
  state: !r.enabled || !r.receive_emails ? ('stopped' as const) : (r.state ?? 'idle'),
  lastSyncAt: iso(r.last_sync_at),
  lastError: r.last_error,
  lastErrorAt: iso(r.last_error_at),
  nextAttemptAt: iso(r.next_attempt_at),
  waiting: r.waiting,
  quarantined: r.quarantined,
  ingested: r.ingested ?? 0,
  oauth:
    r.oauth_account_id && r.oauth_provider_id && r.oauth_email && r.oauth_state
      ? { accountId: r.oauth_account_id, providerId: r.oauth_provider_id, email: r.oauth_email, state: r.oauth_state }
      : null,
});

/** A quarantined message as the quarantine screen shows it (sender and subject are hostile text, shown as text). */
export const presentQuarantined = (r: QuarantineListRow) => ({
  id: String(r.id),
  campaignId: r.campaign_id,
  campaignName: r.name,
  reasonCode: r.reason_code,
  reason: r.reason,
  size: r.size,
  subject: r.subject,
  from: r.from_text,
  createdAt: r.created_at.toISOString(),
  state: r.state,
});
