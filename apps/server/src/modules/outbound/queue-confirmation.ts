import { oneLine } from '@postdesk/mailkit/compose';
import type { ParsedMessage } from '@postdesk/mailkit/parse';
import { renderTemplate, sanitizeTemplateHtml, templateValues } from '@postdesk/mailkit/template';
import { buildReplyHeaders } from '@postdesk/mailkit/threading';
import type { BlobStore } from '../../platform/blobs/blob-store.ts';
import type { Queryable } from '../../platform/db/db.ts';
import type { CampaignRow } from '../campaigns/index.ts';
import { lockAutoReplyStamp, stampAutoReply } from '../interactions/index.ts';
import { isOpen } from '../routing/index.ts';
import { templateHtml } from '../templates/index.ts';
import { recentAutoReplies, recordAutoReply } from './auto-replies.repo.ts';
import { confirmationDecision, type ConfirmationDecision } from './confirmation-policy.ts';
import { enqueueOutbound } from './enqueue-outbound.ts';
import { outboundSubject } from './outbound-subject.ts';

/** The inbound message a confirmation answers, and what ingest knows about it. */
export interface ConfirmationRequest {
  campaign: CampaignRow;
  interactionId: number;
  newInteraction: boolean;
  customerMail: boolean;
  recipient: { address: string; norm: string; name: string };
  parsed: ParsedMessage;
  ownAddresses: readonly string[];
}

/**
 * Queues the campaign's automatic reply in the caller's transaction when the
 * policy allows: the out-of-hours template when the campaign has one and its
 * schedule is closed now, otherwise the confirmation template. Sent with
 * `Auto-Submitted: auto-replied`, threaded as a reply, at most one automatic
 * reply per interaction (the interaction row is locked and stamped) and
 * rate-limited per address, whichever template. Returns the decision, for
 * logs and tests.
 */
export async function queueConfirmation(
  q: Queryable,
  deps: { blobs: BlobStore; mailSecret: Buffer; now: () => Date },
  r: ConfirmationRequest,
): Promise<ConfirmationDecision> {
  const c = r.campaign;
  const outOfHours = c.out_of_hours_enabled && !isOpen(c.schedule, c.timezone, deps.now());
  const enabled = outOfHours || c.confirmation_enabled;
  // the common case costs no query
  if (!enabled) return { send: false, reason: 'disabled' };
  const templateId = outOfHours ? c.out_of_hours_template_id : c.confirmation_template_id;
  const template = templateId ? await templateHtml(q, templateId) : undefined;
  const alreadySent = await lockAutoReplyStamp(q, r.interactionId);
  const recentSends = await recentAutoReplies(q, c.id, r.recipient.norm);
  const decision = confirmationDecision({
    enabled,
    hasTemplate: template !== undefined,
    customerMail: r.customerMail,
    newInteraction: r.newInteraction,
    alreadySent,
    recipient: r.recipient.norm,
    ownAddresses: r.ownAddresses,
    recentSends,
    now: deps.now(),
  });
  if (!decision.send || template === undefined) return decision;

  const subject = outboundSubject(r.parsed.subject, c.key, r.interactionId);
  // the name as received may carry line breaks (an encoded word), which our headers refuse
  const name = oneLine(r.recipient.name);
  const values = templateValues({
    contactName: name,
    contactEmail: r.recipient.address,
    subject: r.parsed.subject,
    ticket: subject.token,
    campaignName: c.name,
    interactionId: r.interactionId,
    now: deps.now(),
    timeZone: c.timezone,
  });
  const html = renderTemplate(sanitizeTemplateHtml(template), values, 'html').output;
  const reply = r.parsed.messageId
    ? buildReplyHeaders({ messageId: r.parsed.messageId, references: r.parsed.references, inReplyTo: r.parsed.inReplyTo[0] ?? null })
    : { inReplyTo: null, references: [] };
  await enqueueOutbound(q, deps, {
    campaignId: c.id,
    interactionId: r.interactionId,
    kind: outOfHours ? 'out_of_hours' : 'confirmation',
    compose: {
      from: { address: c.from_address, name: c.from_name },
      to: [{ address: r.recipient.address, name }],
      subject: subject.text,
      html,
      inReplyTo: reply.inReplyTo,
      references: reply.references,
      autoSubmitted: 'auto-replied',
    },
  });
  await stampAutoReply(q, r.interactionId);
  await recordAutoReply(q, c.id, r.recipient.norm);
  return decision;
}
