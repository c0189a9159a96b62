import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotPeer } from '../../../../../test/peers/dovecot.ts';
import { startSmtpSink, type SmtpSink } from '../../../../../test/peers/smtp-sink.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';
import { campaignBody } from '../../../../../test/support/campaign-input.ts';
import { appendMessages, customerMail, eventually } from '../../../../../test/support/mail-fixtures.ts';
import { checkPeer } from '../../../../../test/support/peers.ts';
import { loadConfig } from '../../config.ts';
import { startServer, type RunningServer } from '../../server.ts';

// Two sync nodes on one database: exactly one holds a mailbox's lease and
// syncs it; a graceful stop hands the mailbox over at once.

const PASSWORD = 'imap-Pa55-lease-1';
const peersReady = checkPeer('dovecot').available && checkPeer('smtp-sink').available;

describe.skipIf(!peersReady)('mailbox leases across two nodes', () => {
  let dv: DovecotPeer;
  let sink: SmtpSink;
  let a: TestServer;
  let b: RunningServer;
  let campaignId: string;

  const holder = async (): Promise<string | null> =>
    (await a.db.query<{ lease_holder: string | null }>('SELECT lease_holder FROM mailboxes WHERE campaign_id = $1', [campaignId])).rows[0]?.lease_holder ?? null;
  const copies = async (messageId: string): Promise<number> =>
    (await a.db.query<{ n: number }>('SELECT count(*)::int AS n FROM messages WHERE message_id = $1', [messageId])).rows[0]!.n;

  beforeAll(async () => {
    [dv, sink] = await Promise.all([startDovecot({ users: { alice: PASSWORD } }), startSmtpSink()]);
    // a long lease: a handover within the test can only come from the graceful release
    a = await startTestServer({ env: { POSTDESK_ROLES: 'api,sync', POSTDESK_NODE_ID: 'node-a', POSTDESK_LEASE_SEC: '600', POSTDESK_RESYNC_SEC: '600' } });
    const admin = await a.login('admin', ADMIN_PASSWORD);
    const res = await a.call('POST', '/api/campaigns', {
      cookie: admin,
      body: campaignBody({ inbound: { port: dv.imapPort, password: PASSWORD }, smtp: { port: sink.port, auth: false, username: '', password: undefined } }),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    campaignId = res.body.id;
    await eventually(async () => (await holder()) === 'node-a', 20_000, 'node A holds the lease');
    b = await startServer(
      loadConfig({
        DATABASE_URL: a.deps.config.databaseUrl!,
        POSTDESK_DATA_DIR: a.dataDir,
        POSTDESK_ROLES: 'sync',
        POSTDESK_NODE_ID: 'node-b',
        POSTDESK_LEASE_SEC: '600',
        POSTDESK_RESYNC_SEC: '600',
        POSTDESK_PARSER_THREADS: '1',
        LOG_LEVEL: 'warn',
      }),
      { serveWeb: false },
    );
  }, 120_000);

  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await Promise.all([dv?.stop(), sink?.stop()]);
  });

  it('lets exactly one node sync the mailbox', async () => {
    await b.sync!.tick();
    expect(await holder()).toBe('node-a');
    const mail = customerMail({ from: 'ana@customer.test', subject: 'Who syncs me?' });
    await appendMessages(dv, 'alice', PASSWORD, 'INBOX', [mail.raw]);
    await eventually(async () => (await copies(mail.messageId)) === 1, 20_000, 'ingested');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await copies(mail.messageId)).toBe(1);
  });

  it('hands the mailbox to the other node as soon as the holder stops gracefully', async () => {
    await a.sync!.stop(); // node A's sync role shuts down; its API keeps serving
    expect(await holder()).toBeNull();
    await b.sync!.tick();
    expect(await holder()).toBe('node-b');
    const mail = customerMail({ from: 'ana@customer.test', subject: 'Synced by B' });
    await appendMessages(dv, 'alice', PASSWORD, 'INBOX', [mail.raw]);
    await eventually(async () => (await copies(mail.messageId)) === 1, 20_000, 'ingested by node B');
  });

  it("takes a dead holder's mailbox over when its lease runs out, not at the next supervision tick", async () => {
    // node B dies without releasing (SIGKILL): its row still names it, with a lease that runs out in 2 s
    await b.stop();
    const { rows: [dead] } = await a.db.query<{ lease_expires_at: Date }>(
      `UPDATE mailboxes SET lease_holder = 'node-dead', lease_expires_at = now() + interval '2 seconds' WHERE campaign_id = $1 RETURNING lease_expires_at`,
      [campaignId],
    );
    // node C ticks every 200 s (a third of its 600 s lease): only waking at the expiry can take over within this wait
    const c = await startServer(
      loadConfig({
        DATABASE_URL: a.deps.config.databaseUrl!,
        POSTDESK_DATA_DIR: a.dataDir,
        POSTDESK_ROLES: 'sync',
        POSTDESK_NODE_ID: 'node-c',
        POSTDESK_LEASE_SEC: '600',
        POSTDESK_RESYNC_SEC: '600',
        POSTDESK_PARSER_THREADS: '1',
        LOG_LEVEL: 'warn',
      }),
      { serveWeb: false },
    );
    try {
      expect(await holder()).toBe('node-dead');
      await eventually(async () => (await holder()) === 'node-c', 60_000, 'node C takes over the expired lease');
      // and not before it ran out: C took it (its 600 s lease began) at or after the dead holder's expiry
      const { rows: [taken] } = await a.db.query<{ at: Date }>(
        `SELECT lease_expires_at - make_interval(secs => 600) AS at FROM mailboxes WHERE campaign_id = $1`,
        [campaignId],
      );
      expect(taken!.at.getTime()).toBeGreaterThanOrEqual(dead!.lease_expires_at.getTime());
      const mail = customerMail({ from: 'ana@customer.test', subject: 'Synced by C' });
      await appendMessages(dv, 'alice', PASSWORD, 'INBOX', [mail.raw]);
      await eventually(async () => (await copies(mail.messageId)) === 1, 20_000, 'ingested by node C');
    } finally {
      await c.stop();
    }
  }, 120_000);
});
