import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../../../test/support/database.ts';
import type { Db } from '../db/db.ts';
import { BlobNotFoundError, type BlobStore } from './blob-store.ts';
import { deleteUnreferenced, blobReferences } from './blob-store.repo.ts';
import { collectBlobs } from './collect-blobs.ts';
import { fsBlobStore } from './fs-blob-store.ts';
import { pgBlobStore } from './pg-blob-store.ts';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
async function* pieces(data: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}
/** `total` pseudo-random bytes made a piece at a time (an AES-CTR keystream): a large blob that never exists whole here. */
async function* keystream(total: number, piece: number, onPiece?: () => void): AsyncGenerator<Uint8Array> {
  const aes = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16));
  for (let at = 0; at < total; at += piece) {
    onPiece?.();
    yield aes.update(Buffer.alloc(Math.min(piece, total - at)));
  }
}
const collect = async (s: NodeJS.ReadableStream): Promise<Buffer[]> => {
  const out: Buffer[] = [];
  for await (const c of s) out.push(c as Buffer);
  return out;
};

interface Subject {
  db: Db;
  root: string;
  blobs: BlobStore;
  /** Where the store keeps bytes besides the registry, for "nothing left behind" checks. */
  leftovers(): Promise<number>;
}

const stores: Array<[string, (db: Db, root: string) => Subject]> = [
  [
    'pg',
    (db, root) => ({
      db,
      root,
      blobs: pgBlobStore({ db }),
      leftovers: async () => Number((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM blob_chunks')).rows[0]!.n),
    }),
  ],
  [
    'fs',
    (db, root) => ({
      db,
      root,
      blobs: fsBlobStore({ db, root }),
      leftovers: async () => (await readdir(root, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).length,
    }),
  ],
];

describe.each(stores)('the %s blob store keeps the BlobStore contract', (kind, make) => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let s: Subject;
  let userId: string;
  const roots: string[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    const { rows } = await database.db.query<{ id: string }>(
      `INSERT INTO users (username, display_name, role, password_hash) VALUES ('agent', 'Agent', 'agent', 'x') RETURNING id`,
    );
    userId = rows[0]!.id;
  });
  afterAll(async () => {
    await database.drop();
    await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
  });
  beforeEach(async () => {
    await database.db.query('TRUNCATE uploads, blob_chunks, blobs CASCADE');
    const root = await mkdtemp(path.join(os.tmpdir(), 'postdesk-blobs-'));
    roots.push(root);
    s = make(database.db, root);
  });
  const upload = (key: string) =>
    s.db.query(`INSERT INTO uploads (user_id, sha256, filename, content_type, size) VALUES ($1, $2, 'f', 'application/octet-stream', 1)`, [
      userId,
      Buffer.from(key, 'hex'),
    ]);
  const age = (key: string) => s.db.query(`UPDATE blobs SET touched_at = now() - interval '2 days' WHERE sha256 = $1`, [Buffer.from(key, 'hex')]);

  it('stores bytes under their SHA-256 and reads them back whole and as a stream', async () => {
    expect(s.blobs.kind).toBe(kind);
    const data = randomBytes(70_000);
    const ref = await s.blobs.put(data);
    expect(ref).toEqual({ sha256: sha(data), size: data.length });
    expect((await s.blobs.get(ref.sha256)).equals(data)).toBe(true);
    expect(Buffer.concat(await collect(s.blobs.read(ref.sha256))).equals(data)).toBe(true);
    expect(await s.blobs.has(ref.sha256)).toBe(true);
    expect(await s.blobs.has(sha(Buffer.from('other')))).toBe(false);
    // the empty blob is a blob too
    const empty = await s.blobs.put(Buffer.alloc(0));
    expect((await s.blobs.get(empty.sha256)).length).toBe(0);
  });

  it('stores a stream as the same blob put() would, and equal bytes once', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 11);
    const ref = await s.blobs.putStream(pieces(data, 256 * 1024 + 3));
    expect(ref).toEqual({ sha256: sha(data), size: data.length });
    expect((await s.blobs.get(ref.sha256)).equals(data)).toBe(true);
    const before = await s.leftovers();
    expect(await s.blobs.putStream(pieces(data, 1000))).toEqual(ref);
    expect(await s.blobs.put(data)).toEqual(ref);
    expect(await s.blobs.put(data, { durable: false })).toEqual(ref);
    await s.blobs.sync([ref.sha256]);
    expect(await s.leftovers()).toBe(before);
    expect((await s.db.query('SELECT 1 FROM blobs')).rowCount).toBe(1);
  });

  it('writes and reads a 50 MB attachment a piece at a time', async () => {
    const size = 50 * 1024 * 1024 + 5;
    const expected = createHash('sha256');
    for await (const p of keystream(size, 1 << 20)) expected.update(p);
    const ref = await s.blobs.putStream(keystream(size, 1 << 20));
    expect(ref).toEqual({ sha256: expected.digest('hex'), size });
    const got = createHash('sha256');
    let largest = 0;
    let total = 0;
    for await (const piece of s.blobs.read(ref.sha256)) {
      const b = piece as Buffer;
      got.update(b);
      total += b.length;
      largest = Math.max(largest, b.length);
    }
    expect(total).toBe(size);
    expect(got.digest('hex')).toBe(ref.sha256);
    expect(largest).toBeLessThanOrEqual(1024 * 1024);
  });

  it('writes inside the transaction that points at the blob: kept when it commits, not there when it rolls back', async () => {
    const kept = randomBytes(20_000);
    const lost = randomBytes(30_000);
    await s.db.tx(async (q) => {
      const ref = await s.blobs.put(kept, { tx: q });
      await q.query(`INSERT INTO uploads (user_id, sha256, filename, content_type, size) VALUES ($1, $2, 'a', 'text/plain', 1)`, [
        userId,
        Buffer.from(ref.sha256, 'hex'),
      ]);
    });
    await expect(
      s.db.tx(async (q) => {
        await s.blobs.put(lost, { tx: q });
        await s.blobs.putStream(pieces(lost.subarray(1), 7000), { tx: q });
        throw new Error('the referring insert failed');
      }),
    ).rejects.toThrow('the referring insert failed');
    expect((await s.blobs.get(sha(kept))).equals(kept)).toBe(true);
    expect(await s.blobs.has(sha(lost))).toBe(false);
    expect(await s.blobs.has(sha(lost.subarray(1)))).toBe(false);
  });

  it('keeps nothing of a stream that fails half-way once the sweep has run', async () => {
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield randomBytes(600_000);
      throw new Error('connection dropped');
    }
    await expect(s.blobs.putStream(broken())).rejects.toThrow('connection dropped');
    expect((await s.db.query('SELECT 1 FROM blobs')).rowCount).toBe(0);
    await s.blobs.sweepUnregistered(0);
    expect(await s.leftovers()).toBe(0);
  });

  it('refuses a key that is not a SHA-256, so no path or query can be steered, and says which blob is missing', async () => {
    await expect(s.blobs.get('../../etc/passwd')).rejects.toThrow('invalid blob key');
    const missing = sha(Buffer.from('never stored'));
    await expect(s.blobs.get(missing)).rejects.toBeInstanceOf(BlobNotFoundError);
    await expect(collect(s.blobs.read(missing))).rejects.toBeInstanceOf(BlobNotFoundError);
  });

  it('collects blobs nothing points at once their grace period is over, and nothing else', async () => {
    const [a, b, c] = [randomBytes(9000), randomBytes(17_000), randomBytes(100)];
    const [ra, rb, rc] = [await s.blobs.put(a), await s.blobs.put(b), await s.blobs.put(c)];
    await upload(ra.sha256);
    await age(ra.sha256);
    await age(rb.sha256);
    // c is unreferenced too, but was just written: it waits out the grace period
    expect(await collectBlobs(s, { graceSec: 3600, pageSize: 2 })).toMatchObject({ removed: 1 });
    expect(await s.blobs.has(rb.sha256)).toBe(false);
    await expect(s.blobs.get(rb.sha256)).rejects.toBeInstanceOf(BlobNotFoundError);
    expect((await s.blobs.get(ra.sha256)).equals(a)).toBe(true);
    expect((await s.blobs.get(rc.sha256)).equals(c)).toBe(true);
    // the upload goes (sent, or expired): its blob follows once it is old
    await s.db.query('DELETE FROM uploads');
    await age(ra.sha256);
    expect(await collectBlobs(s, { graceSec: 3600 })).toMatchObject({ removed: 1 });
    expect(await s.blobs.has(ra.sha256)).toBe(false);
    // a blob stored again after its collection is whole again
    await s.blobs.put(b);
    expect((await s.blobs.get(rb.sha256)).equals(b)).toBe(true);
  });

  it('a put of the same bytes while the collector removes them waits, and leaves the blob whole', async () => {
    const data = randomBytes(40_000);
    const ref = await s.blobs.put(data);
    await age(ref.sha256);
    const refs = await blobReferences(s.db);
    let putDone = false;
    let put: Promise<unknown> = Promise.resolve();
    await s.db.tx(async (q) => {
      const victims = await deleteUnreferenced(q, refs, [Buffer.from(ref.sha256, 'hex')], 3600);
      expect(victims.map((v) => v.sha256)).toEqual([ref.sha256]);
      // a concurrent ingest deduplicating onto the blob being deleted
      put = s.blobs.put(data, { durable: false }).then(() => (putDone = true));
      await s.blobs.dropBytes(q, victims);
      // the put is held on the row until the collector commits
      await expect
        .poll(async () => (await s.db.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)).rowCount)
        .toBe(1);
      expect(putDone).toBe(false);
    });
    await put;
    await s.blobs.sync([ref.sha256]);
    expect(await s.blobs.has(ref.sha256)).toBe(true);
    expect((await s.blobs.get(ref.sha256)).equals(data)).toBe(true);
  });

  it('the foreign keys refuse to delete a blob a row points at, and the collector finds every referring column', async () => {
    const data = randomBytes(5000);
    const ref = await s.blobs.put(data);
    await age(ref.sha256);
    const refs = await blobReferences(s.db);
    await upload(ref.sha256);
    // what a collector that missed the row (a stale snapshot) would do: the database refuses it
    await expect(s.db.query(`DELETE FROM blobs WHERE sha256 = $1`, [Buffer.from(ref.sha256, 'hex')])).rejects.toMatchObject({ code: '23503' });
    expect(await collectBlobs(s, { graceSec: 3600 })).toMatchObject({ removed: 0 });
    expect((await s.blobs.get(ref.sha256)).equals(data)).toBe(true);
    expect(refs.map((r) => `${r.table}.${r.column}`)).toEqual(
      expect.arrayContaining(['attachments.sha256', 'messages.raw_sha256', 'quarantine.raw_sha256', 'uploads.sha256']),
    );
  });
});

describe('the filesystem store', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let root: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    root = await mkdtemp(path.join(os.tmpdir(), 'postdesk-blobs-'));
  });
  afterAll(async () => {
    await database.drop();
    await rm(root, { recursive: true, force: true });
  });

  it('keeps blobs at root/ab/cd/<sha256>, rewrites a torn file, and sweeps files nothing registered', async () => {
    const blobs = fsBlobStore({ db: database.db, root });
    const data = randomBytes(12_345);
    const ref = await blobs.put(data);
    const file = path.join(root, ref.sha256.slice(0, 2), ref.sha256.slice(2, 4), ref.sha256);
    await writeFile(file, data.subarray(0, 100)); // torn by a power loss before its sync
    await blobs.put(data);
    expect((await blobs.get(ref.sha256)).equals(data)).toBe(true);
    // a file whose registering transaction rolled back, and a temporary file left by a crash
    const stray = randomBytes(64);
    const strayKey = sha(stray);
    await mkdir(path.join(root, strayKey.slice(0, 2), strayKey.slice(2, 4)), { recursive: true });
    await writeFile(path.join(root, strayKey.slice(0, 2), strayKey.slice(2, 4), strayKey), stray);
    await writeFile(path.join(root, '.stream.0123.tmp'), 'half');
    expect(await blobs.sweepUnregistered(0)).toBe(2);
    expect(await blobs.has(strayKey)).toBe(false);
    expect((await blobs.get(ref.sha256)).equals(data)).toBe(true);
  });
});
