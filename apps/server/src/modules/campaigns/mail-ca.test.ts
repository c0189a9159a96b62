import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDovecot, type DovecotPeer } from '../../../../../test/peers/dovecot.ts';
import { startSmtpAuthServer, type SmtpAuthServer } from '../../../../../test/peers/smtp-auth.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';
import { campaignBody } from '../../../../../test/support/campaign-input.ts';
import { appendMessages, customerMail, eventually } from '../../../../../test/support/mail-fixtures.ts';
import { checkPeer } from '../../../../../test/support/peers.ts';
import { ConfigError, loadConfig } from '../../config.ts';

// A mail server whose certificate a private authority signed (here: Dovecot
// and an SMTP server with their own self-signed certificates, which are their
// own authority) is trusted per campaign (a PEM field, checked) or for the
// whole installation (POSTDESK_MAIL_CA_FILE) — by the connection check, by
// IMAP sync and by SMTP sending — while certificates are still verified.

const PASSWORD = 'imap-Pa55-private-ca';
const SMTP_PASSWORD = 'smtp-Pa55-private-ca';
const peersReady = checkPeer('dovecot').available;

describe.skipIf(!peersReady)('a private certificate authority for a campaign’s mail servers', () => {
  let dv: DovecotPeer;
  let smtp: SmtpAuthServer;
  let s: TestServer;
  let admin: string;

  /** A campaign reading IMAP over TLS from the first byte and sending over TLS, both with self-signed certificates. */
  const tlsCampaign = (over: Record<string, unknown> = {}) =>
    campaignBody({
      schedule: [],
      // bounds on a lack of answer, generous: the machine may be loaded
      inbound: { port: dv.imapsPort, security: 'tls', password: PASSWORD, connectionTimeoutSec: 20, authTimeoutSec: 20 },
      smtp: { port: smtp.port, security: 'tls', auth: true, username: 'alice', password: SMTP_PASSWORD },
      ...over,
    });

  beforeAll(async () => {
    [dv, smtp] = await Promise.all([startDovecot({ users: { alice: PASSWORD }, tls: 'implicit' }), startSmtpAuthServer({ users: { alice: SMTP_PASSWORD }, secure: true })]);
    s = await startTestServer({ env: { POSTDESK_ROLES: 'api,sync,worker' } });
    admin = await s.login('admin', ADMIN_PASSWORD);
  }, 60_000);

  afterAll(async () => {
    await s?.stop();
    await Promise.all([dv?.stop(), smtp?.stop()]);
  });

  it('refuses the servers without it: their certificates are verified', async () => {
    const res = await s.call('POST', '/api/campaigns', { cookie: admin, body: tlsCampaign({ key: 'NOCA', name: 'No CA' }) });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('connection_failed');
    expect(JSON.stringify(res.body)).toMatch(/tls_failed|certificate/i);
  });

  it('refuses text that is not PEM certificates, naming the field', async () => {
    for (const bad of ['not a certificate', `${dv.certPem}\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n`, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n']) {
      const res = await s.call('POST', '/api/campaigns', { cookie: admin, body: tlsCampaign({ key: 'BAD', name: 'Bad CA', mailCaPem: bad }) });
      expect(res.status, bad).toBe(400);
      expect(res.body.details.map((d: { path: string }) => d.path)).toContain('mailCaPem');
    }
  });

  it('trusts a campaign’s authority for its check, its IMAP sync and its SMTP sending', async () => {
    const ca = `${dv.certPem}${smtp.certPem}`;
    const res = await s.call('POST', '/api/campaigns', { cookie: admin, body: tlsCampaign({ key: 'PCA', name: 'Private CA', mailCaPem: ca }) });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.mailCaPem).toContain('-----BEGIN CERTIFICATE-----');
    // "verify now" with the stored settings
    const again = await s.call('POST', `/api/campaigns/${res.body.id}/verify`, { cookie: admin });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(JSON.stringify(again.body)).not.toMatch(/tls_failed/);

    // sync over TLS: the mail comes in
    const mail = customerMail({ from: 'ana@customer.test', subject: 'Over a private CA', body: 'hello' });
    await appendMessages(dv, 'alice', PASSWORD, 'INBOX', [mail.raw]);
    await eventually(async () => (await s.db.query('SELECT 1 FROM messages WHERE message_id = $1', [mail.messageId])).rowCount === 1, 30_000, 'ingested over TLS');

    // sending over TLS: a reply reaches the SMTP server
    const { rows: [it] } = await s.db.query<{ interaction_id: number }>('SELECT interaction_id FROM messages WHERE message_id = $1', [mail.messageId]);
    const sent = await s.call('POST', `/api/interactions/${it!.interaction_id}/messages`, { cookie: admin, body: { mode: 'reply', to: [{ address: 'ana@customer.test' }], html: '<p>Sent over TLS</p>' }, headers: { origin: s.url } });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    await eventually(async () => smtp.received.some((m) => m.raw.toString('utf8').includes('Sent over TLS')), 30_000, 'sent over TLS');
  }, 90_000);

  it('trusts the installation’s authority (POSTDESK_MAIL_CA_FILE) for every campaign', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'postdesk-ca-'));
    const file = path.join(dir, 'mail-ca.pem');
    await writeFile(file, `${dv.certPem}${smtp.certPem}`);
    const other = await startTestServer({ env: { POSTDESK_ROLES: 'api', POSTDESK_MAIL_CA_FILE: file } });
    try {
      const cookie = await other.login('admin', ADMIN_PASSWORD);
      const res = await other.call('POST', '/api/campaigns', { cookie, body: tlsCampaign({ key: 'ICA', name: 'Installation CA' }) });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.body.mailCaPem).toBeNull();
    } finally {
      await other.stop();
    }
    // a file that is not PEM certificates stops the start, naming the setting
    const bad = path.join(dir, 'bad.pem');
    await writeFile(bad, 'hello');
    expect(() => loadConfig({ POSTDESK_MAIL_CA_FILE: bad })).toThrow(ConfigError);
    expect(() => loadConfig({ POSTDESK_MAIL_CA_FILE: bad })).toThrow(/POSTDESK_MAIL_CA_FILE/);
    expect(() => loadConfig({ POSTDESK_MAIL_CA_FILE: path.join(dir, 'missing.pem') })).toThrow(/POSTDESK_MAIL_CA_FILE: cannot read/);
  }, 60_000);
});
