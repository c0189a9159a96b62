import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotPeer } from '../../../../test/peers/dovecot.ts';
import { appendMessages, customerMail } from '../../../../test/support/mail-fixtures.ts';
import { checkPeer } from '../../../../test/support/peers.ts';
import type { Pop3Settings } from '../verify/types.ts';
import { pop3Sync, type Pop3Round, type Pop3SyncEvent } from './pop3-sync.ts';

// The POP3 sync against a real Dovecot, the caller's UIDL store in memory:
// each message is yielded for the caller to commit, only confirmed ones are
// deleted (by QUIT), and a message stored before whose deletion never
// happened is deleted without being fetched again.

const PASSWORD = 'pop3-Pa55-sync-1';
const peersReady = checkPeer('dovecot').available;

describe.skipIf(!peersReady)('pop3Sync against Dovecot', () => {
  let dv: DovecotPeer;
  beforeAll(async () => {
    dv = await startDovecot({ users: { bob: PASSWORD } });
  });
  afterAll(async () => dv?.stop());

  const settings = (): Pop3Settings => ({
    host: dv.host,
    port: dv.pop3Port,
    security: 'none',
    username: 'bob',
    password: PASSWORD,
    connectionTimeoutSec: 5,
    authTimeoutSec: 5,
  });
  const subjectsOnServer = async (): Promise<string[]> => {
    const c = new ImapFlow({ host: dv.host, port: dv.imapPort, secure: false, doSTARTTLS: false, auth: { user: 'bob', pass: PASSWORD }, logger: false });
    await c.connect();
    const lock = await c.getMailboxLock('INBOX');
    try {
      const out: string[] = [];
      for await (const m of c.fetch('1:*', { envelope: true })) out.push(m.envelope?.subject ?? '');
      return out;
    } catch {
      return []; // an empty mailbox has no 1:*
    } finally {
      lock.release();
      await c.logout();
    }
  };

  it('deletes only what the caller confirmed, on QUIT, and later deletes what was stored but never deleted', async () => {
    const mails = ['one', 'two', 'three'].map((s) => customerMail({ from: 'pat@customer.test', subject: s }));
    await appendMessages(dv, 'bob', PASSWORD, 'INBOX', mails.map((m) => m.raw));
    const stored = new Set<string>();
    const controller = new AbortController();
    const it = pop3Sync(settings(), { known: async (uidls) => new Set(uidls.filter((u) => stored.has(u))), deleteFetched: true, pollMs: 50, signal: controller.signal });
    const next = async (): Promise<Pop3SyncEvent> => (await it.next()).value as Pop3SyncEvent;

    expect(await next()).toEqual({ type: 'connected' });
    const rounds: Pop3Round[] = [];
    for (let i = 0; i < 3; i++) {
      const e = await next();
      if (e.type !== 'fetched') throw new Error(`expected a message, got ${e.type}`);
      rounds.push(e.round);
      const [m] = e.round.messages;
      expect(m!.source.equals(mails[i]!.raw)).toBe(true);
      stored.add(m!.uidl);
      // the second one is stored but its confirmation never comes (the process stopped, say)
      if (i !== 1) await e.round.committed([m!.uidl]);
      // nothing is deleted before QUIT
      expect(await subjectsOnServer()).toEqual(['one', 'two', 'three']);
    }
    await expect(rounds[0]!.committed([rounds[0]!.messages[0]!.uidl])).rejects.toThrow(/once/);
    expect(await next()).toEqual({ type: 'synced' });
    expect(await subjectsOnServer()).toEqual(['two']);

    // the next poll: "two" is known, so it is deleted without a RETR
    expect(await next()).toEqual({ type: 'synced' });
    expect(await subjectsOnServer()).toEqual([]);

    controller.abort();
    expect((await it.next()).done).toBe(true);
  });

  it('leaves the maildrop as it was when the caller stops before QUIT', async () => {
    const mail = customerMail({ from: 'pat@customer.test', subject: 'kept' });
    await appendMessages(dv, 'bob', PASSWORD, 'INBOX', [mail.raw]);
    const it = pop3Sync(settings(), { known: async () => new Set(), deleteFetched: true, pollMs: 50, signal: new AbortController().signal });
    expect((await it.next()).value).toEqual({ type: 'connected' });
    const e = (await it.next()).value as Pop3SyncEvent;
    if (e.type !== 'fetched') throw new Error(`expected a message, got ${e.type}`);
    await e.round.committed([e.round.messages[0]!.uidl]);
    // the caller leaves the loop (an error of its own): the session closes without QUIT
    await it.return(undefined);
    expect(await subjectsOnServer()).toEqual(['kept']);
  });
});
