import type { Db } from '../../platform/db/db.ts';
import type { BlobStore } from '../../platform/blobs/blob-store.ts';
import { collectBlobKeys } from '../../platform/blobs/collect-blobs.ts';
import { notFound } from '../../platform/http/errors.ts';
import { deleteInteractions } from '../interactions/index.ts';
import { visibleIds, type CampaignScope } from './records.repo.ts';

/**
 * Deletes the selected interactions for good (after the console's
 * confirmation): messages, files, notes; a tombstone per message keeps it
 * from being imported again; then the stored bytes nothing else refers to.
 * All or nothing: one id outside the user's campaigns makes it a 404.
 */
export async function deleteRecords(deps: { db: Db; blobs: BlobStore }, scope: CampaignScope, userId: string, ids: readonly number[]): Promise<{ deleted: number; messages: number }> {
  const unique = [...new Set(ids)];
  const r = await deps.db.tx(async (q) => {
    const visible = await visibleIds(q, scope, unique);
    if (visible.length !== unique.length) throw notFound('interaction');
    return deleteInteractions(q, visible, userId);
  });
  await collectBlobKeys(deps, r.blobs);
  return { deleted: r.interactions, messages: r.messages };
}
