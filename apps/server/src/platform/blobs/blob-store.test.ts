import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { localBlobStore } from './blob-store.ts';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
async function* pieces(data: Buffer, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

describe('localBlobStore', () => {
  const roots: string[] = [];
  const store = async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'postdesk-blobs-'));
    roots.push(root);
    return { root, blobs: localBlobStore(root) };
  };
  afterEach(async () => {
    await Promise.all(roots.splice(0).map((r) => rm(r, { recursive: true, force: true })));
  });

  it('stores bytes under their SHA-256 and reads them back', async () => {
    const { root, blobs } = await store();
    const data = randomBytes(70_000);
    const ref = await blobs.put(data);
    expect(ref).toEqual({ sha256: sha(data), size: data.length });
    expect((await blobs.get(ref.sha256)).equals(data)).toBe(true);
    expect(await readFile(path.join(root, ref.sha256.slice(0, 2), ref.sha256.slice(2, 4), ref.sha256))).toEqual(data);
    expect(await blobs.has(sha(Buffer.from('other')))).toBe(false);
  });

  it('stores a stream as the same blob put() would, hashing it on the way, and leaves no temporary file', async () => {
    const { root, blobs } = await store();
    const data = randomBytes(3 * 1024 * 1024 + 11);
    const ref = await blobs.putStream(pieces(data, 256 * 1024));
    expect(ref).toEqual({ sha256: sha(data), size: data.length });
    expect((await blobs.get(ref.sha256)).equals(data)).toBe(true);
    // the same bytes again: the stored blob is kept, the second copy dropped
    expect(await blobs.putStream(pieces(data, 1000))).toEqual(ref);
    expect(await blobs.put(data)).toEqual(ref);
    expect((await readdir(root)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('keeps nothing of a stream that fails half-way', async () => {
    const { root, blobs } = await store();
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('half a message');
      throw new Error('connection dropped');
    }
    await expect(blobs.putStream(broken())).rejects.toThrow('connection dropped');
    expect(await readdir(root)).toEqual([]);
  });

  it('refuses a key that is not a SHA-256, so no path can be steered', async () => {
    const { blobs } = await store();
    await expect(blobs.get('../../etc/passwd')).rejects.toThrow('invalid blob key');
  });
});
