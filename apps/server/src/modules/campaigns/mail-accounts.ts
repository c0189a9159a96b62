import type { ImapSettings, Pop3Settings, SmtpSettings } from '@postdesk/mailkit/verify';
import type { SmtpAccount } from '@postdesk/mailkit/smtp';
import type { SecretBox } from '../../platform/secrets/secret-box.ts';
import type { CampaignRow } from './campaigns.repo.ts';
import { sealContext } from './connection-settings.ts';
import { accessTokenFor, type TokenDeps } from '../oauth/index.ts';

/** A campaign as the mail path needs it, passwords opened for this use only. */
export interface CampaignMail {
  campaign: CampaignRow;
  inbound: ({ protocol: 'imap' } & ImapSettings) | ({ protocol: 'pop3' } & Pop3Settings) | null;
  smtp: SmtpAccount;
}

// The campaign reads of the mail path live in campaigns.repo.ts; re-exported for the ingestion files that import them from here.
export { findCampaignRow, listOwnAddresses, listReceivingCampaignIds } from './campaigns.repo.ts';

const open = (secrets: SecretBox, sealed: Buffer | null, campaignId: string, account: 'inbound' | 'smtp'): string =>
  sealed ? secrets.open(sealed, sealContext(campaignId, account)) : '';

/**
 * Opens a campaign's stored passwords into connection settings for sync and
 * sending. The servers' certificates are checked against the system's
 * authorities plus the campaign's private one and the installation's
 * (`POSTDESK_MAIL_CA_FILE`), when set.
 */
export function campaignMail(c: CampaignRow, secrets: SecretBox, installationCa?: string): CampaignMail {
  const inboundPassword = open(secrets, c.inbound_password_sealed, c.id, 'inbound');
  const tlsCa = [c.mail_ca_pem, installationCa].filter((x): x is string => !!x?.trim()).join('\n');
  const ca = tlsCa ? { tlsCa } : {};
  const common = {
    host: c.inbound_host,
    port: c.inbound_port,
    security: c.inbound_security,
    username: c.inbound_username,
    password: inboundPassword,
    connectionTimeoutSec: c.inbound_connection_timeout_sec,
    authTimeoutSec: c.inbound_auth_timeout_sec,
    ...ca,
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
      ...ca,
    },
  };
}

/**
 * A campaign's mail settings ready to log in: passwords opened, or, when the
 * mailbox signs in with OAuth2, a valid access token for IMAP/POP3 and SMTP
 * (refreshed under the account's lease when due). Throws the oauth module's
 * OAuthTokenError when no token can be had: sign_in_needed (stop, an admin
 * must sign in again) or unavailable (try again later).
 */
export async function openCampaignMail(deps: TokenDeps, c: CampaignRow, installationCa?: string): Promise<CampaignMail> {
  const mail = campaignMail(c, deps.secrets, installationCa);
  if (!c.oauth_account_id) return mail;
  const { accessToken } = await accessTokenFor(deps, c.oauth_account_id);
  return {
    ...mail,
    inbound: mail.inbound ? { ...mail.inbound, accessToken } : null,
    smtp: c.smtp_auth ? { ...mail.smtp, username: c.smtp_username, accessToken } : mail.smtp,
  };
}
