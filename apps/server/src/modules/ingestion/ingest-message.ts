import type { CampaignRow } from '../campaigns/index.ts';
import { commitMessages, type Advance, type IngestOutcome } from './commit-messages.ts';
import type { MessageSource, SourceColumns } from './ingestion.repo.ts';
import { prepareMessage, type IngestDeps } from './prepare-message.ts';

/**
 * Stores one inbound message exactly once: prepareMessage (raw bytes to the
 * blob store, parse in the worker pool, a refusal kept for quarantine), then
 * commitMessages (one transaction: the replay check, the message stored by
 * its kind or quarantined, the cursor advanced). Crash anywhere: the cursor
 * did not move, the next run does it all again, and the replay is a no-op.
 * For one message at a time (POP3, reprocessing, tests); IMAP rounds
 * prepare several at once and commit them in groups (ingestRound).
 */
export async function ingestMessage(
  deps: IngestDeps,
  campaign: CampaignRow,
  source: MessageSource,
  raw: Buffer,
  advance: Advance,
  opts: { reprocessOf?: SourceColumns } = {},
): Promise<IngestOutcome> {
  const prepared = await prepareMessage(deps, raw);
  const [outcome] = await commitMessages(deps, campaign, [{ source, prepared, advance, ...(opts.reprocessOf ? { reprocessOf: opts.reprocessOf } : {}) }]);
  return outcome!;
}
