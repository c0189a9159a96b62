import type { Deps } from '../../deps.ts';
import { AppError, notFound } from '../../platform/http/errors.ts';
import { findCampaignRow } from '../campaigns/mail-accounts.ts';
import { ingestMessage } from './ingest-message.ts';

/** What an admin's "reprocess" did. */
export interface ReprocessResult {
  outcome: 'ingested' | 'still_quarantined';
  reason: string | null;
}

/**
 * Runs a quarantined message through ingestion again (after a parser fix or
 * a limit change). On success the quarantine row is released in the same
 * transaction that stores the message; on failure it stays, with the latest
 * reason. Its original source (folder and UID, or UIDL) moves with it.
 */
export async function reprocessQuarantined(deps: Deps, quarantineId: number): Promise<ReprocessResult> {
  const { rows } = await deps.db.query<{
    campaign_id: string;
    raw_sha256: Buffer;
    state: string;
    source_folder: string | null;
    source_uidvalidity: number | null;
    source_uid: number | null;
    source_uidl: string | null;
  }>('SELECT campaign_id, raw_sha256, state, source_folder, source_uidvalidity, source_uid, source_uidl FROM quarantine WHERE id = $1', [
    quarantineId,
  ]);
  const row = rows[0];
  if (!row) throw notFound('quarantined message');
  if (row.state !== 'quarantined') throw new AppError('conflict', 'this message was already released from quarantine');
  const campaign = await findCampaignRow(deps.db, row.campaign_id);
  if (!campaign) throw notFound('campaign');
  const raw = await deps.blobs.get(row.raw_sha256.toString('hex'));
  const outcome = await ingestMessage(
    deps,
    campaign,
    { kind: 'reprocess', quarantineId },
    raw,
    async (q) => {
      const r = await q.query(`UPDATE quarantine SET state = 'released', updated_at = now() WHERE id = $1 AND state = 'quarantined'`, [quarantineId]);
      if ((r.rowCount ?? 0) === 0) throw new AppError('conflict', 'this message was already released from quarantine');
    },
    { reprocessOf: { folder: row.source_folder, uidvalidity: row.source_uidvalidity, uid: row.source_uid, uidl: row.source_uidl } },
  );
  if (outcome.outcome === 'quarantined') return { outcome: 'still_quarantined', reason: outcome.reason };
  if (outcome.outcome === 'stored') {
    await deps.db.query('UPDATE quarantine SET released_message_id = $2 WHERE id = $1', [quarantineId, outcome.messageId]);
  }
  return { outcome: 'ingested', reason: null };
}
