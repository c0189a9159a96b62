import type { Db } from '../../platform/db/db.ts';
import { deleteExpiredUploads } from './uploads.repo.ts';

/**
 * Removes uploads never sent once they are older than the TTL (a day by
 * default) unless a draft still names them; their blobs then have nothing
 * pointing at them and go with the blob collector's next pass.
 */
export async function expireUploads(deps: { db: Db }, ttlMs: number): Promise<number> {
  return deleteExpiredUploads(deps.db, ttlMs);
}
