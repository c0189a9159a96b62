import { setTimeout as wait } from 'node:timers/promises';
import { backoffDelay } from '@postdesk/mailkit/backoff';
import { imapSync, type FetchedMailAction } from '@postdesk/mailkit/imap';
import { pop3Sync } from '@postdesk/mailkit/pop3';
import { classifyError, failureMessage, type ImapSettings, type Pop3Settings } from '@postdesk/mailkit/verify';
import type { SecretBox } from '../../platform/secrets/secret-box.ts';
import { findCampaignRow, openCampaignMail, type CampaignRow } from '../campaigns/index.ts';
import { accessTokenFor, OAuthTokenError, type OAuthRuntime } from '../oauth/index.ts';
import { ingestMessage } from './ingest-message.ts';
import { ingestRound } from './ingest-round.ts';
import { knownUidls, LeaseLostError, loadCursor, markActed, markSynced, rememberUidl, resetCursor, setMailboxState, type StatePatch } from './mailboxes.repo.ts';
import type { IngestDeps } from './prepare-message.ts';

/** How often and how patiently a mailbox is synced; tests shorten these. */
export interface SyncTiming {
  /** Full resync of an IMAP folder even without IDLE news: the safety net. */
  resyncMs: number;
  /** POP3 has no push: how often it is polled. */
  pop3PollMs: number;
  /** Reconnect backoff after a failure: exponential from base to cap, with jitter. */
  backoffBaseMs: number;
  backoffCapMs: number;
  /** How long an IDLE lasts before imapflow restarts it (servers drop IDLE after 30 min). */
  idleRestartMs: number;
  /** How often a folder is checked on a server without IDLE. */
  noIdlePollMs: number;
}

/** How many refused logins in a row an OAuth2 mailbox retries with a new token before it needs attention (the token may be fine and the account wrong). */
const OAUTH_REFUSALS = 3;

/** Defaults for production. */
export const DEFAULT_SYNC_TIMING: SyncTiming = {
  resyncMs: 5 * 60_000,
  pop3PollMs: 60_000,
  backoffBaseMs: 2_000,
  backoffCapMs: 5 * 60_000,
  idleRestartMs: 4 * 60_000,
  noIdlePollMs: 15_000,
};

/** What a runner needs, passed in. */
export interface RunnerDeps extends IngestDeps {
  secrets: SecretBox;
  /** OAuth2 mailboxes: each login's access token, refreshed under the account's lease. */
  oauth: OAuthRuntime;
  /** false only for test servers with self-signed certificates. */
  tlsRejectUnauthorized?: boolean;
  /** The installation's private mail authority (POSTDESK_MAIL_CA_FILE), trusted besides the system's. */
  mailCa?: string;
}

/** One mailbox being synced by this node. */
export interface MailboxRunner {
  campaignId: string;
  /** Stops at the next safe point (between messages) and closes the connection. */
  stop(): Promise<void>;
  /** Settles when the runner ends by itself: needs attention, lease lost, or campaign gone. */
  done: Promise<void>;
}

/**
 * Waits ms, or less when the signal aborts. Node's abortable timer removes
 * its listener when the time is up; a hand-made one that did not left one
 * listener on the runner's signal per POP3 poll or backoff, and the eleventh
 * printed MaxListenersExceededWarning.
 */
export const sleep = (ms: number, signal: AbortSignal): Promise<void> => wait(Math.max(0, ms), undefined, { signal }).catch(() => undefined);

/**
 * Keeps one campaign's mailbox synced while this node holds its lease:
 * connect, catch up from the cursor, then wait for news (IMAP IDLE, or a POP3
 * poll), reconnecting with capped exponential backoff and jitter. A wrong
 * password ends the runner in "needs attention" — retrying would only get
 * the account locked — until an admin saves the campaign or asks for a retry.
 * State lives in the mailbox row, so failures stay within this mailbox.
 */
export function startMailboxRunner(
  deps: RunnerDeps,
  campaignId: string,
  node: string,
  timing: SyncTiming,
  start: { failures: number; nextAttemptAt: Date | null },
): MailboxRunner {
  const controller = new AbortController();
  const signal = controller.signal;
  const state = (p: StatePatch) => deps.db.tx((q) => setMailboxState(q, campaignId, node, p));

  const loop = async (): Promise<void> => {
    let failures = start.failures;
    if (start.nextAttemptAt) await sleep(start.nextAttemptAt.getTime() - Date.now(), signal);
    while (!signal.aborted) {
      const row = await findCampaignRow(deps.db, campaignId);
      if (!row || !row.enabled || !row.receive_emails) return;
      let mail;
      try {
        mail = await openCampaignMail(deps, row, deps.mailCa);
      } catch (err) {
        if (err instanceof OAuthTokenError && err.code === 'unavailable') {
          // the provider did not answer a refresh: wait for the account's next attempt, never hammer it
          failures++;
          await state({ state: 'backoff', error: `OAuth2: ${err.message}`, failures, nextAttemptAt: err.retryAt });
          await sleep((err.retryAt?.getTime() ?? Date.now() + timing.backoffBaseMs) - Date.now(), signal);
          continue;
        }
        // the grant is gone (sign in again), or a password sealed under another master key: nothing works until an admin acts
        const error =
          err instanceof OAuthTokenError ? `OAuth2: ${err.message}` : 'the stored mail password cannot be opened with this master key: enter it again';
        deps.log.warn({ campaignId, oauth: err instanceof OAuthTokenError }, 'mailbox.needs_attention');
        await state({ state: 'needs_attention', error, nextAttemptAt: null });
        return;
      }
      const inbound = mail.inbound;
      if (!inbound) return;
      const settings = { ...inbound, ...(deps.tlsRejectUnauthorized === false ? { tlsRejectUnauthorized: false } : {}) };
      try {
        await state({ state: 'connecting' });
        const onConnected = async () => {
          failures = 0;
          await state({ state: 'connected', error: null, failures: 0, nextAttemptAt: null });
        };
        if (settings.protocol === 'imap') await syncImap(deps, row, settings, node, timing, signal, onConnected);
        else await syncPop3(deps, row, settings, node, timing, signal, onConnected);
      } catch (err) {
        if (err instanceof LeaseLostError || signal.aborted) return;
        const code = classifyError(err);
        const message = failureMessage(settings.protocol, code, err, settings);
        if (err instanceof OAuthTokenError) {
          // a later POP3 poll's token: the same rules as before the session
          if (err.code === 'sign_in_needed') {
            await state({ state: 'needs_attention', error: `OAuth2: ${err.message}`, nextAttemptAt: null });
            return;
          }
        }
        if (code === 'auth_failed' && row.oauth_account_id && settings.accessToken !== undefined && failures < OAUTH_REFUSALS) {
          // a refused token may be revoked or ended early: a new one decides — the grant is gone (sign in again) or we try again
          try {
            await accessTokenFor(deps, row.oauth_account_id, { refused: settings.accessToken });
          } catch (tokenErr) {
            if (tokenErr instanceof OAuthTokenError && tokenErr.code === 'sign_in_needed') {
              await state({ state: 'needs_attention', error: `OAuth2: ${tokenErr.message}`, nextAttemptAt: null });
              return;
            }
          }
        } else if (code === 'auth_failed') {
          deps.log.warn({ campaignId, code }, 'mailbox.needs_attention');
          await state({ state: 'needs_attention', error: message, failures: failures + 1, nextAttemptAt: null });
          return;
        }
        failures++;
        const delay = backoffDelay(failures - 1, { baseMs: timing.backoffBaseMs, capMs: timing.backoffCapMs, jitter: 'equal' });
        deps.log.warn({ campaignId, code, failures, delayMs: delay }, 'mailbox.backoff');
        await state({ state: 'backoff', error: message, failures, nextAttemptAt: new Date(Date.now() + delay) });
        await sleep(delay, signal);
      }
    }
  };

  const done = loop().catch((err: unknown) => {
    if (!(err instanceof LeaseLostError)) deps.log.error({ campaignId, err: err instanceof Error ? err.message : String(err) }, 'mailbox.runner_failed');
  });
  return {
    campaignId,
    done,
    async stop() {
      controller.abort();
      await done;
    },
  };
}

// The campaign's choice for fetched mail, as the IMAP session applies it.
function fetchedMailAction(campaign: CampaignRow): FetchedMailAction {
  switch (campaign.fetched_mail_action) {
    case 'mark_seen':
      return { kind: 'mark_seen' };
    case 'delete':
      return { kind: 'delete' };
    case 'move':
      // the campaign schema requires the folder with this action
      return campaign.move_to_folder ? { kind: 'move', folder: campaign.move_to_folder } : { kind: 'leave' };
    default:
      return { kind: 'leave' };
  }
}

// One IMAP session (mailkit's imapSync owns the protocol): each round of
// fetched mail is committed with its cursor, then confirmed, which applies
// the campaign's action to it. Returns when stopped, throws when the
// connection fails.
async function syncImap(
  deps: RunnerDeps,
  campaign: CampaignRow,
  settings: ImapSettings,
  node: string,
  timing: SyncTiming,
  signal: AbortSignal,
  onConnected: () => Promise<void>,
): Promise<void> {
  const session = imapSync(settings, {
    signal,
    action: fetchedMailAction(campaign),
    idleRestartMs: timing.idleRestartMs,
    noIdlePollMs: timing.noIdlePollMs,
    resyncMs: timing.resyncMs,
    log: deps.log.child({ campaignId: campaign.id }),
    cursors: {
      load: (folder) => loadCursor(deps.db, campaign.id, folder),
      reset: (folder, cursor) => resetCursor(deps.db, campaign.id, folder, cursor),
      acted: (folder, uidvalidity, uid) => markActed(deps.db, campaign.id, folder, uidvalidity, uid),
    },
  });
  for await (const event of session) {
    switch (event.type) {
      case 'connected':
        await onConnected();
        break;
      case 'fetched':
        await event.round.committed(await ingestRound(deps, campaign, event.round.messages, node, signal));
        break;
      case 'synced':
        await markSynced(deps.db, campaign.id, node);
        break;
    }
  }
}

// POP3 polls (mailkit's pop3Sync owns the protocol): each message is
// committed with its UIDL, then confirmed, which marks it deleted when the
// campaign deletes fetched mail.
async function syncPop3(
  deps: RunnerDeps,
  campaign: CampaignRow,
  settings: Pop3Settings,
  node: string,
  timing: SyncTiming,
  signal: AbortSignal,
  onConnected: () => Promise<void>,
): Promise<void> {
  const session = pop3Sync(settings, {
    signal,
    deleteFetched: campaign.fetched_mail_action === 'delete',
    pollMs: timing.pop3PollMs,
    // an OAuth2 token lives an hour (a minute in tests): each poll logs in with a fresh one
    // (kept in `settings`, which the runner reads when a login is refused)
    ...(campaign.oauth_account_id
      ? {
          settingsForPoll: async () => {
            const token = await pop3Token(deps, campaign.id);
            if (token.accessToken) settings.accessToken = token.accessToken;
            return { ...settings };
          },
        }
      : {}),
    known: (uidls) => knownUidls(deps.db, campaign.id, [...uidls]),
  });
  for await (const event of session) {
    switch (event.type) {
      case 'connected':
        await onConnected();
        break;
      case 'fetched': {
        const done: string[] = [];
        for (const { uidl, source } of event.round.messages) {
          await ingestMessage(deps, campaign, { kind: 'pop3', uidl }, source, (q) => rememberUidl(q, campaign.id, uidl, node));
          done.push(uidl);
        }
        await event.round.committed(done);
        break;
      }
      case 'synced':
        await markSynced(deps.db, campaign.id, node);
        break;
    }
  }
}

// The campaign's current OAuth2 token for the next POP3 login (the campaign re-read: an admin may have signed in again).
async function pop3Token(deps: RunnerDeps, campaignId: string): Promise<{ accessToken?: string }> {
  const row = await findCampaignRow(deps.db, campaignId);
  if (!row) return {};
  const mail = await openCampaignMail(deps, row);
  return mail.inbound?.accessToken ? { accessToken: mail.inbound.accessToken } : {};
}
