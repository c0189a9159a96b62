import { peekHeaders } from '@postdesk/mailkit/parse';
import type { Queryable } from '../../platform/db/db.ts';
import { deferEvents, emitEvent } from '../../platform/events/events.ts';
import { listOwnAddresses, type CampaignRow } from '../campaigns/index.ts';
import { recordBlobs } from '../../platform/blobs/blobs.repo.ts';
import { adoptResyncedInbound } from '../interactions/index.ts';
import {
  deletedBefore,
  countIngested,
  sameContentStored,
  sourceKey,
  storedSources,
  type MessageSource,
  type SourceColumns,
} from './ingestion.repo.ts';
import type { IngestDeps, PreparedMessage } from './prepare-message.ts';
import { adoptResyncedQuarantine, insertQuarantine, requarantine } from './quarantine.repo.ts';
import { ownIdentity, storeInboundMail, type OwnIdentity, type StoredMail } from './store-inbound-mail.ts';
import { directThreadReads, groupThreadReads, threadEvidence, type ThreadReads } from './thread-reads.ts';

/** What became of one message. */
export type IngestOutcome = StoredMail | { outcome: 'duplicate' } | { outcome: 'quarantined'; quarantineId: number | null; code: string; reason: string };

/**
 * Runs in the ingest transaction just before commit: advances the mailbox
 * cursor (IMAP), remembers the UIDL (POP3) or releases the quarantine row
 * (reprocess), so "stored" and "cursor moved" are one atomic fact.
 */
export type Advance = (q: Queryable) => Promise<void>;

/** One message to commit: where it came from, what prepareMessage made of it, and its cursor move. */
export interface CommitItem {
  source: MessageSource;
  prepared: PreparedMessage;
  advance: Advance;
  /** For a reprocessed quarantine row: the source it was fetched from, which the stored message keeps. */
  reprocessOf?: SourceColumns;
}

const sourceColumns = (s: MessageSource, from?: SourceColumns): SourceColumns => {
  switch (s.kind) {
    case 'imap':
      return { folder: s.folder, uidvalidity: s.uidvalidity, uid: s.uid, uidl: null };
    case 'pop3':
      return { folder: null, uidvalidity: null, uid: null, uidl: s.uidl };
    case 'reprocess':
      return from ?? { folder: null, uidvalidity: null, uid: null, uidl: null };
  }
};

/**
 * Commits consecutive messages of one mailbox in ONE transaction (group
 * commit: one WAL flush for the group instead of one per message). A message
 * whose content PostgreSQL refuses (a data exception or a size limit, which
 * would fail the same way on every retry) must not block the mailbox: the
 * group is then committed again with each message under its own savepoint,
 * and the refused one is rolled back alone and quarantined in its place.
 * The first attempt takes no savepoints (two round trips a message saved;
 * refusals are rare). Any other failure (lease lost, connection) rolls the
 * whole group back: the cursor did not move, and the next pass replays it,
 * which the replay check (the sources already stored) makes a no-op.
 * Events are sent in one statement at the end of the transaction.
 */
export async function commitMessages(deps: IngestDeps, campaign: CampaignRow, items: readonly CommitItem[]): Promise<IngestOutcome[]> {
  // every blob the group points at is durable before the transaction that points at it
  await deps.blobs.sync(items.flatMap(({ prepared: p }) => [p.blob.sha256, ...(p.parsed?.attachments.map((a) => a.sha256) ?? [])]));
  try {
    return await commitGroup(deps, campaign, items, false);
  } catch (err) {
    if (!isUnstorable(err) || items.every((i) => i.source.kind === 'reprocess')) throw err;
    return commitGroup(deps, campaign, items, true);
  }
}

async function commitGroup(deps: IngestDeps, campaign: CampaignRow, items: readonly CommitItem[], isolate: boolean): Promise<IngestOutcome[]> {
  return deps.db.tx(async (tx) => {
    const events = deferEvents(tx);
    const q = events.q;
    const out: IngestOutcome[] = [];
    // Read and written once per group rather than once per message: every
    // campaign's sender address and domain (loop protection), the blobs, the
    // sources already stored (a replay), and the IMAP cursor — moved once, to
    // the group's last UID, in this same transaction.
    const own = ownIdentity(await listOwnAddresses(q));
    await recordBlobs(q, items.flatMap(({ prepared: p }) => [p.blob, ...(p.parsed?.attachments ?? [])]));
    const sources = items.map((item) => sourceColumns(item.source, item.reprocessOf));
    const replayed = await storedSources(q, campaign.id, sources.filter((_, i) => items[i]!.source.kind !== 'reprocess'));
    // the threading reads of every message of the group, in two queries
    const parsedOnes = items.flatMap(({ prepared: p }) => (p.parsed && !p.rejected ? [p.parsed] : []));
    const reads =
      parsedOnes.length > 1
        ? await groupThreadReads(q, campaign.id, parsedOnes.map((p) => threadEvidence(p, campaign.key, deps.mailSecret)))
        : directThreadReads;
    const lastImap = items.findLast((item) => item.source.kind === 'imap');
    const noAdvance: Advance = async () => undefined;
    let stored = 0;
    for (const [index, item] of items.entries()) {
      const key = sourceKey(sources[index]!);
      const at: At = {
        campaign,
        item,
        src: sources[index]!,
        seen: item.source.kind !== 'reprocess' && key !== null && replayed.has(key),
        advance: item.source.kind === 'imap' ? noAdvance : item.advance,
      };
      const { parsed, rejected } = item.prepared;
      if (rejected || !parsed) {
        out.push(await quarantineIn(q, at, rejected!));
        continue;
      }
      if (!isolate) {
        const outcome = await storeIn(q, deps, at, own, reads);
        out.push(outcome);
        if (outcome.outcome === 'stored') stored++;
        continue;
      }
      const mark = events.mark();
      await q.query('SAVEPOINT ingest_message');
      try {
        const outcome = await storeIn(q, deps, at, own, reads);
        out.push(outcome);
        if (outcome.outcome === 'stored') stored++;
        await q.query('RELEASE SAVEPOINT ingest_message');
      } catch (err) {
        await q.query('ROLLBACK TO SAVEPOINT ingest_message');
        events.dropAfter(mark);
        if (!isUnstorable(err) || item.source.kind === 'reprocess') throw err;
        const reason = `the database refused the message: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500);
        deps.log.warn({ campaignId: campaign.id, reason }, 'ingest.unstorable');
        out.push(await quarantineIn(q, at, { code: 'unstorable', reason }));
      }
    }
    if (lastImap) await lastImap.advance(q);
    if (stored > 0) await countIngested(q, campaign.id, stored);
    await events.flush();
    return out;
  });
}

// One message of a group being committed.
interface At {
  campaign: CampaignRow;
  item: CommitItem;
  src: SourceColumns;
  /** Its source is stored already: a replay after a crash. */
  seen: boolean;
  /** Its own cursor move (IMAP moves once per group instead). */
  advance: Advance;
}

// Stores a parsed message unless it is a replay or (resync, POP3) the same bytes already stored.
async function storeIn(q: Queryable, deps: IngestDeps, at: At, own: OwnIdentity, reads: ThreadReads): Promise<IngestOutcome> {
  const { item, src } = at;
  const { parsed, blob } = item.prepared;
  if (item.source.kind !== 'reprocess' && (await duplicateOf(q, at, blob.sha256, parsed!.messageId))) {
    await at.advance(q);
    return { outcome: 'duplicate' };
  }
  const result = await storeInboundMail(q, deps, at.campaign, { parsed: parsed!, blob, src }, own, reads);
  if (result.outcome === 'refused') return quarantineIn(q, at, result);
  await at.advance(q);
  return result;
}

// Keeps a message the parser, the database or storeInboundMail refused, raw
// bytes and all, and moves the cursor past it, so the mailbox carries on. A
// reprocessed one that is refused again stays in quarantine with the latest
// reason.
async function quarantineIn(q: Queryable, at: At, refusal: { code: string; reason: string }): Promise<IngestOutcome> {
  const { campaign, item, src } = at;
  const { code, reason } = refusal;
  if (item.source.kind === 'reprocess') {
    await requarantine(q, item.source.quarantineId, code, reason);
    return { outcome: 'quarantined', quarantineId: item.source.quarantineId, code, reason };
  }
  const { head, blob } = item.prepared;
  const peek = peekHeaders(head);
  if (await duplicateOf(q, at, blob.sha256, peek.messageId)) {
    await at.advance(q);
    return { outcome: 'duplicate' };
  }
  const quarantineId = await insertQuarantine(q, {
    campaignId: campaign.id,
    rawSha256: blob.sha256,
    size: blob.size,
    code,
    reason,
    subject: peek.subject,
    from: peek.from,
    source: src,
  });
  await at.advance(q);
  if (quarantineId !== null) await emitEvent(q, { type: 'message.quarantined', campaignId: campaign.id, quarantineId });
  return { outcome: 'quarantined', quarantineId, code, reason };
}

// PostgreSQL error classes that depend on the content, not on the moment:
// 22 data exception, 54 program limit exceeded (e.g. an index row too large).
function isUnstorable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('54'));
}

// A replay of a source already stored (or deleted by a supervisor); or (IMAP,
// while resynchronising after a UIDVALIDITY change; POP3, always) the same
// bytes already stored or deleted.
async function duplicateOf(q: Queryable, at: At, rawSha256: string, messageId: string | null): Promise<boolean> {
  if (at.seen) return true;
  const source = at.item.source;
  if (source.kind === 'imap') {
    if (!source.resync) return false;
    return (
      (await adoptResyncedInbound(q, at.campaign.id, rawSha256, messageId, at.src)) ||
      (await adoptResyncedQuarantine(q, at.campaign.id, rawSha256, at.src)) ||
      (await deletedBefore(q, at.campaign.id, rawSha256, messageId))
    );
  }
  if (source.kind === 'pop3' && (await deletedBefore(q, at.campaign.id, rawSha256, messageId))) return true;
  // POP3 has no cursor to trust, and UIDLs are per server: the same bytes are the same message
  return source.kind === 'pop3' && (await sameContentStored(q, at.campaign.id, rawSha256, messageId));
}
