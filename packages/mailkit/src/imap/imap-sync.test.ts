import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotPeer } from '../../../../test/peers/dovecot.ts';
import { appendMessages, customerMail } from '../../../../test/support/mail-fixtures.ts';
import { checkPeer } from '../../../../test/support/peers.ts';
import { classifyError } from '../verify/classify-error.ts';
import type { ImapSettings } from '../verify/types.ts';
import type { FolderCursor } from './cursor.ts';
import { imapSync, type FetchedMailAction, type ImapCursorStore, type ImapRound, type ImapSyncEvent, type StoredFolderCursor } from './imap-sync.ts';

// The IMAP session against a real Dovecot, with the caller's side played by
// an in-memory cursor store: rounds carry their cursors, the action waits
// for the caller's confirmation, a new session catches up the action an
// earlier one owed, and a new UIDVALIDITY starts the cursor over.

const PASSWORD = 'imap-Pa55-session-1';
const peersReady = checkPeer('dovecot').available;

/** The caller's storage, in memory; commit() is what the caller's transaction does to lastUid. */
class MemoryCursors implements ImapCursorStore {
  readonly folders = new Map<string, StoredFolderCursor>();
  readonly calls: string[] = [];
  async load(folder: string): Promise<StoredFolderCursor | null> {
    const c = this.folders.get(folder);
    return c ? { ...c } : null;
  }
  async reset(folder: string, c: FolderCursor): Promise<void> {
    this.calls.push(`reset ${c.uidvalidity} ${c.lastUid} ${c.resyncBelow}`);
    this.folders.set(folder, { ...c, actedUid: c.lastUid });
  }
  async acted(folder: string, uidvalidity: number, uid: number): Promise<void> {
    this.calls.push(`acted ${uid}`);
    const c = this.folders.get(folder);
    if (c && c.uidvalidity === uidvalidity && c.actedUid < uid) c.actedUid = uid;
  }
  commit(folder: string, uid: number): void {
    const c = this.folders.get(folder)!;
    c.lastUid = Math.max(c.lastUid, uid);
  }
}

describe.skipIf(!peersReady)('imapSync against Dovecot', () => {
  let dv: DovecotPeer;
  const settings = (mailbox: string, password = PASSWORD): ImapSettings => ({
    host: dv.host,
    port: dv.imapPort,
    security: 'none',
    username: 'alice',
    password,
    mailbox,
    connectionTimeoutSec: 5,
    authTimeoutSec: 5,
  });
  const timing = { idleRestartMs: 60_000, noIdlePollMs: 60_000, resyncMs: 600_000 };

  // Runs a session step by step: each next() is bounded by lack of progress, not a time to meet.
  function session(folder: string, cursors: MemoryCursors, action: FetchedMailAction) {
    const controller = new AbortController();
    const it = imapSync(settings(folder), { cursors, action, signal: controller.signal, ...timing });
    const next = async (): Promise<ImapSyncEvent | null> => {
      const r = await it.next();
      return r.done ? null : r.value;
    };
    const round = async (): Promise<ImapRound> => {
      const e = await next();
      if (e?.type !== 'fetched') throw new Error(`expected a round, got ${JSON.stringify(e)}`);
      return e.round;
    };
    return { next, round, abort: () => controller.abort(), it };
  }

  const withClient = async <T>(fn: (c: ImapFlow) => Promise<T>): Promise<T> => {
    const c = new ImapFlow({ host: dv.host, port: dv.imapPort, secure: false, doSTARTTLS: false, auth: { user: 'alice', pass: PASSWORD }, logger: false });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.logout();
    }
  };
  const seenUids = (folder: string): Promise<number[]> =>
    withClient(async (c) => {
      const lock = await c.getMailboxLock(folder);
      try {
        return ((await c.search({ seen: true }, { uid: true })) || []).sort((a, b) => a - b);
      } finally {
        lock.release();
      }
    });
  const uidsIn = (folder: string): Promise<number[]> =>
    withClient(async (c) => {
      const lock = await c.getMailboxLock(folder);
      try {
        return ((await c.search({ all: true }, { uid: true })) || []).sort((a, b) => a - b);
      } finally {
        lock.release();
      }
    });
  const uidvalidityOf = (folder: string): Promise<number> =>
    withClient(async (c) => {
      const st = await c.status(folder, { uidValidity: true });
      if (!st) throw new Error(`no STATUS for ${folder}`);
      return Number(st.uidValidity);
    });

  beforeAll(async () => {
    dv = await startDovecot({ users: { alice: PASSWORD } });
  });
  afterAll(async () => dv?.stop());

  it('yields rounds with their cursors and acts only on what the caller confirmed, after the confirmation', async () => {
    const mails = ['one', 'two', 'three'].map((s) => customerMail({ from: 'ana@customer.test', subject: s }));
    await appendMessages(dv, 'alice', PASSWORD, 'Seen', mails.map((m) => m.raw));
    const uidvalidity = await uidvalidityOf('Seen');
    const cursors = new MemoryCursors();
    const s = session('Seen', cursors, { kind: 'mark_seen' });
    expect(await s.next()).toEqual({ type: 'connected' });

    const first = await s.round();
    expect(cursors.calls).toEqual([`reset ${uidvalidity} 0 null`]);
    expect(first.messages.map((m) => m.cursor)).toEqual([1, 2, 3].map((uid) => ({ folder: 'Seen', uidvalidity, uid, resync: false })));
    const contents = first.messages.map((m) => m.take());
    expect(contents.map((c, i) => c.kind === 'whole' && c.bytes.equals(mails[i]!.raw))).toEqual([true, true, true]);
    expect(() => first.messages[0]!.take()).toThrow(/already taken/);
    // fetched is not acted on: nothing is seen before the caller confirms
    expect(await seenUids('Seen')).toEqual([]);

    // the caller committed 1 and 2 (3 failed, say); a UID not of the round is ignored
    cursors.commit('Seen', 2);
    await first.committed([1, 2, 99]);
    expect(await seenUids('Seen')).toEqual([1, 2]);
    expect(cursors.folders.get('Seen')!.actedUid).toBe(2);
    await expect(first.committed([3])).rejects.toThrow(/once/);
    expect(await s.next()).toEqual({ type: 'synced' });

    // new mail wakes the session (IDLE); the uncommitted 3 comes again from the cursor
    await appendMessages(dv, 'alice', PASSWORD, 'Seen', [customerMail({ from: 'ana@customer.test', subject: 'four' }).raw]);
    const second = await s.round();
    expect(second.messages.map((m) => m.cursor.uid)).toEqual([3, 4]);
    cursors.commit('Seen', 4);
    await second.committed([3, 4]);
    expect(await seenUids('Seen')).toEqual([1, 2, 3, 4]);
    expect(await s.next()).toEqual({ type: 'synced' });

    s.abort();
    expect(await s.next()).toBeNull();
  });

  it("starts by applying the action an earlier session owed: only the UIDs between the two cursors", async () => {
    await appendMessages(dv, 'alice', PASSWORD, 'Owed', [1, 2, 3, 4].map((i) => customerMail({ from: 'ana@customer.test', subject: `owed ${i}` }).raw));
    const uidvalidity = await uidvalidityOf('Owed');
    const cursors = new MemoryCursors();
    // 1..3 committed, the action applied up to 1: the process died before moving 2 and 3
    cursors.folders.set('Owed', { uidvalidity, lastUid: 3, resyncBelow: null, actedUid: 1 });
    const s = session('Owed', cursors, { kind: 'move', folder: 'Done' });
    expect(await s.next()).toEqual({ type: 'connected' });
    const round = await s.round();
    expect(cursors.calls).toEqual(['acted 3']);
    expect(await uidsIn('Owed')).toEqual([1, 4]);
    expect((await uidsIn('Done')).length).toBe(2);
    expect(round.messages.map((m) => m.cursor.uid)).toEqual([4]);
    cursors.commit('Owed', 4);
    await round.committed([4]);
    expect(await uidsIn('Owed')).toEqual([1]);
    expect((await uidsIn('Done')).length).toBe(3);
    s.abort();
    expect(await s.next()).toBeNull();
  });

  it('streams a message of 4 MiB or more in a round of its own', async () => {
    const big = customerMail({ from: 'big@customer.test', subject: 'big', body: 'x'.repeat(76).concat('\r\n').repeat(60_000) });
    const small = (n: number) => customerMail({ from: 'ana@customer.test', subject: `small ${n}` }).raw;
    await appendMessages(dv, 'alice', PASSWORD, 'Big', [small(1), big.raw, small(2)]);
    const cursors = new MemoryCursors();
    const s = session('Big', cursors, { kind: 'leave' });
    await s.next();
    const rounds: Array<{ uids: number[]; kinds: string[] }> = [];
    for (let i = 0; i < 3; i++) {
      const r = await s.round();
      const contents = r.messages.map((m) => m.take());
      rounds.push({ uids: r.messages.map((m) => m.cursor.uid), kinds: contents.map((c) => c.kind) });
      for (const c of contents) {
        if (c.kind !== 'stream') continue;
        const chunks: Buffer[] = [];
        for await (const chunk of c.stream) chunks.push(chunk as Buffer);
        expect(Buffer.concat(chunks).equals(big.raw)).toBe(true);
      }
      cursors.commit('Big', Math.max(...r.messages.map((m) => m.cursor.uid)));
      await r.committed(r.messages.map((m) => m.cursor.uid));
    }
    expect(rounds).toEqual([
      { uids: [1], kinds: ['whole'] },
      { uids: [2], kinds: ['stream'] },
      { uids: [3], kinds: ['whole'] },
    ]);
    // "leave": the action never runs, and nothing is recorded for it
    expect(cursors.calls.filter((c) => c.startsWith('acted'))).toEqual([]);
    expect(await s.next()).toEqual({ type: 'synced' });
    s.abort();
    expect(await s.next()).toBeNull();
  });

  it('starts a folder over when its UIDVALIDITY changed, marking the old epoch\'s UIDs for the duplicate check', async () => {
    await appendMessages(dv, 'alice', PASSWORD, 'Epoch', [1, 2].map((i) => customerMail({ from: 'ana@customer.test', subject: `epoch ${i}` }).raw));
    const uidvalidity = await uidvalidityOf('Epoch');
    const cursors = new MemoryCursors();
    cursors.folders.set('Epoch', { uidvalidity: uidvalidity + 1000, lastUid: 9, resyncBelow: null, actedUid: 9 });
    const s = session('Epoch', cursors, { kind: 'mark_seen' });
    await s.next();
    const round = await s.round();
    // UIDNEXT is 3: UIDs 1..2 of the new epoch may be messages stored under the old one
    expect(cursors.calls).toEqual([`reset ${uidvalidity} 0 2`]);
    expect(round.messages.map((m) => [m.cursor.uid, m.cursor.resync])).toEqual([
      [1, true],
      [2, true],
    ]);
    s.abort();
    await round.committed([]);
    expect(await s.next()).toBeNull();
    expect(await seenUids('Epoch')).toEqual([]);
  });

  it('ends by throwing when the password is refused, so the caller can tell it from an outage', async () => {
    const it = imapSync(settings('INBOX', 'Wr0ng-Pa55-xyzzy'), { cursors: new MemoryCursors(), action: { kind: 'leave' }, signal: new AbortController().signal, ...timing });
    const err = await it.next().then(
      () => null,
      (e: unknown) => e,
    );
    expect(classifyError(err)).toBe('auth_failed');
  });
});
