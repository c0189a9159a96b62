import type { ImapSettings, Pop3Settings, SmtpSettings } from '@postdesk/mailkit/verify';
import type { SmtpAccount } from '@postdesk/mailkit/smtp';
import type { Queryable } from '../../platform/db/db.ts';
import type { SecretBox } from '../../platform/secrets/secret-box.ts';
import { campaignSelect, type CampaignRow } from './campaigns.repo.ts';
import { sealContext } from './connection-settings.ts';

/** A campaign as the mail path needs it, passwords opened for this use only. */
export interface CampaignMail {
  campaign: CampaignRow;
  inbound: ({ protocol: 'imap' } & ImapSettings) | ({ protocol: 'pop3' } & Pop3Settings) | null;
  smtp: SmtpAccount;
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

const open = (secrets: SecretBox, sealed: Buffer | null, campaignId: string, account: 'inbound' | 'smtp'): string =>
  sealed ? secrets.open(sealed, sealContext(campaignId, account)) : '';

/** Opens a campaign's stored passwords into connection settings for sync and sending. */
export function campaignMail(c: CampaignRow, secrets: SecretBox): CampaignMail {
  const inboundPassword = open(secrets, c.inbound_password_sealed, c.id, 'inbound');
  const common = {
    host: c.inbound_host,
    port: c.inbound_port,
    security: c.inbound_security,
    username: c.inbound_username,
    password: inboundPassword,
    connectionTimeoutSec: c.inbound_connection_timeout_sec,
    authTimeoutSec: c.inbound_auth_timeout_sec,
  };
  const smtp: SmtpSettings = {
    host: c.smtp_host,
    port: c.smtp_port,
    security: c.smtp_security,
    auth: c.smtp_auth,
    username: c.smtp_username,
    password: open(secrets, c.smtp_password_sealed, c.id, 'smtp'),
    connectionTimeoutSec: c.inbound_connection_timeout_sec,
  };
  return {
    campaign: c,
    inbound: !c.receive_emails
      ? null
      : c.inbound_protocol === 'imap'
        ? { protocol: 'imap', ...common, mailbox: c.inbound_mailbox }
        : { protocol: 'pop3', ...common },
    smtp: {
      host: smtp.host,
      port: smtp.port,
      security: smtp.security,
      ...(smtp.auth ? { username: smtp.username, password: smtp.password } : {}),
      connectionTimeoutMs: smtp.connectionTimeoutSec * 1000,
    },
  };
}
