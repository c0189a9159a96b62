import { classifyMessage, type Classification } from '@postdesk/mailkit/classify';
import { decodeEncodedWords, findHeaderEnd, splitHeaderFields, extractMessageIds, firstValue, normalizeAddress, ParseRejectedError, type ParseLimits, type ParsedMessage } from '@postdesk/mailkit/parse';
import {
  findSubjectTokens,
  resolveThread,
  stripSubjectToken,
  verifyMessageId,
  type ThreadCandidate,
} from '@postdesk/mailkit/threading';
import type { BlobRef, BlobStore } from '../../platform/blobs/blob-store.ts';
import type { Db, Queryable } from '../../platform/db/db.ts';
import { deferEvents, emitEvent } from '../../platform/events/events.ts';
import type { Logger } from '../../platform/log/logger.ts';
import { listOwnAddresses, type CampaignRow } from '../campaigns/index.ts';
import { queueConfirmation } from '../outbound/index.ts';
import {
  adoptResyncedMessage,
  contactListFor,
  countIngested,
  findOutboundByMessageIds,
  insertInboundMessage,
  insertMessageWithInteraction,
  insertQuarantine,
  interactionFacts,
  interactionsByMessageIds,
  recordBlobs,
  sameContentStored,
  sourceKey,
  storedSources,
  touchInteraction,
  type MessageSource,
  type SourceColumns,
} from './ingestion.repo.ts';

/** What ingesting one message needs, passed in. */
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

/** What became of one message. */
export type IngestOutcome =
  | { outcome: 'stored'; messageId: number; interactionId: number | null; kind: Classification['kind']; created: boolean }
  | { outcome: 'duplicate' }
  | { outcome: 'quarantined'; quarantineId: number | null; code: string; reason: string };

/**
 * Runs in the ingest transaction just before commit: advances the mailbox
 * cursor (IMAP), remembers the UIDL (POP3) or releases the quarantine row
 * (reprocess), so "stored" and "cursor moved" are one atomic fact.
 */
export type Advance = (q: Queryable) => Promise<void>;

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
 * Stores one inbound message exactly once: raw bytes to the blob store
 * first, then parse (in the worker pool, bounded) and classify, then one
 * transaction that threads it, upserts the contact, writes message and
 * attachments, queues the confirmation, emits events and advances the
 * cursor. A message the parser refuses goes to quarantine in the same way,
 * so one poison message never stops the mailbox. Crash anywhere: the cursor
 * did not move, the next run does it all again, and the source check makes
 * a replay a no-op.
 */
export async function ingestMessage(
  deps: IngestDeps,
  campaign: CampaignRow,
  source: MessageSource,
  raw: Buffer,
  advance: Advance,
  opts: { reprocessOf?: SourceColumns } = {},
): Promise<IngestOutcome> {
  return commitMessage(deps, campaign, source, await prepareMessage(deps, raw), advance, opts);
}

/** A message stored and parsed (or refused by the parser), ready to commit. */
export interface PreparedMessage {
  /** The start of the raw bytes (enough for the quarantine's header peek): the whole message is in the blob store. */
  head: Buffer;
  blob: { sha256: string; size: number };
  /** Attachment contents are emptied once stored: only their keys and sizes are committed. */
  parsed: ParsedMessage | null;
  rejected: ParseRejectedError | null;
}

const EMPTY = Buffer.alloc(0);
/** From this size a message is stored before it is parsed, so it can be moved to the parser thread. */
const TRANSFER_MIN_BYTES = 4 * 1024 * 1024;

/**
 * The part of ingesting that touches no shared state: raw bytes and
 * attachments to the blob store (each message's blobs fsynced together as
 * soon as they are written), and parsing in the worker pool. Sync runs it
 * for several messages at once while committing them one by one, in UID
 * order, with commitMessage. What it returns holds no message-sized buffer:
 * several fetch rounds' worth of prepared messages may wait for their
 * commit, and a 25 MB attachment must not wait in memory with them.
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

/** One message to commit: where it came from, what prepareMessage made of it, and its cursor move. */
export interface CommitItem {
  source: MessageSource;
  prepared: PreparedMessage;
  advance: Advance;
  reprocessOf?: SourceColumns;
}

/** The ordered part of ingesting one message: see commitMessages. */
export async function commitMessage(
  deps: IngestDeps,
  campaign: CampaignRow,
  source: MessageSource,
  prepared: PreparedMessage,
  advance: Advance,
  opts: { reprocessOf?: SourceColumns } = {},
): Promise<IngestOutcome> {
  const [outcome] = await commitMessages(deps, campaign, [{ source, prepared, advance, ...(opts.reprocessOf ? { reprocessOf: opts.reprocessOf } : {}) }]);
  return outcome!;
}

/**
 * Commits consecutive messages of one mailbox in ONE transaction (group
 * commit: one WAL flush for the group instead of one per message). A message
 * whose content PostgreSQL refuses (a data exception or a size limit, which
 * would fail the same way on every retry) must not block the mailbox: the
 * group is then committed again with each message under its own savepoint,
 * and the refused one is rolled back alone and quarantined in its place.
 * The first attempt takes no savepoints (two round trips a message saved;
 * refusals are rare). Any other failure (lease lost, connection) rolls the
 * whole group back: the cursor did not move, and the next pass replays it.
 * Events are sent in one statement at the end of the transaction.
 */
export async function commitMessages(deps: IngestDeps, campaign: CampaignRow, items: readonly CommitItem[]): Promise<IngestOutcome[]> {
  // every blob the group points at is durable before the transaction that points at it
  await deps.blobs.sync(
    items.flatMap(({ prepared: p }) => [p.blob.sha256, ...(p.parsed?.attachments.map((a) => a.sha256) ?? [])]),
  );
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
    const lastImap = items.findLast((item) => item.source.kind === 'imap');
    const noAdvance: Advance = async () => undefined;
    let stored = 0;
    for (const [index, item] of items.entries()) {
      const { head, blob, parsed, rejected } = item.prepared;
      const src = sources[index]!;
      const key = sourceKey(src);
      const seen = item.source.kind !== 'reprocess' && key !== null && replayed.has(key);
      const advance = item.source.kind === 'imap' ? noAdvance : item.advance;
      if (rejected || !parsed) {
        const err = rejected!;
        if (item.source.kind === 'reprocess') {
          // still refused: the row stays in quarantine with the latest reason
          await q.query('UPDATE quarantine SET reason_code = $2, reason = $3, updated_at = now() WHERE id = $1', [
            item.source.quarantineId,
            err.code,
            err.reason,
          ]);
          out.push({ outcome: 'quarantined', quarantineId: item.source.quarantineId, code: err.code, reason: err.reason });
        } else {
          out.push(await quarantineIn(q, campaign, item.source, src, blob, head, advance, err.code, err.reason, seen));
        }
        continue;
      }
      if (!isolate) {
        const outcome = await storeParsedIn(q, deps, campaign, item.source, src, blob, parsed, advance, own, seen);
        out.push(outcome);
        if (outcome.outcome === 'stored') stored++;
        continue;
      }
      const mark = events.mark();
      await q.query('SAVEPOINT ingest_message');
      try {
        const outcome = await storeParsedIn(q, deps, campaign, item.source, src, blob, parsed, advance, own, seen);
        out.push(outcome);
        if (outcome.outcome === 'stored') stored++;
        await q.query('RELEASE SAVEPOINT ingest_message');
      } catch (err) {
        await q.query('ROLLBACK TO SAVEPOINT ingest_message');
        events.dropAfter(mark);
        if (!isUnstorable(err) || item.source.kind === 'reprocess') throw err;
        const reason = `the database refused the message: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500);
        deps.log.warn({ campaignId: campaign.id, reason }, 'ingest.unstorable');
        out.push(await quarantineIn(q, campaign, item.source, src, blob, head, advance, 'unstorable', reason, seen));
      }
    }
    if (lastImap) await lastImap.advance(q);
    if (stored > 0) await countIngested(q, campaign.id, stored);
    await events.flush();
    return out;
  });
}

// Keeps a message the parser or the database refused, raw bytes and all, and
// moves the cursor past it, so the mailbox carries on.
async function quarantineIn(
  q: Queryable,
  campaign: CampaignRow,
  source: MessageSource,
  src: SourceColumns,
  blob: { sha256: string; size: number },
  head: Buffer,
  advance: Advance,
  code: string,
  reason: string,
  replayed: boolean,
): Promise<IngestOutcome> {
  const peek = peekHeaders(head);
  if (await duplicateOf(q, campaign.id, source, src, blob.sha256, peek.messageId, replayed)) {
    await advance(q);
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
  await advance(q);
  if (quarantineId !== null) await emitEvent(q, { type: 'message.quarantined', campaignId: campaign.id, quarantineId });
  return { outcome: 'quarantined', quarantineId, code, reason };
}

// PostgreSQL error classes that depend on the content, not on the moment:
// 22 data exception, 54 program limit exceeded (e.g. an index row too large).
function isUnstorable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('54'));
}

async function storeParsedIn(
  q: Queryable,
  deps: IngestDeps,
  campaign: CampaignRow,
  source: MessageSource,
  src: SourceColumns,
  blob: { sha256: string; size: number },
  parsed: ParsedMessage,
  advance: Advance,
  own: OwnIdentity,
  replayed: boolean,
): Promise<IngestOutcome> {
  if (source.kind !== 'reprocess' && (await duplicateOf(q, campaign.id, source, src, blob.sha256, parsed.messageId, replayed))) {
    await advance(q);
    return { outcome: 'duplicate' };
  }
  const classification = classify(parsed, own, deps.mailSecret);
  const result =
    classification.kind === 'customer'
      ? await storeCustomerMail(q, deps, campaign, parsed, classification, blob, src, own.addresses)
      : await storeAutomaticMail(q, deps, campaign, parsed, classification, blob, src);
  await advance(q);
  return result;
}

// A replay of a source already stored; or (IMAP, while resynchronising after
// a UIDVALIDITY change; POP3, always) the same bytes already stored.
async function duplicateOf(
  q: Queryable,
  campaignId: string,
  source: MessageSource,
  src: SourceColumns,
  rawSha256: string,
  messageId: string | null,
  replayed: boolean,
): Promise<boolean> {
  if (replayed) return true;
  if (source.kind === 'imap') return source.resync && (await adoptResyncedMessage(q, campaignId, rawSha256, messageId, src));
  // POP3 has no cursor to trust, and UIDLs are per server: the same bytes are the same message
  return source.kind === 'pop3' && (await sameContentStored(q, campaignId, rawSha256, messageId));
}

/** Our sender addresses and the domains of our Message-IDs. */
interface OwnIdentity {
  addresses: string[];
  domains: string[];
}

const ownIdentity = (addresses: string[]): OwnIdentity => ({
  addresses,
  domains: [...new Set(addresses.map((a) => a.split('@')[1] ?? '').filter(Boolean))],
});

function classify(parsed: ParsedMessage, own: OwnIdentity, secret: Buffer): Classification {
  const c = classifyMessage(parsed, { ownAddresses: own.addresses, ownMessageIdDomains: own.domains });
  // a message carrying one of our signed Message-IDs is ours coming back, whatever its From says
  if (c.kind === 'customer' && parsed.messageId && verifyMessageId(parsed.messageId, secret)) {
    return { ...c, kind: 'own', automatic: true, reason: 'carries a Message-ID signed by Postdesk' };
  }
  return c;
}

// Bounces, auto-replies, feedback reports and our own mail: stored and linked,
// never a new interaction, never answered, never reopening anything.
async function storeAutomaticMail(
  q: Queryable,
  deps: IngestDeps,
  campaign: CampaignRow,
  parsed: ParsedMessage,
  c: Classification,
  blob: { sha256: string; size: number },
  src: SourceColumns,
): Promise<IngestOutcome> {
  const original = await findOutboundByMessageIds(q, campaign.id, [...c.originalMessageIds, ...parsed.inReplyTo]);
  let interactionId = original?.interaction_id ?? null;
  if (interactionId === null && c.kind === 'auto_reply') {
    // an out-of-office answer to our reply belongs in that thread, for the agent to see
    const own = parsed.inReplyTo.map((id) => verifyMessageId(id, deps.mailSecret)).find((v) => v !== null);
    const facts = own ? await interactionFacts(q, campaign.id, [Number(own.interactionId)]) : null;
    if (own && facts?.has(Number(own.interactionId))) interactionId = Number(own.interactionId);
  }
  const messageId = await insertInboundMessage(q, {
    campaignId: campaign.id,
    interactionId,
    kind: c.kind,
    parsed,
    rawSha256: blob.sha256,
    size: blob.size,
    source: src,
    relatedMessageId: original?.id ?? null,
    reason: c.reason,
    attachments: parsed.attachments,
  });
  await emitEvent(q, { type: 'message.received', campaignId: campaign.id, interactionId, messageId, kind: c.kind });
  return { outcome: 'stored', messageId, interactionId, kind: c.kind, created: false };
}

async function storeCustomerMail(
  q: Queryable,
  deps: IngestDeps,
  campaign: CampaignRow,
  parsed: ParsedMessage,
  c: Classification,
  blob: { sha256: string; size: number },
  src: SourceColumns,
  ownAddresses: string[],
): Promise<IngestOutcome> {
  const sender = parsed.replyTo[0] ?? parsed.from ?? { address: '', name: '' };
  const senderNorm = normalizeAddress(parsed.from?.address ?? sender.address);
  const candidates = await threadCandidates(q, deps, campaign, parsed);
  const decision = resolveThread({
    senderAddress: senderNorm,
    candidates,
    onClosed: campaign.closed_reply_action === 'reopen' ? 'reopen' : 'new-linked',
  });
  const own = new Set(ownAddresses);
  const others = [...parsed.to, ...parsed.cc].map((a) => normalizeAddress(a.address)).filter((a) => a && !own.has(a));

  const message = {
    campaignId: campaign.id,
    kind: 'customer',
    parsed,
    rawSha256: blob.sha256,
    size: blob.size,
    source: src,
    relatedMessageId: null,
    reason: decision.action === 'new' ? `new interaction: ${decision.reason}` : `thread: ${decision.via}`,
    attachments: parsed.attachments,
  };
  let interactionId: number;
  let messageId: number;
  let created = false;
  if (decision.action === 'append') {
    interactionId = Number(decision.interactionId);
    await touchInteraction(q, interactionId, decision.reopen);
    if (decision.reopen) await emitEvent(q, { type: 'interaction.reopened', campaignId: campaign.id, interactionId });
    // the participants go in with the message: one round trip
    messageId = await insertInboundMessage(q, { ...message, interactionId, participants: [senderNorm, ...others] });
  } else {
    // contact, interaction, participants, message and files: one round trip
    const listId = await contactListFor(q, campaign);
    const linkedTo = decision.linkedTo === null ? null : Number(decision.linkedTo);
    ({ interactionId, messageId } = await insertMessageWithInteraction(
      q,
      { ...message, participants: [senderNorm, normalizeAddress(sender.address), ...others] },
      {
        contact: sender.address ? { listId, who: sender, norm: normalizeAddress(sender.address) } : null,
        address: sender.address,
        name: sender.name,
        subject: stripSubjectToken(parsed.subject),
        linkedTo,
      },
    ));
    created = true;
    await emitEvent(q, { type: 'interaction.created', campaignId: campaign.id, interactionId, linkedTo });
  }
  await emitEvent(q, { type: 'message.received', campaignId: campaign.id, interactionId, messageId, kind: 'customer' });
  const confirmation = await queueConfirmation(q, deps, {
    campaign,
    interactionId,
    newInteraction: created,
    // mailing-list and bulk mail stays customer mail, but is never answered automatically
    customerMail: !c.automatic && c.mayAutoReply,
    recipient: { address: sender.address, norm: normalizeAddress(sender.address), name: sender.name },
    parsed,
    ownAddresses,
  });
  if (!confirmation.send && campaign.confirmation_enabled && created) {
    deps.log.info({ campaignId: campaign.id, interactionId, reason: confirmation.reason }, 'confirmation.skipped');
  }
  return { outcome: 'stored', messageId, interactionId, kind: 'customer', created };
}

// Every interaction the message may belong to, with the evidence for each.
async function threadCandidates(q: Queryable, deps: IngestDeps, campaign: CampaignRow, parsed: ParsedMessage): Promise<ThreadCandidate[]> {
  const found: Array<{ id: number; via: ThreadCandidate['via'] }> = [];
  for (const id of parsed.inReplyTo) {
    const v = verifyMessageId(id, deps.mailSecret);
    if (v && /^\d+$/.test(v.interactionId)) found.push({ id: Number(v.interactionId), via: 'own-message-id' });
  }
  const refs = [...new Set([...parsed.inReplyTo, ...parsed.references])].slice(-100);
  for (const id of await interactionsByMessageIds(q, campaign.id, refs)) found.push({ id, via: 'references' });
  const key = campaign.key.toUpperCase();
  for (const t of findSubjectTokens(parsed.subject)) if (t.key === key) found.push({ id: t.number, via: 'subject-token' });
  const facts = await interactionFacts(q, campaign.id, [...new Set(found.map((f) => f.id))]);
  return found.flatMap((f) => {
    const i = facts.get(f.id);
    return i ? [{ interactionId: String(i.id), via: f.via, participants: i.participants, status: i.status }] : [];
  });
}

const PEEK_BYTES = 64 * 1024;

/**
 * Subject, From and Message-ID of a message the parser refused, read from its
 * first header lines without a full parse, for the quarantine list. Plain text,
 * shortened: these are hostile strings.
 */
export function peekHeaders(raw: Buffer): { subject: string | null; from: string | null; messageId: string | null } {
  // the parser's own header reader, on the first 64 KiB only (the message may be huge or broken)
  const head = raw.subarray(0, PEEK_BYTES);
  const bounds = findHeaderEnd(head, 0, head.length, head.length);
  const fields = splitHeaderFields(head.subarray(0, bounds?.headerEnd ?? head.length));
  const value = (name: string): string | undefined => firstValue(fields, name);
  const text = (name: string): string | null => {
    const v = value(name);
    // eslint-disable-next-line no-control-regex
    return v === undefined ? null : decodeEncodedWords(v).replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 300) || null;
  };
  return { subject: text('subject'), from: text('from'), messageId: extractMessageIds(value('message-id'))[0] ?? null };
}
