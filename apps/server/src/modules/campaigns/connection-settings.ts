import type { Deps } from '../../deps.ts';
import { accessTokenFor, OAuthTokenError, type TokenDeps } from '../oauth/index.ts';
import { AppError, type ErrorDetail } from '../../platform/http/errors.ts';
import type { CampaignRow } from './campaigns.repo.ts';
import type { CampaignInputT } from './campaigns.schema.ts';
import type { ConnectionTarget } from './connection-checker.ts';

/** The AAD under which a campaign's password is sealed: a copy moved to another row does not open. */
export const sealContext = (campaignId: string, account: 'inbound' | 'smtp'): string => `campaign:${campaignId}:${account}`;

/** The plaintext passwords a check or save will use, and whether each is new. */
export interface ResolvedPasswords {
  inbound: string | null;
  smtp: string | null;
  inboundChanged: boolean;
  smtpChanged: boolean;
}

/** Why a stored password is not reused: it would go to another server than the one it was saved for. */
const AGAIN = 'enter the password again: the server, port, username or security changed';

/**
 * Whether a stored password may be sent with these settings: only to the
 * very server and account it was saved for — same host, port, user and
 * security mode (and inbound protocol). Another port of the same host may be
 * anyone's listener, and a security downgrade would send it in the clear.
 */
export function sameAccount(
  saved: { host: string; port: number; username: string; security: string },
  now: { host: string; port: number; username: string; security: string },
): boolean {
  return saved.host.toLowerCase() === now.host.toLowerCase() && saved.port === now.port && saved.username === now.username && saved.security === now.security;
}

/**
 * Decides which password each account uses: the one typed now, or the
 * stored one. A stored password is never sent to another server or account
 * than it was saved for (sameAccount), so changed settings need the password
 * again — that way edited settings cannot be used to collect the stored secret.
 */
export function resolvePasswords(deps: Pick<Deps, 'secrets'>, input: CampaignInputT, existing: CampaignRow | null): ResolvedPasswords {
  // signing in with OAuth2: the account's tokens log in, no password is kept or needed
  if (input.oauthAccountId) return { inbound: null, smtp: null, inboundChanged: false, smtpChanged: false };
  const problems: ErrorDetail[] = [];
  const storedInbound = existing?.inbound_password_sealed ?? null;
  const storedSmtp = existing?.smtp_password_sealed ?? null;
  const sameInbound =
    !!existing &&
    existing.inbound_protocol === input.inbound.protocol &&
    sameAccount(
      { host: existing.inbound_host, port: existing.inbound_port, username: existing.inbound_username, security: existing.inbound_security },
      input.inbound,
    );
  const sameSmtp =
    !!existing &&
    sameAccount({ host: existing.smtp_host, port: existing.smtp_port, username: existing.smtp_username, security: existing.smtp_security }, input.smtp);

  let inbound: string | null = input.inbound.password ? input.inbound.password : null;
  if (inbound === null && storedInbound && existing) {
    if (sameInbound) inbound = deps.secrets.open(storedInbound, sealContext(existing.id, 'inbound'));
    else if (input.receiveEmails) problems.push({ path: 'inbound.password', message: AGAIN });
  }
  if (input.receiveEmails && inbound === null && problems.length === 0) problems.push({ path: 'inbound.password', message: 'required when the campaign receives email' });

  let smtp: string | null = input.smtp.password ? input.smtp.password : null;
  if (smtp === null && storedSmtp && existing) {
    if (sameSmtp) smtp = deps.secrets.open(storedSmtp, sealContext(existing.id, 'smtp'));
    else if (input.smtp.auth) problems.push({ path: 'smtp.password', message: AGAIN });
  }
  if (input.smtp.auth && smtp === null && !problems.some((p) => p.path === 'smtp.password')) {
    problems.push({ path: 'smtp.password', message: 'required when authentication is on' });
  }
  if (problems.length) throw new AppError('validation_failed', problems.map((p) => `${p.path}: ${p.message}`).join('; '), problems);
  return { inbound, smtp, inboundChanged: !!input.inbound.password, smtpChanged: !!input.smtp.password };
}

/** What to log in to for these settings: inbound only when the campaign receives mail. */
export function connectionTarget(input: CampaignInputT, pw: ResolvedPasswords, accessToken?: string): ConnectionTarget {
  const i = input.inbound;
  const token = accessToken !== undefined ? { accessToken } : {};
  const ca = input.mailCaPem ? { tlsCa: input.mailCaPem } : {};
  return {
    inbound: input.receiveEmails
      ? i.protocol === 'imap'
        ? {
            protocol: 'imap',
            host: i.host,
            port: i.port,
            security: i.security,
            username: i.username,
            password: pw.inbound ?? '',
            mailbox: i.mailbox,
            connectionTimeoutSec: i.connectionTimeoutSec,
            authTimeoutSec: i.authTimeoutSec,
            ...token,
            ...ca,
          }
        : {
            protocol: 'pop3',
            host: i.host,
            port: i.port,
            security: i.security,
            username: i.username,
            password: pw.inbound ?? '',
            connectionTimeoutSec: i.connectionTimeoutSec,
            authTimeoutSec: i.authTimeoutSec,
            ...token,
            ...ca,
          }
      : undefined,
    smtp: {
      host: input.smtp.host,
      port: input.smtp.port,
      security: input.smtp.security,
      auth: input.smtp.auth,
      username: input.smtp.username,
      password: pw.smtp ?? '',
      connectionTimeoutSec: i.connectionTimeoutSec,
      ...(input.smtp.auth ? token : {}),
      ...ca,
    },
  };
}

/** The settings of a stored campaign, as input, so "verify now" checks exactly what is saved. */
export function inputFromRow(c: CampaignRow): CampaignInputT {
  return {
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
    inbound: {
      protocol: c.inbound_protocol,
      host: c.inbound_host,
      port: c.inbound_port,
      security: c.inbound_security,
      username: c.inbound_username,
      mailbox: c.inbound_mailbox,
      connectionTimeoutSec: c.inbound_connection_timeout_sec,
      authTimeoutSec: c.inbound_auth_timeout_sec,
    },
    smtp: { host: c.smtp_host, port: c.smtp_port, security: c.smtp_security, auth: c.smtp_auth, username: c.smtp_username },
    mailCaPem: c.mail_ca_pem,
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
    oauthAccountId: c.oauth_account_id,
  };
}

/** True when saving these settings needs a fresh login: anything that reaches the servers changed. */
export function connectionChanged(input: CampaignInputT, existing: CampaignRow | null, pw: ResolvedPasswords): boolean {
  if (!existing) return true;
  const before = inputFromRow(existing);
  const key = (c: CampaignInputT) =>
    JSON.stringify([c.receiveEmails, { ...c.inbound, password: undefined }, { ...c.smtp, password: undefined }, c.oauthAccountId ?? null, c.mailCaPem]);
  return pw.inboundChanged || pw.smtpChanged || key(before) !== key(input);
}

/**
 * The access token a check logs in with when the campaign signs in with
 * OAuth2 (refreshed first when due); a grant that is gone or a provider
 * that does not answer refuses the check, naming the field.
 */
export async function checkToken(deps: TokenDeps, input: CampaignInputT): Promise<string | undefined> {
  if (!input.oauthAccountId) return undefined;
  try {
    return (await accessTokenFor(deps, input.oauthAccountId)).accessToken;
  } catch (err) {
    const message = err instanceof OAuthTokenError ? err.message : 'the signed-in account cannot give a token';
    throw new AppError('connection_failed', `oauthAccountId: ${message}`, [{ path: 'oauthAccountId', message }]);
  }
}
