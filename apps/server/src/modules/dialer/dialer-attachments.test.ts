import { randomBytes } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpSink, type SmtpSink } from '../../../../../test/peers/smtp-sink.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';
import { insertCampaignRow } from '../../../../../test/support/campaign-row.ts';
import { checkPeer } from '../../../../../test/support/peers.ts';
import { untilReached } from '../../../../../test/support/wait.ts';
import { safeFilename } from './dialer-attachments.ts';

describe('safeFilename', () => {
  it('drops directories, controls, bidi overrides, quotes and leading dots', () => {
    expect(safeFilename('../../etc/passwd')).toBe('passwd');
    expect(safeFilename('C:\\Users\\x\\report.pdf')).toBe('report.pdf');
    expect(safeFilename('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    expect(safeFilename('a"b\r\nc.txt')).toBe('abc.txt');
    expect(safeFilename('..hidden')).toBe('hidden');
    expect(safeFilename('/\u0000')).toBe('attachment');
    expect(safeFilename('x'.repeat(300)).length).toBe(255);
  });
});

describe.skipIf(!checkPeer('smtp-sink').available)('the dialer attachments registry: upload, attach by token in a list, sent byte for byte', () => {
  let s: TestServer;
  let sink: SmtpSink;
  let cookie: string;
  let dialerId: string;
  let otherDialerId: string;
  const bytes = randomBytes(5_000);

  beforeAll(async () => {
    sink = await startSmtpSink();
    s = await startTestServer({ env: { POSTDESK_ROLES: 'api,worker', POSTDESK_PUBLIC_URL: 'https://desk.example.test' } });
    cookie = await s.login('admin', ADMIN_PASSWORD);
    const make = async (name: string) => {
      const campaignId = await insertCampaignRow(s.db, { name, fromAddress: `${name.toLowerCase()}@acme.test` });
      await s.db.query(`UPDATE campaigns SET smtp_host = '127.0.0.1', smtp_port = $2, smtp_security = 'none', smtp_auth = false WHERE id = $1`, [campaignId, sink.port]);
      const t = await s.call('POST', '/api/templates', { cookie, body: { name: `${name} mail`, campaignId, html: '<p>Hello ${name}</p>' } });
      expect(t.status, t.text).toBe(201);
      const d = await s.call('POST', '/api/dialers', { cookie, body: { name: `${name} dialer`, campaignId, templateId: t.body.id, subject: 'Your file, ${name}' } });
      expect(d.status, d.text).toBe(201);
      return d.body.id as string;
    };
    dialerId = await make('Autumn');
    otherDialerId = await make('Winter');
  });
  afterAll(async () => {
    await s?.stop();
    await sink?.stop();
  });

  const upload = (id: string, query: string, body: Uint8Array) =>
    fetch(`${s.url}/api/dialers/${id}/attachments?${query}`, { method: 'POST', headers: { cookie, 'content-type': 'application/octet-stream' }, body: body as unknown as BodyInit });
  const list = async (id: string, csv: string) => {
    const res = await fetch(`${s.url}/api/dialers/${id}/lists?name=l`, { method: 'POST', headers: { cookie, 'content-type': 'text/csv' }, body: csv });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('registers a file under an unguessable token, scoped to the campaign, and sends it byte-identical', async () => {
    const res = await upload(dialerId, `filename=${encodeURIComponent('../../x/Price list\u202E.pdf')}&type=application/pdf`, bytes);
    expect(res.status).toBe(201);
    const a = (await res.json()) as { token: string; filename: string; size: number; contentType: string };
    expect(a).toMatchObject({ filename: 'Price list.pdf', size: bytes.length, contentType: 'application/pdf' });
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const second = (await (await upload(dialerId, 'filename=b.pdf', bytes)).json()) as { token: string };
    expect(second.token).not.toBe(a.token);
    const listed = await s.call('GET', `/api/dialers/${dialerId}/attachments`, { cookie });
    expect(listed.body.items.map((i: { token: string }) => i.token).sort()).toEqual([a.token, second.token].sort());
    // the other campaign does not see it, and its lists may not name it: refused with line and column
    expect((await s.call('GET', `/api/dialers/${otherDialerId}/attachments`, { cookie })).body.items).toEqual([]);
    const refused = await list(otherDialerId, `Winter;w1@example.test;;;name=W1;\nWinter;w2@example.test;;${a.token};name=W2;`);
    expect(refused.status).toBe(422);
    expect(refused.body.problems).toEqual([expect.objectContaining({ line: 2, column: 4, field: 'attachments' })]);

    expect((await list(dialerId, `Autumn;f1@example.test;;${a.token};name=F1;`)).status).toBe(201);
    // a file rows not sent yet attach cannot be removed
    expect((await s.call('DELETE', `/api/dialers/${dialerId}/attachments/${a.token}`, { cookie })).status).toBe(409);
    expect((await s.call('POST', `/api/dialers/${dialerId}/start`, { cookie })).status).toBe(200);
    await untilReached(async () => (await s.call('GET', `/api/dialers/${dialerId}/status`, { cookie })).body.totals.sent, 1, 'sent');
    const [m] = await sink.waitForMessages(1, 20_000);
    const parsed = await simpleParser(m!.content);
    const file = parsed.attachments.find((x) => x.filename === 'Price list.pdf')!;
    expect(file.contentType).toBe('application/pdf');
    expect(Buffer.compare(file.content, bytes)).toBe(0);

    expect((await s.call('DELETE', `/api/dialers/${dialerId}/attachments/${a.token}`, { cookie })).status).toBe(204);
    expect((await s.call('DELETE', `/api/dialers/${dialerId}/attachments/${a.token}`, { cookie })).status).toBe(404);
  });

  it('refuses an empty file, a bad media type and a file past the limit', async () => {
    expect((await upload(dialerId, 'filename=e.txt', new Uint8Array())).status).toBe(400);
    expect((await upload(dialerId, 'filename=e.txt&type=text%2Fhtml%0d%0aX-Evil%3A%201', bytes)).status).toBe(400);
    expect((await upload(dialerId, 'filename=big.bin', new Uint8Array(10 * 1024 * 1024 + 1))).status).toBe(413);
    expect((await fetch(`${s.url}/api/dialers/${dialerId}/attachments?filename=x`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes as unknown as BodyInit })).status).toBe(401);
  });
});
