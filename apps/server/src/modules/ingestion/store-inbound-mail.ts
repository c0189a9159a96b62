import { classifyMessage, customerAddress, isUsableAddress, type Classification } from '@postdesk/mailkit/classify';
import { normalizeAddress, type ParsedMessage } from '@postdesk/mailkit/parse';
import { resolveThread, stripSubjectToken, verifyMessageId, type ThreadCandidate } from '@postdesk/mailkit/threading';
import type { Queryable } from '../../platform/db/db.ts';
import { emitEvent } from '../../platform/events/events.ts';
import { queueConfirmation } from '../outbound/index.ts';
import { contactListFor, type CampaignRow } from '../campaigns/index.ts';
import { recordDialerReply, recordDialerReport } from '../dialer/index.ts';
import {
  findOutboundByMessageIds,
  insertInboundMessage,
  insertMessageWithInteraction,
  interactionFacts,
  touchInteraction,
} from '../interactions/index.ts';
import type { SourceColumns } from './ingestion.repo.ts';
import type { IngestDeps } from './prepare-message.ts';
import { directThreadReads, threadEvidence, type ThreadReads } from './thread-reads.ts';

/** A parsed message stored: its row, the interaction it went to (none for unlinked automatic mail), and its kind. */
export interface StoredMail {
  outcome: 'stored';
  messageId: number;
  interactionId: number | null;
  kind: Classification['kind'];
  /** A new interaction was opened for it. */
  created: boolean;
}

/** Customer mail that cannot be stored as such: no address to answer. The commit quarantines it. */
export interface RefusedMail {
  outcome: 'refused';
  code: 'no_sender';
  reason: string;
}

/** Our sender addresses and the domains of our Message-IDs: read once per commit group. */
export interface OwnIdentity {
  addresses: string[];
  domains: string[];
}

/** Our identity from every campaign's sender address (loop protection). */
export const ownIdentity = (addresses: string[]): OwnIdentity => ({
  addresses,
  domains: [...new Set(addresses.map((a) => a.split('@')[1] ?? '').filter(Boolean))],
});

/** A parsed message, where its bytes are and where it came from. */
export interface InboundMail {
  parsed: ParsedMessage;
  blob: { sha256: string; size: number };
  src: SourceColumns;
}

/**
 * Stores one parsed message inside the commit's transaction, by what it is:
 * customer mail is threaded (resolveThread: the sender must be a participant
 * of the interaction found), its contact upserted and its interaction opened
 * or reopened, and a confirmation queued; bounces, auto-replies, feedback
 * reports and our own mail are stored and linked to what they are about,
 * never opening, answering or reopening anything. Events go out with the
 * transaction. Customer mail with no usable address (Reply-To, From,
 * Sender, envelope) is refused before anything is written: an interaction
 * nobody can answer helps no one, and the quarantine shows it to the admin.
 */
export async function storeInboundMail(
  q: Queryable,
  deps: IngestDeps,
  campaign: CampaignRow,
  mail: InboundMail,
  own: OwnIdentity,
  reads: ThreadReads = directThreadReads,
): Promise<StoredMail | RefusedMail> {
  const classification = classify(mail.parsed, own, deps.mailSecret);
  const stored =
    classification.kind === 'customer'
      ? await storeCustomerMail(q, deps, campaign, mail, classification, own.addresses, reads)
      : await storeAutomaticMail(q, deps, campaign, mail, classification);
  if (stored.outcome === 'stored') reads.stored(mail.parsed.messageId, stored.interactionId);
  return stored;
}

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
async function storeAutomaticMail(q: Queryable, deps: IngestDeps, campaign: CampaignRow, mail: InboundMail, c: Classification): Promise<StoredMail> {
  const { parsed, blob, src } = mail;
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
  // a bounce or complaint about dialer mail (our pdd. Message-ID): the row's counters and the blacklist
  if (original === null && (c.kind === 'bounce' || c.kind === 'feedback')) {
    await recordDialerReport(q, deps.mailSecret, campaign.id, c.kind, c.originalMessageIds, parsed);
  }
  await emitEvent(q, { type: 'message.received', campaignId: campaign.id, interactionId, messageId, kind: c.kind });
  return { outcome: 'stored', messageId, interactionId, kind: c.kind, created: false };
}

async function storeCustomerMail(
  q: Queryable,
  deps: IngestDeps,
  campaign: CampaignRow,
  mail: InboundMail,
  c: Classification,
  ownAddresses: string[],
  reads: ThreadReads,
): Promise<StoredMail | RefusedMail> {
  const { parsed, blob, src } = mail;
  // who the interaction is with and who gets the answers: never an empty address
  const sender = customerAddress(parsed);
  if (!sender) return { outcome: 'refused', code: 'no_sender', reason: 'no sender address' };
  // who wrote, for the participant check of threading: From, when it has an address
  const senderNorm = normalizeAddress(parsed.from && isUsableAddress(parsed.from.address) ? parsed.from.address : sender.address);
  const candidates = await threadCandidates(q, deps, campaign, parsed, reads);
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
        contact: { listId, who: sender, norm: normalizeAddress(sender.address) },
        address: sender.address,
        name: sender.name,
        subject: stripSubjectToken(parsed.subject),
        linkedTo,
      },
    ));
    created = true;
    await emitEvent(q, { type: 'interaction.created', campaignId: campaign.id, interactionId, linkedTo });
  }
  // a reply to dialer mail: which dialer message it answers (shown with the interaction)
  await recordDialerReply(q, deps.mailSecret, campaign.id, parsed, messageId, interactionId);
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

// Every interaction the message may belong to, with the evidence for each
// (read for the whole commit group at once when it has several messages).
async function threadCandidates(q: Queryable, deps: IngestDeps, campaign: CampaignRow, parsed: ParsedMessage, reads: ThreadReads): Promise<ThreadCandidate[]> {
  const evidence = threadEvidence(parsed, campaign.key, deps.mailSecret);
  const found: Array<{ id: number; via: ThreadCandidate['via'] }> = evidence.own.map((id) => ({ id, via: 'own-message-id' as const }));
  for (const id of await reads.interactionsByMessageIds(q, campaign.id, evidence.refs)) found.push({ id, via: 'references' });
  for (const id of evidence.tokens) found.push({ id, via: 'subject-token' });
  const facts = await reads.interactionFacts(q, campaign.id, [...new Set(found.map((f) => f.id))]);
  return found.flatMap((f) => {
    const i = facts.get(f.id);
    return i ? [{ interactionId: String(i.id), via: f.via, participants: i.participants, status: i.status }] : [];
  });
}
