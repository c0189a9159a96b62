import type { Deps } from '../../deps.ts';
import { AppError, notFound } from '../../platform/http/errors.ts';
import { findCampaignRow } from '../campaigns/index.ts';
import { ingestMessage } from './ingest-message.ts';
import { findQuarantined, linkReleased, releaseQuarantined } from './quarantine.repo.ts';

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
  const row = await findQuarantined(deps.db, quarantineId);
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
      if (!(await releaseQuarantined(q, quarantineId))) throw new AppError('conflict', 'this message was already released from quarantine');
    },
    { reprocessOf: row.source },
  );
  if (outcome.outcome === 'quarantined') return { outcome: 'still_quarantined', reason: outcome.reason };
  if (outcome.outcome === 'stored') await linkReleased(deps.db, quarantineId, outcome.messageId);
  return { outcome: 'ingested', reason: null };
}
