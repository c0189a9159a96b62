import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../../../test/support/database.ts';
import { fsBlobStore } from './fs-blob-store.ts';
import { moveFilesToDatabase } from './move-files-to-database.ts';
import { pgBlobStore } from './pg-blob-store.ts';

describe('moving an install’s blob files into the database (npm run blobs:migrate)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let root: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    root = await mkdtemp(path.join(os.tmpdir(), 'postdesk-blobs-move-'));
  });
  afterAll(async () => {
    await database.drop();
    await rm(root, { recursive: true, force: true });
  });
  const fileOf = (key: string) => path.join(root, key.slice(0, 2), key.slice(2, 4), key);
  const filesLeft = async () => (await readdir(root, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);

  it('moves every file verified by its hash, names the ones it cannot move, is resumable, and reads keep working throughout', async () => {
    const { db } = database;
    const fs = fsBlobStore({ db, root });
    const blobs = [randomBytes(1), randomBytes(9000), randomBytes(3 * 1024 * 1024 + 17), randomBytes(123_456)];
    const refs = [];
    for (const b of blobs) refs.push(await fs.put(b));
    const damaged = await fs.put(randomBytes(5000));
    const missing = await fs.put(randomBytes(700));
    const bytes = randomBytes(5000);
    await writeFile(fileOf(damaged.sha256), bytes); // same size, other bytes: rot on disk
    await rm(fileOf(missing.sha256));

    // before the move, the database store reads the files it has not got yet
    const pg = pgBlobStore({ db, legacyRoot: root });
    expect((await pg.get(refs[2]!.sha256)).equals(blobs[2]!)).toBe(true);

    const first = await moveFilesToDatabase({ db, root }, { pageSize: 2 });
    expect(first).toMatchObject({ moved: 4, movedBytes: blobs.reduce((n, b) => n + b.length, 0), leftoversRemoved: 0, remaining: 2 });
    expect(first.problems).toEqual(
      expect.arrayContaining([
        { sha256: damaged.sha256, problem: 'its file does not hash to its key (damaged on disk)' },
        { sha256: missing.sha256, problem: 'its file is missing' },
      ]),
    );
    // the moved ones are in the database alone: their files are gone
    const dbOnly = pgBlobStore({ db });
    for (const [i, r] of refs.entries()) expect((await dbOnly.get(r.sha256)).equals(blobs[i]!)).toBe(true);
    expect(await filesLeft()).toEqual([damaged.sha256]);

    // a run stopped between a commit and the file's removal: the next run removes it, and moves nothing twice
    await writeFile(fileOf(refs[1]!.sha256), blobs[1]!);
    const again = await moveFilesToDatabase({ db, root });
    expect(again).toMatchObject({ moved: 0, leftoversRemoved: 1, remaining: 2 });
    expect((await db.query('SELECT count(*)::int AS n FROM blobs WHERE chunks IS NOT NULL')).rows[0]!.n).toBe(4);
    expect((await db.query('SELECT count(DISTINCT chunk_set)::int AS n FROM blob_chunks')).rows[0]!.n).toBe(4);

  });
});
