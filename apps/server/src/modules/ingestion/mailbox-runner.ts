import { setTimeout as wait } from 'node:timers/promises';
import { ImapFlow } from 'imapflow';
import { backoffDelay } from '@postdesk/mailkit/backoff';
import { openPop3Session } from '@postdesk/mailkit/pop3';
import { classifyError, failureMessage, imapClientOptions, type ImapSettings, type Pop3Settings } from '@postdesk/mailkit/verify';
import type { Queryable } from '../../platform/db/db.ts';
import type { SecretBox } from '../../platform/secrets/secret-box.ts';
import { campaignMail, findCampaignRow, type CampaignRow } from '../campaigns/index.ts';
import { byteBatches, FETCH_BATCH, inResync, planFolder, uidChunks } from './cursor.ts';
import { commitMessages, ingestMessage, prepareMessage, prepareStoredMessage, type CommitItem, type IngestDeps, type PreparedMessage } from './ingest-message.ts';
import {
  advanceCursor,
  knownUidls,
  LeaseLostError,
  loadCursor,
  markActed,
  markSynced,
  rememberUidl,
  resetCursor,
  setMailboxState,
  type StatePatch,
} from './mailboxes.repo.ts';

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
  /** false only for test servers with self-signed certificates. */
  tlsRejectUnauthorized?: boolean;
}

/** One mailbox being synced by this node. */
export interface MailboxRunner {
  campaignId: string;
  /** Stops at the next safe point (between messages) and closes the connection. */
  stop(): Promise<void>;
  /** Settles when the runner ends by itself: needs attention, lease lost, or campaign gone. */
  done: Promise<void>;
}

/** Messages committed in one transaction (one WAL flush): enough to amortise it, few enough to keep a replay small. */
const COMMIT_GROUP = 10;

/** Messages stored and parsed at once while earlier ones commit: enough to overlap disk syncs and parser threads. */
const PREPARE_SLOTS = 4;
/** Each this many bytes of a message take one more slot, so large messages are parsed alone and memory stays bounded. */
const BYTES_PER_SLOT = 4 * 1024 * 1024;

// Starts fn on the items, at most PREPARE_SLOTS slots' worth at once, in
// order; an item takes slots by its size. The promises keep the items' order.
function inParallel<T extends { source: Buffer }, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R>[] {
  let free = PREPARE_SLOTS;
  const waiting: Array<{ need: number; go: () => void }> = [];
  const weight = (item: T): number => Math.min(PREPARE_SLOTS, 1 + Math.floor(item.source.length / BYTES_PER_SLOT));
  const pump = (): void => {
    // strictly first come, first served: a big message is not overtaken by small ones
    while (waiting.length > 0 && waiting[0]!.need <= free) {
      const next = waiting.shift()!;
      free -= next.need;
      next.go();
    }
  };
  return items.map(async (item) => {
    const need = weight(item);
    await new Promise<void>((go) => {
      waiting.push({ need, go });
      pump();
    });
    try {
      return await fn(item);
    } finally {
      free += need;
      pump();
    }
  });
}

const EMPTY = Buffer.alloc(0);

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
        mail = campaignMail(row, deps.secrets);
      } catch {
        // a password sealed under another master key: nothing will work until it is entered again
        await state({ state: 'needs_attention', error: 'the stored mail password cannot be opened with this master key: enter it again', nextAttemptAt: null });
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
        if (settings.protocol === 'imap') await imapSession(deps, row, settings, node, timing, signal, onConnected);
        else await pop3Sessions(deps, row, settings, node, timing, signal, onConnected);
      } catch (err) {
        if (err instanceof LeaseLostError || signal.aborted) return;
        const code = classifyError(err);
        const message = failureMessage(settings.protocol, code, err, settings);
        if (code === 'auth_failed') {
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

// One IMAP connection's life: connect, select, catch up, then IDLE and catch
// up again on every EXISTS and on the resync timer, until the connection
// drops (throws) or the runner stops (returns).
async function imapSession(
  deps: RunnerDeps,
  campaign: CampaignRow,
  settings: ImapSettings,
  node: string,
  timing: SyncTiming,
  signal: AbortSignal,
  onConnected: () => Promise<void>,
): Promise<void> {
  const client = new ImapFlow({
    ...imapClientOptions(settings),
    // the check's socket timeout fits a login, not a connection that IDLEs for minutes
    socketTimeout: timing.idleRestartMs + 60_000,
    autoIdleDelay: 100,
    maxIdleTime: timing.idleRestartMs,
    missingIdleCommand: 'NOOP',
  });
  let failure: unknown = null;
  let wake: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => {
    wake = resolve;
  });
  client.on('error', (err: unknown) => {
    failure ??= err;
    wake();
  });
  client.on('close', () => {
    failure ??= new Error('the IMAP server closed the connection');
    wake();
  });
  const onAbort = () => wake();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await client.connect();
    // SELECT once; the lock is taken per catch-up pass only, because imapflow
    // does not IDLE while a mailbox lock is held (no EXISTS would ever arrive)
    await client.mailboxOpen(settings.mailbox);
    await onConnected();
    let queue = Promise.resolve();
    let again = false;
    let busy = false;
    let firstPass = true;
    const kick = (): void => {
      if (busy) {
        again = true;
        return;
      }
      busy = true;
      queue = queue
        .then(async () => {
          do {
            again = false;
            const lock = await client.getMailboxLock(settings.mailbox);
            try {
              await syncImapFolder(deps, client, campaign, settings.mailbox, node, signal, firstPass);
            } finally {
              lock.release();
            }
            firstPass = false;
          } while (again && !signal.aborted);
        })
        .catch((err: unknown) => {
          failure ??= err;
          wake();
        })
        .finally(() => {
          busy = false;
        });
    };
    client.on('exists', kick);
    // no IDLE on this server: imapflow would only NOOP every couple of
    // minutes, so poll ourselves at the campaign's pace
    const poll = client.capabilities.has('IDLE') ? null : setInterval(kick, Math.min(timing.resyncMs, timing.noIdlePollMs));
    // the folder was deleted or renamed under us (its UIDVALIDITY will change):
    // reconnect and let the cursor logic resynchronise
    client.on('mailboxClose', () => {
      failure ??= new Error(`the folder ${settings.mailbox} was closed by the server`);
      wake();
    });
    // the safety net: a periodic pass, which also asks the server whether the
    // folder is still the one we selected (a deleted and recreated folder
    // has a new UIDVALIDITY, and the selected session may never be told)
    const timer = setInterval(() => {
      void client
        .status(settings.mailbox, { uidValidity: true })
        .then((st) => {
          if (st && st.uidValidity !== undefined && client.mailbox && st.uidValidity !== client.mailbox.uidValidity) {
            failure ??= new Error(`the UIDVALIDITY of ${settings.mailbox} changed`);
            wake();
          } else kick();
        })
        .catch((err: unknown) => {
          failure ??= err;
          wake();
        });
    }, timing.resyncMs);
    kick();
    await ended;
    clearInterval(timer);
    if (poll) clearInterval(poll);
    await queue;
  } finally {
    signal.removeEventListener('abort', onAbort);
    client.removeAllListeners('close');
    if (signal.aborted) await Promise.race([client.logout().catch(() => undefined), new Promise((r) => setTimeout(r, 1_000))]);
    client.close();
  }
  if (!signal.aborted && failure) throw failure;
}

// Catches a folder up from its cursor: one message at a time, each committed
// with the cursor; the campaign's server-side action runs after each chunk
// has committed.
async function syncImapFolder(
  deps: RunnerDeps,
  client: ImapFlow,
  campaign: CampaignRow,
  folder: string,
  node: string,
  signal: AbortSignal,
  firstPass: boolean,
): Promise<void> {
  const mailbox = client.mailbox;
  if (!mailbox) throw new Error('no mailbox selected');
  const uidvalidity = Number(mailbox.uidValidity);
  // UIDNEXT is only fresh right after SELECT (IDLE updates the message count,
  // not UIDNEXT); later passes search from the cursor instead (0 = unknown)
  const uidNext = firstPass ? mailbox.uidNext : 0;
  const stored = await loadCursor(deps.db, campaign.id, folder);
  const plan = planFolder(stored, { uidvalidity, uidNext });
  if (plan.action === 'fetch' && plan.reset) {
    if (plan.cursor.resyncBelow !== null) deps.log.warn({ campaignId: campaign.id, folder, uidvalidity }, 'mailbox.uidvalidity_changed');
    await resetCursor(deps.db, campaign.id, folder, plan.cursor);
  } else if (firstPass && stored && stored.actedUid < stored.lastUid) {
    await catchUpAction(deps, client, campaign, folder, uidvalidity, stored.actedUid, stored.lastUid);
  }
  const acted = (uids: number[]) => afterCommit(deps, client, campaign, { folder, uidvalidity }, uids);
  if (plan.action === 'up_to_date') {
    await markSynced(deps.db, campaign.id, node);
    return;
  }
  const found = (await client.search({ uid: `${plan.fromUid}:*` }, { uid: true })) || [];
  // "n:*" always matches the highest UID, even one below n
  const uids = found.filter((u) => u >= plan.fromUid);
  const sizes: Array<{ uid: number; size: number }> = [];
  for (const range of uidChunks(uids, 1_000)) {
    for await (const m of client.fetch(range, { uid: true, size: true }, { uid: true })) {
      if (m.uid >= plan.fromUid) sizes.push({ uid: m.uid, size: m.size ?? 0 });
    }
  }
  // what commits one message of this folder: its source and its cursor move
  const itemFor = (uid: number, prepared: PreparedMessage): CommitItem => ({
    source: { kind: 'imap', folder, uidvalidity, uid, resync: inResync(plan.cursor, uid) },
    prepared,
    advance: (q: Queryable) => advanceCursor(q, campaign.id, folder, uidvalidity, uid, node),
  });
  const sizeOf = new Map(sizes.map((s) => [s.uid, s.size]));
  for (const batch of byteBatches(sizes)) {
    if (signal.aborted) return;
    if (batch.length === 1 && (sizeOf.get(batch[0]!) ?? 0) >= FETCH_BATCH.aloneFrom) {
      const uid = batch[0]!;
      const prepared = await prepareLargeMessage(deps, client, uid);
      if (!prepared) continue; // expunged meanwhile, as a fetch would skip it
      await commitMessages(deps, campaign, [itemFor(uid, prepared)]);
      await acted([uid]);
      continue;
    }
    const fetched: Array<{ uid: number; source: Buffer }> = [];
    for await (const msg of client.fetch(uidChunks(batch, batch.length)[0]!, { uid: true, source: true }, { uid: true })) {
      if (msg.source && msg.uid >= plan.fromUid) fetched.push({ uid: msg.uid, source: msg.source });
    }
    fetched.sort((a, b) => a.uid - b.uid);
    // store and parse several at once (disk syncs and parser threads overlap),
    // commit strictly in UID order so the cursor only ever moves over stored mail
    const prepared = inParallel(fetched, async (m) => {
      try {
        return await prepareMessage(deps, m.source);
      } finally {
        m.source = EMPTY; // stored and parsed: the batch need not hold it until its turn to commit
      }
    });
    const committed: number[] = [];
    try {
      for (let i = 0; i < fetched.length && !signal.aborted; i += COMMIT_GROUP) {
        const group = fetched.slice(i, i + COMMIT_GROUP);
        const ready = await Promise.all(prepared.slice(i, i + COMMIT_GROUP));
        await commitMessages(
          deps,
          campaign,
          group.map(({ uid }, k) => itemFor(uid, ready[k]!)),
        );
        committed.push(...group.map((m) => m.uid));
      }
    } finally {
      // nothing may reject unobserved once we stop early
      for (const p of prepared) p.catch(() => undefined);
    }
    await acted(committed);
  }
  await markSynced(deps.db, campaign.id, node);
}

// A large message is streamed from the server straight into the blob store
// (imapflow would otherwise gather it whole, and then concatenate it: twice
// its size in memory), then read back for the parser; null when it is gone.
async function prepareLargeMessage(deps: RunnerDeps, client: ImapFlow, uid: number): Promise<PreparedMessage | null> {
  const download = await client.download(String(uid), undefined, { uid: true, chunkSize: 256 * 1024 });
  if (!('content' in download) || !download.content) return null;
  return prepareStoredMessage(deps, await deps.blobs.putStream(download.content));
}

// The campaign's choice for fetched mail, applied only to committed messages,
// then recorded (acted_uid). If the process dies between the commit and this,
// the mail is left on the server for a moment: never lost, not fetched twice
// (the cursor is past it), and the next session catches the action up.
async function afterCommit(deps: RunnerDeps, client: ImapFlow, campaign: CampaignRow, at: { folder: string; uidvalidity: number }, uids: number[]): Promise<void> {
  if (uids.length === 0 || campaign.fetched_mail_action === 'leave') return;
  await applyFetchedAction(client, campaign, uids);
  await markActed(deps.db, campaign.id, at.folder, at.uidvalidity, Math.max(...uids));
}

// A session's first pass: the action owed to committed mail an earlier
// session did not get to (killed, or the server refused the action).
async function catchUpAction(deps: RunnerDeps, client: ImapFlow, campaign: CampaignRow, folder: string, uidvalidity: number, actedUid: number, lastUid: number): Promise<void> {
  if (campaign.fetched_mail_action !== 'leave') {
    const found = (await client.search({ uid: `${actedUid + 1}:${lastUid}` }, { uid: true })) || [];
    // only what lies between the two cursors is owed, whatever the server answers
    const owed = found.filter((u) => u > actedUid && u <= lastUid);
    if (owed.length) {
      await applyFetchedAction(client, campaign, owed);
      deps.log.info({ campaignId: campaign.id, folder, count: owed.length, action: campaign.fetched_mail_action }, 'mailbox.action_caught_up');
    }
  }
  await markActed(deps.db, campaign.id, folder, uidvalidity, lastUid);
}

async function applyFetchedAction(client: ImapFlow, campaign: CampaignRow, uids: number[]): Promise<void> {
  for (const range of uidChunks(uids, 1_000)) {
    switch (campaign.fetched_mail_action) {
      case 'leave':
        return;
      case 'mark_seen':
        await client.messageFlagsAdd(range, ['\\Seen'], { uid: true });
        break;
      case 'delete':
        await client.messageDelete(range, { uid: true });
        break;
      case 'move': {
        const target = campaign.move_to_folder;
        if (!target) return;
        const moved = await client.messageMove(range, target, { uid: true }).catch(() => false);
        if (moved === false) {
          await client.mailboxCreate(target).catch(() => undefined);
          await client.messageMove(range, target, { uid: true });
        }
        break;
      }
    }
  }
}

// POP3: a session per poll — UIDL, fetch what is not stored yet, each
// committed with its UIDL; DELE (when the campaign deletes) after each commit,
// applied by QUIT.
async function pop3Sessions(
  deps: RunnerDeps,
  campaign: CampaignRow,
  settings: Pop3Settings,
  node: string,
  timing: SyncTiming,
  signal: AbortSignal,
  onConnected: () => Promise<void>,
): Promise<void> {
  let first = true;
  while (!signal.aborted) {
    const session = await openPop3Session(settings, { signal });
    try {
      if (first) await onConnected();
      first = false;
      const listing = await session.uidl();
      const known = await knownUidls(
        deps.db,
        campaign.id,
        listing.map((m) => m.uid),
      );
      for (const m of listing) {
        if (signal.aborted) break;
        if (known.has(m.uid)) {
          // stored before, but the process stopped before its DELE was applied
          if (campaign.fetched_mail_action === 'delete') await session.dele(m.msg);
          continue;
        }
        const raw = await session.retr(m.msg);
        await ingestMessage(deps, campaign, { kind: 'pop3', uidl: m.uid }, raw, (q) => rememberUidl(q, campaign.id, m.uid, node));
        if (campaign.fetched_mail_action === 'delete') await session.dele(m.msg);
      }
      await session.quit();
    } catch (err) {
      session.close();
      throw err;
    }
    await markSynced(deps.db, campaign.id, node);
    await sleep(timing.pop3PollMs, signal);
  }
}
