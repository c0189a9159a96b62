import type { FetchedImapMessage } from '@postdesk/mailkit/imap';
import type { CampaignRow } from '../campaigns/index.ts';
import { commitMessages, type CommitItem } from './commit-messages.ts';
import { inSlots } from './in-slots.ts';
import { advanceCursor } from './mailboxes.repo.ts';
import { prepareMessage, prepareStoredMessage, type IngestDeps, type PreparedMessage } from './prepare-message.ts';

/** Messages committed in one transaction (one WAL flush): enough to amortise it, few enough to keep a replay small. */
const COMMIT_GROUP = 10;
/** Messages stored and parsed at once while earlier ones commit: enough to overlap disk syncs and parser threads. */
const PREPARE_SLOTS = 4;
/** Each this many bytes of a message take one more slot, so large messages are parsed alone and memory stays bounded. */
const BYTES_PER_SLOT = 4 * 1024 * 1024;

const EMPTY = Buffer.alloc(0);

/**
 * Stores one round of fetched IMAP messages and returns the UIDs committed,
 * for the session to apply the campaign's action to. Up to four messages are
 * stored and parsed at once (a large one takes more of the four slots) and
 * committed strictly in UID order, ten to a transaction, each group moving
 * the folder's cursor to its last UID: the cursor only ever moves over
 * stored mail. A message streamed from its server (a large one) goes to the
 * blob store as it arrives and is parsed from there. Stops between groups
 * when aborted; the rest is fetched again by the next session.
 */
export async function ingestRound(
  deps: IngestDeps,
  campaign: CampaignRow,
  messages: readonly FetchedImapMessage[],
  node: string,
  signal: AbortSignal,
): Promise<number[]> {
  // what commits one message of the folder: its source and its cursor move
  const itemFor = (m: FetchedImapMessage, prepared: PreparedMessage): CommitItem => {
    const { folder, uidvalidity, uid, resync } = m.cursor;
    return {
      source: { kind: 'imap', folder, uidvalidity, uid, resync },
      prepared,
      advance: (q) => advanceCursor(q, campaign.id, folder, uidvalidity, uid, node),
    };
  };
  const whole: Array<{ m: FetchedImapMessage; bytes: Buffer }> = [];
  for (const m of messages) {
    const content = m.take();
    if (content.kind === 'whole') {
      whole.push({ m, bytes: content.bytes });
      continue;
    }
    // a large message comes in a round of its own: stored as it arrives, then parsed from the store
    if (messages.length !== 1) throw new Error('a streamed message comes in a round of its own');
    const prepared = await prepareStoredMessage(deps, await deps.blobs.putStream(content.stream));
    await commitMessages(deps, campaign, [itemFor(m, prepared)]);
    return [m.cursor.uid];
  }
  // store and parse several at once (disk syncs and parser threads overlap),
  // commit strictly in UID order so the cursor only ever moves over stored mail
  const prepared = inSlots(whole, { slots: PREPARE_SLOTS, weight: (w) => 1 + Math.floor(w.bytes.length / BYTES_PER_SLOT) }, async (w) => {
    try {
      return await prepareMessage(deps, w.bytes);
    } finally {
      w.bytes = EMPTY; // stored and parsed: the round need not hold it until its turn to commit
    }
  });
  const committed: number[] = [];
  try {
    for (let i = 0; i < whole.length && !signal.aborted; i += COMMIT_GROUP) {
      const group = whole.slice(i, i + COMMIT_GROUP);
      const ready = await Promise.all(prepared.slice(i, i + COMMIT_GROUP));
      await commitMessages(
        deps,
        campaign,
        group.map(({ m }, k) => itemFor(m, ready[k]!)),
      );
      committed.push(...group.map(({ m }) => m.cursor.uid));
    }
  } finally {
    // nothing may reject unobserved once we stop early
    for (const p of prepared) p.catch(() => undefined);
  }
  return committed;
}
