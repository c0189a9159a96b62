import type { Readable } from 'node:stream';
import { ImapFlow } from 'imapflow';
import type { ImapSettings } from '../verify/types.ts';
import { imapClientOptions } from '../verify/verify-imap.ts';
import { byteBatches, FETCH_BATCH, inResync, planFolder, uidChunks, uidsWithin, type FolderCursor } from './cursor.ts';

/** What the campaign does on the server with a message once it is stored. */
export type FetchedMailAction = { kind: 'leave' } | { kind: 'mark_seen' } | { kind: 'delete' } | { kind: 'move'; folder: string };

/** A folder's committed cursor as the caller stores it, with how far the fetched-mail action has caught up. */
export interface StoredFolderCursor extends FolderCursor {
  /** The action has been applied to every committed UID up to here (never beyond lastUid). */
  actedUid: number;
}

/**
 * The caller's storage of a folder's cursors: the session reads and resets
 * them, and records the action; only the caller's commit moves lastUid (in
 * the transaction that stores the messages), which is what makes a crash
 * anywhere replay instead of losing or doubling mail.
 */
export interface ImapCursorStore {
  /** The folder's cursor, or null before its first sync. */
  load(folder: string): Promise<StoredFolderCursor | null>;
  /** Starts the folder over (first sync, or a new UIDVALIDITY epoch: `resyncBelow` is then set). */
  reset(folder: string, cursor: FolderCursor): Promise<void>;
  /** The action has been applied to every committed UID up to uid (only ever forward, in this epoch). */
  acted(folder: string, uidvalidity: number, uid: number): Promise<void>;
}

/** Where one fetched message sits; the caller commits it with the message and moves the cursor to it. */
export interface ImapMessageCursor {
  folder: string;
  uidvalidity: number;
  uid: number;
  /** While resynchronising after a UIDVALIDITY change: the message may be one stored under the old epoch. */
  resync: boolean;
}

/** A fetched message's content: whole, or (a large one) a stream read from the server as it is consumed. */
export type FetchedContent = { kind: 'whole'; bytes: Buffer } | { kind: 'stream'; stream: Readable };

/** One message of a round. */
export interface FetchedImapMessage {
  readonly cursor: ImapMessageCursor;
  /** RFC822.SIZE as the server announced it. */
  readonly size: number;
  /**
   * Hands the content over, once: the round keeps no reference to it, so a
   * message is released as soon as the caller has stored and parsed it,
   * not when the round's last message has committed.
   */
  take(): FetchedContent;
}

/**
 * Messages fetched in one round (bounded in count and bytes; a message of
 * FETCH_BATCH.aloneFrom bytes or more is a round of its own, streamed), in
 * UID order. The session waits for the caller to commit them.
 */
export interface ImapRound {
  readonly folder: string;
  readonly uidvalidity: number;
  readonly messages: readonly FetchedImapMessage[];
  /**
   * Tells the session which of the round's UIDs the caller committed with
   * their cursor — in order, so every UID of the round up to the highest
   * one given. The fetched-mail action is applied to them and recorded
   * (ImapCursorStore.acted, up to the highest) before this resolves; UIDs
   * not of this round are ignored. At most once, before asking for the next
   * event; a round never confirmed is acted on by the next session's
   * catch-up instead.
   */
  committed(uids: readonly number[]): Promise<void>;
}

/** What a sync session reports: connected (logged in, folder selected), a round to commit, or the folder caught up. */
export type ImapSyncEvent = { type: 'connected' } | { type: 'fetched'; round: ImapRound } | { type: 'synced' };

/** Where a session says what the admin may want to know later; a pino logger fits. */
export interface SyncLog {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
}

/** How an IMAP sync session runs. */
export interface ImapSyncOptions {
  cursors: ImapCursorStore;
  action: FetchedMailAction;
  /** Aborting ends the session at the next safe point (between rounds), with a polite LOGOUT. */
  signal: AbortSignal;
  /** How long an IDLE lasts before it is restarted (servers drop IDLE after 30 minutes). */
  idleRestartMs: number;
  /** How often the folder is checked on a server without IDLE. */
  noIdlePollMs: number;
  /** A pass even without news, which also asks the server (STATUS) whether the folder's UIDVALIDITY changed: the safety net. */
  resyncMs: number;
  log?: SyncLog;
}

// Large messages are read in pieces of this size (imapflow would otherwise
// gather one whole and then concatenate it: twice its size in memory).
const DOWNLOAD_CHUNK = 256 * 1024;
// SIZE is asked for this many UIDs at once.
const SIZE_CHUNK = 1_000;
/**
 * The next round is fetched while the caller commits the current one only
 * when both together hold at most this many bytes (and neither is a message
 * streamed on its own): the FETCH no longer waits for the commit, and the
 * process never holds more than this of fetched mail for it.
 */
const FETCH_AHEAD_MAX_BYTES = 16 * 1024 * 1024;
const LOGOUT_MS = 1_000;

// What wakes a waiting session: news from the server or a timer (another
// pass), a failure (the session ends by throwing it), or the abort.
class Wakeup {
  private pending = false;
  private resolve: (() => void) | null = null;
  failure: unknown = null;
  readonly kick = (): void => {
    this.pending = true;
    this.fire();
  };
  readonly fail = (err: unknown): void => {
    this.failure ??= err;
    this.fire();
  };
  readonly fire = (): void => {
    const r = this.resolve;
    this.resolve = null;
    r?.();
  };
  /** Resolves at once when there is news or a failure; otherwise at the next one (or fire()). */
  wait(): Promise<void> {
    if (this.pending || this.failure) return Promise.resolve();
    return new Promise((r) => (this.resolve = r));
  }
  /** Consumes the news: what arrives from now on asks for one more pass. */
  take(): void {
    this.pending = false;
  }
}

/**
 * Keeps one IMAP folder synced for as long as it is iterated: connects with
 * the account's settings and time bounds, SELECTs the folder, catches up
 * from the stored cursor (planFolder: first sync, new mail, or a new
 * UIDVALIDITY epoch), then waits in IDLE — or polls where the server has no
 * IDLE — and catches up again on every EXISTS, poll and resync timer. Each
 * catch-up yields rounds of fetched messages; the caller commits them and
 * confirms, and only then is the campaign's action (mark seen, move,
 * delete) applied to them. A session's first pass first applies the action
 * owed to mail committed by an earlier session that died before acting
 * (the UIDs between the two cursors). Ends by throwing on a connection
 * failure (the caller backs off and opens a new session) and by returning
 * when aborted. Only one pass runs at a time, under the mailbox lock;
 * imapflow does not IDLE while a lock is held, so it is taken per pass.
 */
export async function* imapSync(settings: ImapSettings, opts: ImapSyncOptions): AsyncGenerator<ImapSyncEvent, void, undefined> {
  const { signal, cursors, action, log } = opts;
  const folder = settings.mailbox;
  if (signal.aborted) return;
  const client = new ImapFlow({
    ...imapClientOptions(settings),
    // the check's socket timeout fits a login, not a connection that IDLEs for minutes
    socketTimeout: opts.idleRestartMs + 60_000,
    autoIdleDelay: 100,
    maxIdleTime: opts.idleRestartMs,
    missingIdleCommand: 'NOOP',
  });
  const wake = new Wakeup();
  client.on('error', wake.fail);
  client.on('close', () => wake.fail(new Error('the IMAP server closed the connection')));
  signal.addEventListener('abort', wake.fire, { once: true });
  const timers: NodeJS.Timeout[] = [];

  // The campaign's action on UIDs the caller committed (or an earlier session did).
  const apply = async (uids: readonly number[]): Promise<void> => {
    for (const range of uidChunks(uids, 1_000)) {
      switch (action.kind) {
        case 'leave':
          return;
        case 'mark_seen':
          await client.messageFlagsAdd(range, ['\\Seen'], { uid: true });
          break;
        case 'delete':
          await client.messageDelete(range, { uid: true });
          break;
        case 'move': {
          const moved = await client.messageMove(range, action.folder, { uid: true }).catch(() => false);
          if (moved === false) {
            await client.mailboxCreate(action.folder).catch(() => undefined);
            await client.messageMove(range, action.folder, { uid: true });
          }
          break;
        }
        default: {
          const never: never = action;
          throw new Error(`unknown fetched-mail action ${JSON.stringify(never)}`);
        }
      }
    }
  };

  // A session's first pass: the action owed to committed mail an earlier
  // session did not get to (killed, or the server refused the action).
  const catchUp = async (uidvalidity: number, actedUid: number, lastUid: number): Promise<void> => {
    if (action.kind !== 'leave') {
      const found = (await client.search({ uid: `${actedUid + 1}:${lastUid}` }, { uid: true })) || [];
      // only what lies between the two cursors is owed, whatever the server answers
      const owed = uidsWithin(found, actedUid + 1, lastUid);
      if (owed.length) {
        await apply(owed);
        log?.info({ folder, count: owed.length, action: action.kind }, 'mailbox.action_caught_up');
      }
    }
    await cursors.acted(folder, uidvalidity, lastUid);
  };

  // One catch-up from the stored cursor, as rounds for the caller to commit.
  async function* pass(first: boolean): AsyncGenerator<ImapSyncEvent, boolean, undefined> {
    const mailbox = client.mailbox;
    if (!mailbox) throw new Error('no mailbox selected');
    const uidvalidity = Number(mailbox.uidValidity);
    // UIDNEXT is only fresh right after SELECT (IDLE updates the message count,
    // not UIDNEXT); later passes search from the cursor instead (0 = unknown)
    const uidNext = first ? mailbox.uidNext : 0;
    const stored = await cursors.load(folder);
    const plan = planFolder(stored, { uidvalidity, uidNext });
    if (plan.action === 'fetch' && plan.reset) {
      if (plan.cursor.resyncBelow !== null) log?.warn({ folder, uidvalidity }, 'mailbox.uidvalidity_changed');
      await cursors.reset(folder, plan.cursor);
    } else if (first && stored && stored.actedUid < stored.lastUid) {
      await catchUp(uidvalidity, stored.actedUid, stored.lastUid);
    }
    if (plan.action === 'up_to_date') return true;
    const uids = uidsWithin((await client.search({ uid: `${plan.fromUid}:*` }, { uid: true })) || [], plan.fromUid);
    const sizes: Array<{ uid: number; size: number }> = [];
    for (const range of uidChunks(uids, SIZE_CHUNK)) {
      for await (const m of client.fetch(range, { uid: true, size: true }, { uid: true })) {
        if (m.uid >= plan.fromUid) sizes.push({ uid: m.uid, size: m.size ?? 0 });
      }
    }
    const sizeOf = new Map(sizes.map((s) => [s.uid, s.size]));
    const cursorOf = (uid: number): ImapMessageCursor => ({ folder, uidvalidity, uid, resync: inResync(plan.cursor, uid) });
    const streamed = (batch: readonly number[]): boolean => batch.length === 1 && (sizeOf.get(batch[0]!) ?? 0) >= FETCH_BATCH.aloneFrom;
    const bytesOf = (batch: readonly number[]): number => batch.reduce((n, uid) => n + (sizeOf.get(uid) ?? 0), 0);
    // The round is gathered whole before the caller sees it: imapflow
    // deadlocks when another command is issued inside a fetch loop. Gathered
    // on its own (not inside a loop of the caller's), it may run while the
    // caller commits the round before: a command the caller issues meanwhile
    // (the fetched-mail action) waits in imapflow's queue behind it.
    const gather = async (batch: readonly number[]): Promise<Array<{ uid: number; content: FetchedContent }>> => {
      const fetched: Array<{ uid: number; content: FetchedContent }> = [];
      for await (const msg of client.fetch(uidChunks([...batch], batch.length)[0]!, { uid: true, source: true }, { uid: true })) {
        if (msg.source && msg.uid >= plan.fromUid) fetched.push({ uid: msg.uid, content: { kind: 'whole', bytes: msg.source } });
      }
      return fetched.sort((a, b) => a.uid - b.uid);
    };
    const batches = byteBatches(sizes);
    // the next round's FETCH, started while the caller commits this one (see FETCH_AHEAD_MAX_BYTES)
    let ahead: Promise<Array<{ uid: number; content: FetchedContent }>> | null = null;
    try {
      for (const [k, batch] of batches.entries()) {
        if (signal.aborted) return false;
        let fetched: Array<{ uid: number; content: FetchedContent }>;
        if (ahead) {
          fetched = await ahead;
          ahead = null;
        } else if (streamed(batch)) {
          const download = await client.download(String(batch[0]!), undefined, { uid: true, chunkSize: DOWNLOAD_CHUNK });
          if (!download.content) continue; // expunged meanwhile, as a fetch would skip it
          fetched = [{ uid: batch[0]!, content: { kind: 'stream', stream: download.content } }];
        } else {
          fetched = await gather(batch);
        }
        const next = batches[k + 1];
        if (next && !streamed(batch) && !streamed(next) && bytesOf(batch) + bytesOf(next) <= FETCH_AHEAD_MAX_BYTES) {
          ahead = gather(next);
          ahead.catch(() => undefined); // observed when its turn comes, or dropped with the pass
        }
        if (fetched.length === 0) continue; // all expunged since the search
        const messages = fetched.map((f) => fetchedMessage(cursorOf(f.uid), sizeOf.get(f.uid) ?? 0, f.content));
        // from here only the messages hold the contents, and each lets go of its own when taken
        fetched.length = 0;
        yield* round(uidvalidity, messages);
      }
    } finally {
      // a pass ended early (aborted, failed, the caller stopped) leaves no FETCH running under the next one
      if (ahead) await ahead.catch(() => undefined);
    }
    return true;
  }

  // Yields one round and applies the action to what the caller says it committed.
  async function* round(uidvalidity: number, messages: Array<ReturnType<typeof fetchedMessage>>): AsyncGenerator<ImapSyncEvent, void, undefined> {
    const ours = new Set(messages.map((m) => m.cursor.uid));
    let current = true;
    const r: ImapRound = {
      folder,
      uidvalidity,
      messages,
      committed: async (uids) => {
        if (!current) throw new Error('a round can be confirmed once, before the next event is asked for');
        current = false;
        const done = uids.filter((u) => ours.has(u));
        if (done.length === 0 || action.kind === 'leave') return;
        await apply(done);
        await cursors.acted(folder, uidvalidity, Math.max(...done));
      },
    };
    try {
      yield { type: 'fetched', round: r };
    } finally {
      current = false;
      // nothing of the round outlives it; a stream the caller never took must not keep its download open
      for (const m of messages) m.drop();
    }
  }

  try {
    await client.connect();
    // SELECT once; the lock is taken per pass only (see above)
    await client.mailboxOpen(folder);
    yield { type: 'connected' };
    client.on('exists', wake.kick);
    // no IDLE on this server: imapflow would only NOOP every couple of
    // minutes, so poll at the campaign's pace
    if (!client.capabilities.has('IDLE')) timers.push(setInterval(wake.kick, Math.min(opts.resyncMs, opts.noIdlePollMs)));
    // the folder was deleted or renamed under us (its UIDVALIDITY will change):
    // end, and let the next session's cursor logic resynchronise
    client.on('mailboxClose', () => wake.fail(new Error(`the folder ${folder} was closed by the server`)));
    // the safety net: a periodic pass, which also asks the server whether the
    // folder is still the one we selected (a deleted and recreated folder
    // has a new UIDVALIDITY, and the selected session may never be told)
    timers.push(
      setInterval(() => {
        void client
          .status(folder, { uidValidity: true })
          .then((st) => {
            if (st && st.uidValidity !== undefined && client.mailbox && st.uidValidity !== client.mailbox.uidValidity) {
              wake.fail(new Error(`the UIDVALIDITY of ${folder} changed`));
            } else wake.kick();
          })
          .catch(wake.fail);
      }, opts.resyncMs),
    );
    let first = true;
    wake.kick();
    for (;;) {
      // (an abort while the caller held the last event fired no one: look first)
      if (!signal.aborted) await wake.wait();
      if (signal.aborted) return;
      if (wake.failure) throw wake.failure;
      wake.take();
      let complete: boolean;
      const lock = await client.getMailboxLock(folder);
      try {
        complete = yield* pass(first);
      } catch (err) {
        // a dropped connection fails the command in flight too: report why it dropped
        throw wake.failure ?? err;
      } finally {
        lock.release();
      }
      first = false;
      if (!complete || signal.aborted) return;
      yield { type: 'synced' };
    }
  } finally {
    for (const t of timers) clearInterval(t);
    signal.removeEventListener('abort', wake.fire);
    client.removeAllListeners('close');
    if (signal.aborted) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([client.logout().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, LOGOUT_MS)))]);
      clearTimeout(timer);
    }
    client.close();
  }
}

// A fetched message whose content is handed over once (see
// FetchedImapMessage.take); drop() forgets what was not taken, ending a
// stream the caller never read.
function fetchedMessage(cursor: ImapMessageCursor, size: number, content: FetchedContent): FetchedImapMessage & { drop(): void } {
  let held: FetchedContent | null = content;
  return {
    cursor,
    size,
    take() {
      const c = held;
      if (!c) throw new Error(`the content of UID ${cursor.uid} was already taken`);
      held = null;
      return c;
    },
    drop() {
      if (held?.kind === 'stream') held.stream.destroy();
      held = null;
    },
  };
}
