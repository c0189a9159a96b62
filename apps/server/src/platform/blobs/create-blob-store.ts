import path from 'node:path';
import type { Db } from '../db/db.ts';
import type { BlobStore, BlobStoreKind } from './blob-store.ts';
import { fsBlobStore } from './fs-blob-store.ts';
import { pgBlobStore } from './pg-blob-store.ts';

/** Where the filesystem store keeps files under the data directory (and where the PostgreSQL store finds the ones not moved in yet). */
export const blobsDir = (dataDir: string): string => path.join(dataDir, 'blobs');

/** The configured store (POSTDESK_BLOB_STORE): the database by default, files for single-node installs. */
export function createBlobStore(kind: BlobStoreKind, deps: { db: Db; dataDir: string }): BlobStore {
  switch (kind) {
    case 'pg':
      return pgBlobStore({ db: deps.db, legacyRoot: blobsDir(deps.dataDir) });
    case 'fs':
      return fsBlobStore({ db: deps.db, root: blobsDir(deps.dataDir) });
  }
}
