import { PEEK_BYTES, ParseRejectedError, type ParseLimits, type ParsedMessage } from '@postdesk/mailkit/parse';
import type { BlobRef, BlobStore } from '../../platform/blobs/blob-store.ts';
import type { Db } from '../../platform/db/db.ts';
import type { Logger } from '../../platform/log/logger.ts';

/** What ingesting a message needs, passed in. */
export interface IngestDeps {
  db: Db;
  blobs: BlobStore;
  parser: { parse(raw: Buffer, limits?: Partial<ParseLimits>, opts?: { transfer?: boolean }): Promise<ParsedMessage> };
  log: Logger;
  /** Signs and checks our Message-IDs. */
  mailSecret: Buffer;
  now: () => Date;
  parseLimits?: Partial<ParseLimits>;
}

/** A message stored and parsed (or refused by the parser), ready to commit. */
export interface PreparedMessage {
  /** The start of the raw bytes (enough for the quarantine's header peek): the whole message is in the blob store. */
  head: Buffer;
  blob: { sha256: string; size: number };
  /** Attachment contents are emptied once stored: only their keys and sizes are committed. */
  parsed: ParsedMessage | null;
  /** The parser's refusal: the commit quarantines the message with it. */
  rejected: ParseRejectedError | null;
}

const EMPTY = Buffer.alloc(0);
/** From this size a message is stored before it is parsed, so it can be moved to the parser thread. */
const TRANSFER_MIN_BYTES = 4 * 1024 * 1024;

/**
 * The part of ingesting that touches no shared state: raw bytes and
 * attachments to the blob store (each message's blobs fsynced together as
 * soon as they are written), and parsing in the worker pool, where a
 * refusal (a limit, the time bound) is an outcome for the commit to
 * quarantine, not a failure. Sync runs it for several messages at once
 * while committing them in UID order (commitMessages). What it returns
 * holds no message-sized buffer: several fetch rounds' worth of prepared
 * messages may wait for their commit, and a 25 MB attachment must not wait
 * in memory with them.
 */
export async function prepareMessage(deps: IngestDeps, raw: Buffer): Promise<PreparedMessage> {
  // a copy, so the whole raw message is not kept alive by a view of its start
  const head = Buffer.from(raw.subarray(0, PEEK_BYTES));
  let blob: BlobRef;
  let parsed: ParsedMessage | ParseRejectedError;
  if (raw.length >= TRANSFER_MIN_BYTES) {
    // stored first, then moved (not copied) to the parser thread: a 34 MB
    // message would otherwise exist twice while both run
    blob = await deps.blobs.put(raw, { durable: false });
    parsed = await parseOrRefusal(deps, raw, { transfer: true });
  } else {
    [blob, parsed] = await Promise.all([deps.blobs.put(raw, { durable: false }), parseOrRefusal(deps, raw)]);
  }
  return storeParsed(deps, head, blob, parsed);
}

/**
 * prepareMessage for a message already in the blob store (a large one,
 * streamed there from its server): read back and moved to the parser thread,
 * so the process holds it once, briefly.
 */
export async function prepareStoredMessage(deps: IngestDeps, blob: BlobRef): Promise<PreparedMessage> {
  const raw = await deps.blobs.get(blob.sha256);
  const head = Buffer.from(raw.subarray(0, PEEK_BYTES));
  return storeParsed(deps, head, blob, await parseOrRefusal(deps, raw, { transfer: true }));
}

// The parser's refusal is an outcome (quarantine), anything else a failure.
const parseOrRefusal = (deps: IngestDeps, raw: Buffer, opts?: { transfer: boolean }): Promise<ParsedMessage | ParseRejectedError> =>
  deps.parser.parse(raw, deps.parseLimits, opts).catch((err: unknown) => {
    if (err instanceof ParseRejectedError) return err;
    throw err;
  });

// Attachments are content-addressed blobs too, written before the commit;
// their contents are dropped once stored (only keys and sizes are committed).
// The message's blobs are made durable together here, while earlier messages
// commit, rather than on the commit path, which runs one group at a time
// (commitMessages checks again).
async function storeParsed(deps: IngestDeps, head: Buffer, blob: BlobRef, parsed: ParsedMessage | ParseRejectedError): Promise<PreparedMessage> {
  const attachments = parsed instanceof ParseRejectedError ? [] : parsed.attachments;
  const files = await Promise.all(attachments.map((a) => deps.blobs.put(a.content, { durable: false })));
  for (const a of attachments) a.content = EMPTY;
  await deps.blobs.sync([blob.sha256, ...files.map((f) => f.sha256)]);
  return parsed instanceof ParseRejectedError ? { head, blob, parsed: null, rejected: parsed } : { head, blob, parsed, rejected: null };
}
