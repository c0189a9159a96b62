import { iso } from '../../platform/http/iso.ts';
import type { DraftRow } from './drafts.repo.ts';
import type { Thread } from './read-thread.ts';
import { SAFE_IMAGES } from './safe-images.ts';
import type { InboxRow } from './workspace.repo.ts';

/** An answer's draft as the composer reopens it. */
export const presentDraft = (d: DraftRow) => ({
  // a draft in an interaction is saved with an answer's mode ('new' is the new mail's, which has no interaction)
  mode: d.mode === 'new' ? ('reply' as const) : d.mode,
  to: d.to_addresses,
  cc: d.cc_addresses,
  subject: d.subject,
  html: d.html,
  attachments: d.attachments,
  updatedAt: d.updated_at.toISOString(),
});

/** The new mail an agent is writing, as the form reopens it (its files are uploads only). */
export const presentNewMailDraft = (d: DraftRow) => ({
  campaignId: d.campaign_id,
  mode: 'new' as const,
  to: d.to_addresses,
  cc: d.cc_addresses,
  subject: d.subject,
  html: d.html,
  attachments: d.attachments.filter((a) => 'uploadId' in a),
  updatedAt: d.updated_at.toISOString(),
});

/** An interaction as the desk lists it (inbox, search). */
export const presentItem = (r: InboxRow & { assigned_name?: string | null }) => ({
  id: r.id,
  campaignId: r.campaign_id,
  campaignKey: r.key,
  campaignName: r.campaign_name,
  subject: r.subject,
  customerAddress: r.customer_address,
  customerName: r.customer_name,
  unread: r.unread,
  status: r.status,
  assignedAt: iso(r.assigned_at),
  lastMessageAt: r.last_message_at.toISOString(),
  closedAt: iso(r.closed_at),
  ...(r.assigned_name !== undefined ? { assignedName: r.assigned_name } : {}),
});

/** The thread view of one interaction, for the viewer: whether it is theirs, its messages with files and outbox state, notes, draft. */
export function presentThread(t: Thread, viewerId: string) {
  const it = t.interaction;
  return {
    interaction: {
      id: it.id,
      campaignId: it.campaign_id,
      campaignKey: it.key,
      campaignName: it.campaign_name,
      customerAddress: it.customer_address,
      customerName: it.customer_name,
      subject: it.subject,
      status: it.status,
      queueState: it.queue_state,
      assignedTo: it.assigned_to,
      assignedName: it.assigned_name,
      mine: it.assigned_to === viewerId,
      unread: it.unread,
      linkedTo: it.linked_to,
      createdAt: it.created_at.toISOString(),
      closedAt: iso(it.closed_at),
      disposition: it.disposition,
      mandatoryDisposition: it.mandatory_disposition,
      markAsUnread: it.mark_as_unread,
      transferToAgent: it.transfer_to_agent,
      transferToQueue: it.transfer_to_queue,
      signatureTemplateId: it.signature_template_id,
      fromAddress: it.from_address,
      dialerMessage: t.dialer
        ? {
            dialerId: t.dialer.dialer_id,
            dialerName: t.dialer.dialer_name,
            listId: t.dialer.list_id,
            listName: t.dialer.list_name,
            rowId: t.dialer.row_id,
            line: t.dialer.line,
            destination: t.dialer.destination,
            sentAt: iso(t.dialer.finished_at),
          }
        : null,
    },
    values: t.values,
    otherOpen: t.others.map((o) => ({ id: o.id, campaignKey: o.key, subject: o.subject, assignedName: o.assigned_name })),
    messages: t.messages.map((m) => ({
      id: m.id,
      direction: m.direction,
      kind: m.kind,
      subject: m.subject,
      fromAddress: m.from_address,
      fromName: m.from_name,
      to: m.to_addresses,
      cc: m.cc_addresses,
      date: (m.sent_date ?? m.created_at).toISOString(),
      snippet: m.snippet,
      hasHtml: m.has_html,
      sentBy: m.sent_by_name,
      outbox: m.outbox_state ? { state: m.outbox_state, error: m.outbox_error, attempts: m.outbox_attempts } : null,
      rating: m.rating,
      attachments: (t.filesOf.get(m.id) ?? []).map((a) => ({
        partPath: a.part_path,
        filename: a.filename,
        contentType: a.content_type,
        size: Number(a.size),
        inline: a.inline,
        previewable: SAFE_IMAGES.has(a.content_type.toLowerCase()),
      })),
    })),
    notes: t.notes.map((n) => ({ id: n.id, text: n.text, author: n.author, createdAt: n.created_at.toISOString() })),
    draft: t.draft ? presentDraft(t.draft) : null,
  };
}

/** A file name as it may appear in a Content-Disposition header: an ASCII fallback and the exact name in RFC 5987 form. */
export function contentDisposition(kind: 'attachment' | 'inline', filename: string): string {
  const clean = filename.replace(/[\u0000-\u001f\u007f/\\]/g, '_').trim() || 'attachment';
  const ascii = clean.replace(/[^A-Za-z0-9._ ()-]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(clean).replace(/['()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())}`;
}
