import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectBlobs } from '../../platform/blobs/collect-blobs.ts';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../../../test/support/app.ts';
import { insertCampaignRow } from '../../../../../test/support/campaign-row.ts';
import { expireUploads } from './index.ts';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('uploads: streamed to the blob store, under a quota, removed unsent', () => {
  let s: TestServer;
  let cookie: string;
  beforeAll(async () => {
    s = await startTestServer({ env: { POSTDESK_UPLOAD_QUOTA_MB: '3' } });
    cookie = await s.login('admin', ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await s?.stop();
  });

  /** Starts an upload whose body the test writes piece by piece (chunked: no declared length unless given). */
  const begin = (filename: string, length?: number) => {
    const url = new URL(`/api/uploads?filename=${encodeURIComponent(filename)}`, s.url);
    const headers: Record<string, string | number> = { cookie, origin: s.url, 'content-type': 'application/octet-stream' };
    if (length !== undefined) headers['content-length'] = length;
    const req = http.request(url, { method: 'POST', headers });
    const answer = new Promise<{ status: number; body: any }>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
      });
      req.on('error', reject);
    });
    return { req, answer };
  };
  const upload = async (data: Buffer, declare = true) => {
    const { req, answer } = begin('file.bin', declare ? data.length : undefined);
    req.on('error', () => undefined); // the server may stop reading once it has refused
    req.end(data);
    return answer;
  };
  const chunkRows = async () => Number((await s.db.query<{ n: number }>('SELECT count(*)::int AS n FROM blob_chunks')).rows[0]!.n);

  it('writes the file to the store while it is still arriving, and keeps it byte for byte', async () => {
    const data = randomBytes(2 * 1024 * 1024 + 99);
    const { req, answer } = begin('report.pdf');
    const before = await chunkRows();
    req.write(data.subarray(0, 1536 * 1024));
    // the first megabyte is in the database before the client has sent the rest
    await expect.poll(chunkRows).toBeGreaterThan(before);
    req.end(data.subarray(1536 * 1024));
    const res = await answer;
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ filename: 'report.pdf', contentType: 'application/octet-stream', size: data.length });
    const row = (await s.db.query<{ sha256: Buffer }>('SELECT sha256 FROM uploads WHERE id = $1', [res.body.id])).rows[0]!;
    expect(row.sha256.toString('hex')).toBe(sha(data));
    expect((await s.deps.blobs.get(sha(data))).equals(data)).toBe(true);
  });

  it('refuses what passes the quota of unsent uploads, declared or not, and an empty file', async () => {
    // 2 MiB used by the first test; 3 MiB quota
    const declared = await upload(randomBytes(1536 * 1024));
    expect(declared.status).toBe(413);
    expect(declared.body.message).toMatch(/uploads not sent yet take 2\.0 MiB of your 3 MiB/);
    const undeclared = await upload(randomBytes(1536 * 1024), false);
    expect(undeclared.status).toBe(413);
    expect(undeclared.body.code).toBe('payload_too_large');
    expect((await s.db.query('SELECT 1 FROM uploads')).rowCount).toBe(1);
    const fits = await upload(randomBytes(512 * 1024), false);
    expect(fits.status).toBe(201);
    const empty = await upload(Buffer.alloc(0));
    expect(empty.status).toBe(400);
    expect(empty.body.message).toBe('body: the file is empty');
  });

  it('two uploads at once cannot both pass the quota', async () => {
    await s.db.query('DELETE FROM uploads');
    const both = await Promise.all([upload(randomBytes(2 * 1024 * 1024), false), upload(randomBytes(2 * 1024 * 1024), false)]);
    expect(both.map((r) => r.status).sort()).toEqual([201, 413]);
  });

  it('removes uploads never sent after their time unless a draft names them, and then their blobs', async () => {
    await s.db.query('DELETE FROM uploads');
    const kept = await upload(randomBytes(1000));
    const dropped = await upload(randomBytes(2000));
    const admin = (await s.db.query<{ id: string }>(`SELECT id FROM users WHERE username = 'admin'`)).rows[0]!.id;
    const campaign = await insertCampaignRow(s.db, { key: 'DRF' });
    await s.db.query(`INSERT INTO drafts (user_id, campaign_id, mode, attachments) VALUES ($1, $2, 'new', $3)`, [
      admin,
      campaign,
      JSON.stringify([{ uploadId: kept.body.id, name: 'file.bin', size: 1000 }]),
    ]);
    await s.db.query(`UPDATE uploads SET created_at = now() - interval '25 hours'`);
    expect(await expireUploads(s.deps, 24 * 3600_000)).toBe(1);
    const left = (await s.db.query<{ id: string }>('SELECT id FROM uploads')).rows.map((r) => r.id);
    expect(left).toEqual([kept.body.id]);
    expect(dropped.status).toBe(201);
    // the dropped upload's blob has nothing pointing at it: the collector takes it once its grace is over
    const droppedKey = (await s.db.query<{ sha256: Buffer }>(`SELECT sha256 FROM blobs WHERE size = 2000`)).rows[0]!.sha256;
    await s.db.query(`UPDATE blobs SET touched_at = now() - interval '2 days'`);
    await collectBlobs(s.deps, { graceSec: 3600 });
    expect(await s.deps.blobs.has(droppedKey.toString('hex'))).toBe(false);
  });
});
