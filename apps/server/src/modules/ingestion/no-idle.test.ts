import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapFlow } from 'imapflow';
import { startDovecot, type DovecotPeer } from '../../../../../test/peers/dovecot.ts';
import { startSmtpSink, type SmtpSink } from '../../../../../test/peers/smtp-sink.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';
import { campaignBody } from '../../../../../test/support/campaign-input.ts';
import { appendMessages, customerMail, eventually } from '../../../../../test/support/mail-fixtures.ts';
import { checkPeer } from '../../../../../test/support/peers.ts';

// A server without IDLE: mail still arrives, by polling at the configured
// pace (the safety-net resync is set to ten minutes, so only polling can
// deliver it within the wait).

const PASSWORD = 'imap-Pa55-noidle-1';
const peersReady = checkPeer('dovecot').available && checkPeer('smtp-sink').available;

describe.skipIf(!peersReady)('IMAP without IDLE', () => {
  let dv: DovecotPeer;
  let sink: SmtpSink;
  let s: TestServer;

  beforeAll(async () => {
    [dv, sink] = await Promise.all([
      startDovecot({ users: { alice: PASSWORD }, imapCapability: 'IMAP4rev1 LITERAL+ SASL-IR UIDPLUS ID ENABLE' }),
      startSmtpSink(),
    ]);
    s = await startTestServer({ env: { POSTDESK_ROLES: 'api,sync', POSTDESK_RESYNC_SEC: '600', POSTDESK_IMAP_POLL_SEC: '1' } });
    const admin = await s.login('admin', ADMIN_PASSWORD);
    const res = await s.call('POST', '/api/campaigns', {
      cookie: admin,
      body: campaignBody({ inbound: { port: dv.imapPort, password: PASSWORD }, smtp: { port: sink.port, auth: false, username: '', password: undefined } }),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await s?.stop();
    await Promise.all([dv?.stop(), sink?.stop()]);
  });

  it('really talks to a server without IDLE', async () => {
    const client = new ImapFlow({ host: dv.host, port: dv.imapPort, secure: false, doSTARTTLS: false, auth: { user: 'alice', pass: PASSWORD }, logger: false });
    await client.connect();
    expect(client.capabilities.has('IDLE')).toBe(false);
    await client.logout();
  });

  it('fetches new mail by polling', async () => {
    await eventually(async () => (await s.db.query<{ state: string }>(`SELECT state FROM mailboxes`)).rows[0]?.state === 'connected', 20_000, 'connected');
    // past the first checks after connecting: from here only a poll can notice new mail
    await new Promise((r) => setTimeout(r, 3_000));
    const mail = customerMail({ from: 'ana@customer.test', subject: 'No IDLE here' });
    await appendMessages(dv, 'alice', PASSWORD, 'INBOX', [mail.raw]);
    // imapflow's own NOOP fallback runs every 2 minutes; the wait is far shorter
    await eventually(async () => (await s.db.query('SELECT 1 FROM messages WHERE message_id = $1', [mail.messageId])).rowCount, 20_000, 'polled in');
  });
});
