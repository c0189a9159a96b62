/** The committed position in one IMAP folder: every UID up to lastUid of this UIDVALIDITY epoch is stored. */
export interface FolderCursor {
  uidvalidity: number;
  lastUid: number;
  /** While resynchronising after a UIDVALIDITY change: UIDs up to here may be messages stored under the old epoch. */
  resyncBelow: number | null;
}

/** What the server says about the selected folder. */
export interface FolderState {
  uidvalidity: number;
  uidNext: number;
}

/** What to do with a folder now. */
export type CursorPlan =
  | { action: 'up_to_date'; cursor: FolderCursor }
  | { action: 'fetch'; fromUid: number; cursor: FolderCursor; reset: boolean };

/**
 * Cursor arithmetic, kept pure so every case is a row in a table:
 * - no cursor yet: fetch everything in the folder (a new campaign takes what
 *   is already there: nothing in the mailbox is skipped);
 * - same UIDVALIDITY: fetch from lastUid + 1 when UIDNEXT says there is more
 *   (UIDNEXT is a hint; the fetch itself decides);
 * - UIDVALIDITY changed: every UID is new, so start from 1 in the new epoch,
 *   and until the old highest UID is passed check each message against what
 *   is stored by Message-ID and content hash, so nothing is imported twice.
 */
export function planFolder(cursor: FolderCursor | null, server: FolderState): CursorPlan {
  if (!cursor) {
    const fresh = { uidvalidity: server.uidvalidity, lastUid: 0, resyncBelow: null };
    return { action: 'fetch', fromUid: 1, cursor: fresh, reset: true };
  }
  if (cursor.uidvalidity !== server.uidvalidity) {
    // the new epoch's UIDs below UIDNEXT may all be old messages renumbered
    const reset = { uidvalidity: server.uidvalidity, lastUid: 0, resyncBelow: Math.max(server.uidNext - 1, 0) };
    return { action: 'fetch', fromUid: 1, cursor: reset, reset: true };
  }
  if (server.uidNext > 0 && server.uidNext <= cursor.lastUid + 1) return { action: 'up_to_date', cursor };
  return { action: 'fetch', fromUid: cursor.lastUid + 1, cursor, reset: false };
}

/** True while a message with this UID must also be checked against old-epoch copies. */
export const inResync = (cursor: FolderCursor, uid: number): boolean => cursor.resyncBelow !== null && uid <= cursor.resyncBelow;

/**
 * The UIDs of a SEARCH answer that lie in [from, to]. A server answers
 * "n:*" with its highest UID even when that is below n (RFC 3501 6.4.8), and
 * nothing outside the asked range may be fetched or acted on, whatever the
 * server says.
 */
export function uidsWithin(found: readonly number[], from: number, to = Number.POSITIVE_INFINITY): number[] {
  return found.filter((u) => Number.isSafeInteger(u) && u >= from && u <= to);
}

/** UIDs fetched in one round trip: enough to amortise it, few enough to bound memory. */
export const FETCH_CHUNK = 50;

/**
 * Splits the UIDs to fetch into IMAP sequence-set strings of at most `chunk`
 * UIDs each, in ascending order, collapsing runs ("5:9,12").
 */
export function uidChunks(uids: readonly number[], chunk = FETCH_CHUNK): string[] {
  const sorted = [...new Set(uids)].filter((u) => Number.isSafeInteger(u) && u > 0).sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length; i += chunk) {
    const part = sorted.slice(i, i + chunk);
    const ranges: string[] = [];
    let start = part[0]!;
    let prev = start;
    for (const u of part.slice(1)) {
      if (u === prev + 1) {
        prev = u;
        continue;
      }
      ranges.push(start === prev ? `${start}` : `${start}:${prev}`);
      start = prev = u;
    }
    ranges.push(start === prev ? `${start}` : `${start}:${prev}`);
    out.push(ranges.join(','));
  }
  return out;
}

/**
 * How much one fetch round may hold in memory: at most this many messages and
 * bytes. A message of `aloneFrom` bytes or more is a round of its own (the
 * runner streams it to the blob store instead of fetching it whole).
 */
export const FETCH_BATCH = { maxCount: 50, maxBytes: 32 * 1024 * 1024, aloneFrom: 4 * 1024 * 1024 } as const;

/**
 * Groups UIDs (ascending, with their RFC822.SIZE) into fetch rounds bounded in
 * count and bytes, so a mailbox of large attachments is never all in memory;
 * a message bigger than maxBytes is fetched on its own.
 */
export function byteBatches(
  items: ReadonlyArray<{ uid: number; size: number }>,
  limits: { maxCount: number; maxBytes: number; aloneFrom?: number } = FETCH_BATCH,
): number[][] {
  const out: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  const alone = (size: number): boolean => limits.aloneFrom !== undefined && size >= limits.aloneFrom;
  let previousAlone = false;
  for (const { uid, size } of [...items].sort((a, b) => a.uid - b.uid)) {
    if (current.length > 0 && (current.length >= limits.maxCount || bytes + size > limits.maxBytes || alone(size) || previousAlone)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(uid);
    bytes += size;
    previousAlone = alone(size);
  }
  if (current.length > 0) out.push(current);
  return out;
}
