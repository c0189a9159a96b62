import { oneLine, type ComposeAttachment, type MailAddress } from '@postdesk/mailkit/compose';
import { normalizeAddress } from '@postdesk/mailkit/parse';
import { RenderTimeoutError, type RenderPool } from '@postdesk/mailkit/render';
import { escapeHtml, fillKnownFields } from '@postdesk/mailkit/template';
import { addSubjectToken, answerSubject, buildReplyHeaders } from '@postdesk/mailkit/threading';
import type { BlobStore } from '../../platform/blobs/blob-store.ts';
import type { Queryable } from '../../platform/db/db.ts';
import { emitEvent } from '../../platform/events/events.ts';
import { AppError, invalid, notFound } from '../../platform/http/errors.ts';
import { sanitizeSubmittedHtml } from '../../platform/http/user-html.ts';
import { contactListFor, findCampaign, listCampaignKeys } from '../campaigns/index.ts';
import {
  addParticipants,
  insertStartedInteraction,
  latestCustomerMessageId,
  lockInteraction,
  touchAfterReply,
  upsertContact,
} from '../interactions/index.ts';
import { enqueueOutbound, ticketOf } from '../outbound/index.ts';
import { consumeUploads, findUpload } from '../uploads/index.ts';
import { deleteDraft, findSentByKey, lockSendKey, recordSendKey } from './drafts.repo.ts';
import { newRatingKey, ratingToken } from './rating-token.ts';
import { visibleAttachments, visibleInteraction, visibleMessage, type Viewer } from './workspace.repo.ts';

export type SendMode = 'reply' | 'reply_all' | 'reply_history' | 'forward';

/** A file for the outgoing message: one the agent uploaded, or one of a stored message's attachments. */
export type AttachmentRef = { uploadId: string } | { messageId: number; partPath: string };

export interface SendInput {
  mode: SendMode;
  to: MailAddress[];
  cc: MailAddress[];
  /** Omitted: "Re:" / "Fwd:" and the parent's subject. The campaign's token is always added. */
  subject?: string;
  html: string;
  attachments: AttachmentRef[];
  /** The message answered or forwarded; omitted: the interaction's latest customer message. */
  parentId?: number;
  /**
   * The console's key for this answer: a request repeated with it (the
   * first one's answer was lost, e.g. its node died) returns the message the
   * first one stored instead of sending a second.
   */
  sendKey?: string;
}

export interface SendDeps {
  blobs: BlobStore;
  mailSecret: Buffer;
  now: () => Date;
  /**
   * Where the customer's rating links point: the configured public URL, never
   * one taken from a request (its Host header is the client's to choose).
   * Unset: no rating links are added.
   */
  publicUrl: string | undefined;
  /** Sanitising and text conversion, off the event loop. */
  render: Pick<RenderPool, 'sanitizeUserHtml' | 'sanitizeMail' | 'textOf'>;
}

/** The most an outgoing message may carry in files, all together. */
export const MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024;

const DAY_FORMAT = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

/**
 * An agent answers an interaction: reply, reply all, reply with the history
 * quoted, or forward. The message row and its outbox entry commit together
 * (enqueueOutbound); threading headers come from the message answered, so the
 * customer's client threads our mail and their answer threads back. Every
 * recipient becomes a participant, so their replies land here too.
 */
export async function sendInInteraction(q: Queryable, deps: SendDeps, v: Viewer, interactionId: number, input: SendInput): Promise<{ messageId: number }> {
  const it = await visibleInteraction(q, v, interactionId);
  const clean = await sanitizeSubmittedHtml(deps.render, 'html', input.html);
  const locked = await lockInteraction(q, interactionId);
  if (!locked) throw notFound('interaction');
  // a repeat of a request that was stored (under the interaction's lock, so a repeat racing the first waits for it)
  if (input.sendKey !== undefined) {
    const before = await findSentByKey(q, v.userId, input.sendKey);
    if (before && before.interactionId === interactionId) return { messageId: before.messageId };
    if (before) throw invalid('sendKey', 'already used for another interaction');
  }
  if (!v.all && locked.assigned_to !== v.userId) throw new AppError('conflict', 'this interaction is not in your hands');
  if (locked.status !== 'open') throw new AppError('conflict', 'the interaction is closed');

  const parent = input.parentId !== undefined ? await visibleMessage(q, v, input.parentId) : await latestCustomerMessage(q, v, interactionId);
  if (parent && parent.interaction_id !== interactionId) throw invalid('parentId', 'not a message of this interaction');
  const recipients = checkRecipients(input);
  const files = await loadAttachments(q, deps.blobs, v, input.attachments);

  const forward = input.mode === 'forward';
  const subject = withToken((input.subject?.trim() || answerSubject(forward ? 'forward' : 'reply', parent?.subject ?? it.subject)).slice(0, 900), it.key, interactionId, await listCampaignKeys(q));
  let html = clean;
  if (parent && (input.mode === 'reply_history' || forward)) html += quoteOf(parent, forward, await quotedText(deps.render, parent));
  const rating = ratingLinks(deps, it.qualification_enabled && !forward, it.qualification_title);
  if (rating) html += rating.html;
  const ratingKey = rating?.key;
  const threading = parent?.message_id
    ? buildReplyHeaders({ messageId: parent.message_id, references: parent.references_ids, inReplyTo: parent.in_reply_to[0] ?? null })
    : { inReplyTo: null, references: [] };

  const sent = await enqueueOutbound(q, deps, {
    campaignId: it.campaign_id,
    interactionId,
    kind: 'agent',
    sentBy: v.userId,
    ratingKey,
    compose: {
      from: { address: it.from_address, name: it.from_name },
      to: recipients.to,
      cc: recipients.cc,
      subject,
      html,
      text: await deps.render.textOf(html),
      inReplyTo: threading.inReplyTo,
      references: threading.references,
      attachments: files,
    },
  });
  await addParticipants(q, interactionId, [...recipients.to, ...recipients.cc].map((a) => normalizeAddress(a.address)));
  await touchAfterReply(q, interactionId, deps.now());
  await deleteDraft(q, v.userId, interactionId);
  if (input.sendKey !== undefined) await recordSendKey(q, v.userId, input.sendKey, sent.messageId);
  return { messageId: sent.messageId };
}

export interface NewMailInput {
  to: MailAddress[];
  cc: MailAddress[];
  subject: string;
  html: string;
  attachments: AttachmentRef[];
  /** As in SendInput: a repeat returns the interaction and message the first request stored. */
  sendKey?: string;
}

/**
 * An agent starts a conversation: a new interaction in one of their
 * campaigns, in their hands at once, and its first message on the outbox.
 * The first "to" address is the customer (upserted into the campaign's
 * contacts).
 */
export async function startInteraction(q: Queryable, deps: SendDeps, v: Viewer, campaignId: string, input: NewMailInput): Promise<{ interactionId: number; messageId: number }> {
  const c = await findCampaign(q, campaignId, v);
  if (!c) throw notFound('campaign');
  if (input.sendKey !== undefined) {
    // nothing to lock yet (the interaction is new): a repeat racing the first waits on the key itself
    await lockSendKey(q, v.userId, input.sendKey);
    const before = await findSentByKey(q, v.userId, input.sendKey);
    if (before && before.interactionId !== null) return { interactionId: before.interactionId, messageId: before.messageId };
    if (before) throw invalid('sendKey', 'already used');
  }
  const clean = await sanitizeSubmittedHtml(deps.render, 'html', input.html);
  const recipients = checkRecipients({ ...input, mode: 'forward' });
  if (!input.subject.trim()) throw invalid('subject', 'required');
  const files = await loadAttachments(q, deps.blobs, v, input.attachments);
  const customer = recipients.to[0]!;
  const contactId = await upsertContact(q, await contactListFor(q, c), { address: customer.address, name: customer.name ?? '' }, normalizeAddress(customer.address));
  const now = deps.now();
  const interactionId = await insertStartedInteraction(q, {
    campaignId: c.id,
    contactId,
    address: customer.address,
    name: customer.name ?? '',
    subject: input.subject.trim().slice(0, 900),
    userId: v.userId,
    now,
  });
  // the editor left the fields only known now (the ticket, the number) as written
  let html = fillKnownFields(clean, { ticket: ticketOf(c.key, interactionId), interactionId: String(interactionId) }, 'html');
  const rating = ratingLinks(deps, c.qualification_enabled, c.qualification_title);
  if (rating) html += rating.html;
  const ratingKey = rating?.key;
  const sent = await enqueueOutbound(q, deps, {
    campaignId: c.id,
    interactionId,
    kind: 'agent',
    sentBy: v.userId,
    ratingKey,
    compose: {
      from: { address: c.from_address, name: c.from_name },
      to: recipients.to,
      cc: recipients.cc,
      subject: withToken(input.subject.trim().slice(0, 900), c.key, interactionId, await listCampaignKeys(q)),
      html,
      text: await deps.render.textOf(html),
      attachments: files,
    },
  });
  await addParticipants(q, interactionId, [...recipients.to, ...recipients.cc].map((a) => normalizeAddress(a.address)));
  await deleteDraft(q, v.userId, null);
  if (input.sendKey !== undefined) await recordSendKey(q, v.userId, input.sendKey, sent.messageId);
  await emitEvent(q, { type: 'interaction.assigned', campaignId: c.id, interactionId, userId: v.userId, previousUserId: null });
  return { interactionId, messageId: sent.messageId };
}

async function latestCustomerMessage(q: Queryable, v: Viewer, interactionId: number) {
  const id = await latestCustomerMessageId(q, interactionId);
  return id === null ? null : visibleMessage(q, v, id);
}

/**
 * The subject with the campaign's token, replacing the tokens of our other
 * campaigns (a transferred thread keeps one); a key the token format cannot
 * carry gets none (see outboundSubject).
 */
function withToken(subject: string, key: string, interactionId: number, ownKeys: readonly string[]): string {
  try {
    return addSubjectToken(subject, key.toUpperCase(), interactionId, ownKeys);
  } catch {
    return subject;
  }
}

const MAX_RECIPIENTS = 50;

// Addresses were checked for shape by the route's schema; here the rules of
// the message: someone to send to, not too many, each once.
function checkRecipients(input: { mode: SendMode; to: MailAddress[]; cc: MailAddress[] }): { to: MailAddress[]; cc: MailAddress[] } {
  if (input.to.length === 0) throw invalid('to', input.mode === 'forward' ? 'forward to at least one address' : 'at least one recipient');
  if (input.to.length + input.cc.length > MAX_RECIPIENTS) throw invalid('to', `at most ${MAX_RECIPIENTS} recipients`);
  const seen = new Set<string>();
  const unique = (list: MailAddress[]) =>
    list.filter((a) => {
      const n = normalizeAddress(a.address);
      if (seen.has(n)) return false;
      seen.add(n);
      return true;
    });
  return { to: unique(input.to), cc: unique(input.cc) };
}

async function loadAttachments(q: Queryable, blobs: BlobStore, v: Viewer, refs: AttachmentRef[]): Promise<ComposeAttachment[]> {
  const out: ComposeAttachment[] = [];
  let total = 0;
  for (const [i, ref] of refs.entries()) {
    const path = `attachments.${i}`;
    let row: { filename: string; content_type: string; size: number; sha256: Buffer } | undefined;
    if ('uploadId' in ref) {
      row = await findUpload(q, ref.uploadId, v.userId);
    } else {
      row = (await visibleAttachments(q, v, ref.messageId)).find((a) => a.part_path === ref.partPath);
    }
    if (!row) throw invalid(path, 'no such file');
    total += Number(row.size);
    if (total > MAX_ATTACHMENT_BYTES) throw invalid(path, `the files add up to more than ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MiB`);
    out.push({ filename: row.filename || 'attachment', contentType: row.content_type, content: await blobs.get(row.sha256.toString('hex')) });
  }
  // sent with this message (or not at all, if its transaction rolls back): they no longer count against the quota
  await consumeUploads(q, v.userId, refs.flatMap((r) => ('uploadId' in r ? [r.uploadId] : [])));
  return out;
}

/**
 * What a reply or forward quotes of a message: its text part, or for
 * HTML-only mail its sanitised HTML as text, both worked out on a render
 * thread; markup too costly to sanitise in time is quoted as nothing.
 */
async function quotedText(render: SendDeps['render'], parent: { text_body: string | null; html_body: string | null }): Promise<string> {
  if (parent.text_body !== null) return parent.text_body;
  if (!parent.html_body) return '';
  try {
    return await render.textOf((await render.sanitizeMail(parent.html_body, { inlineImages: new Map(), remoteImages: false })).html);
  } catch (err) {
    if (err instanceof RenderTimeoutError) return '';
    throw err;
  }
}

/**
 * The message answered or forwarded, quoted as text: what every client shows
 * the same way. Received names and the subject are put on one line: a line
 * break in one would read as a header line of its own in the quoted block.
 */
function quoteOf(
  parent: { from_name: string; from_address: string; sent_date: Date | null; created_at: Date; subject: string; to_addresses: Array<{ address: string; name: string }> },
  forward: boolean,
  text: string,
): string {
  const who = parent.from_name ? `${oneLine(parent.from_name)} <${parent.from_address}>` : parent.from_address;
  const when = DAY_FORMAT.format(parent.sent_date ?? parent.created_at) + ' UTC';
  const body = escapeHtml(text.slice(0, 200_000)).replace(/\r?\n/g, '<br>');
  if (forward) {
    const to = parent.to_addresses.map((a) => (a.name ? `${oneLine(a.name)} <${a.address}>` : a.address)).join(', ');
    return (
      `<br><div>---------- Forwarded message ----------<br>From: ${escapeHtml(who)}<br>Date: ${escapeHtml(when)}<br>` +
      `Subject: ${escapeHtml(oneLine(parent.subject))}<br>To: ${escapeHtml(to)}</div><br><div>${body}</div>`
    );
  }
  return `<br><div>On ${escapeHtml(when)}, ${escapeHtml(who)} wrote:</div><blockquote type="cite" style="margin:0 0 0 8px;padding-left:8px;border-left:2px solid #ccc">${body}</blockquote>`;
}

/**
 * The rating links of an outgoing message and the key they carry: when the
 * campaign asks for them and there is a public URL to point them at.
 */
function ratingLinks(deps: SendDeps, wanted: boolean, title: string): { key: Buffer; html: string } | null {
  if (!wanted || !deps.publicUrl) return null;
  const key = newRatingKey();
  return { key, html: ratingBlock(deps.publicUrl, title, ratingToken(deps.mailSecret, key)) };
}

/** The campaign's "rate this answer" title and five links carrying the message's token. */
function ratingBlock(publicUrl: string, campaignTitle: string, token: string): string {
  const title = campaignTitle || 'How did we do?';
  const base = publicUrl.replace(/\/+$/, '');
  const links = [1, 2, 3, 4, 5]
    .map((n) => `<a href="${escapeHtml(`${base}/rating/${token}/${n}`)}" style="display:inline-block;padding:4px 10px;margin-right:4px;border:1px solid #ccc;border-radius:4px;text-decoration:none">${n}</a>`)
    .join('');
  return `<hr><p>${escapeHtml(title)}</p><p>${links}</p>`;
}
