import { templateValues } from '@postdesk/mailkit/template';
import type { Queryable } from '../../platform/db/db.ts';
import { dialerReplyOf, type DialerReplyRow } from '../dialer/index.ts';
import { ticketOf } from '../outbound/index.ts';
import { draftOf, type DraftRow } from './drafts.repo.ts';
import {
  displayNameOf,
  notesOf,
  otherOpen,
  threadMessages,
  visibleInteraction,
  type AttachmentRow,
  type InteractionView,
  type MessageRow,
  type NoteRow,
  type Viewer,
} from './workspace.repo.ts';

/** Everything the thread view shows of one interaction. */
export interface Thread {
  interaction: InteractionView;
  messages: MessageRow[];
  /** Each message's files, by message id. */
  filesOf: Map<number, AttachmentRow[]>;
  notes: NoteRow[];
  others: Awaited<ReturnType<typeof otherOpen>>;
  draft: DraftRow | undefined;
  /** What ${fields} in templates and canned answers are filled with. */
  values: ReturnType<typeof templateValues>;
  /** The dialer message the interaction answers, or null. */
  dialer: DialerReplyRow | null;
}

/**
 * One interaction as the viewer may see it (404 otherwise): its messages
 * with their outbox state and files, notes, the customer's other open
 * interactions, the viewer's draft, and the values templates are filled with.
 */
export async function readThread(q: Queryable, v: Viewer, id: number, now: Date): Promise<Thread> {
  const it = await visibleInteraction(q, v, id);
  const [{ messages, attachments }, notes, others, draft, agentName, dialer] = await Promise.all([
    threadMessages(q, it.id),
    notesOf(q, it.id),
    otherOpen(q, v, it),
    draftOf(q, v.userId, it.id),
    displayNameOf(q, v.userId),
    dialerReplyOf(q, it.id),
  ]);
  const filesOf = new Map<number, AttachmentRow[]>();
  for (const a of attachments) filesOf.set(a.message_id, [...(filesOf.get(a.message_id) ?? []), a]);
  const values = templateValues({
    contactName: it.customer_name,
    contactEmail: it.customer_address,
    subject: it.subject,
    ticket: ticketOf(it.key, it.id),
    campaignName: it.campaign_name,
    interactionId: it.id,
    agentName,
    now,
    timeZone: it.timezone,
  });
  return { interaction: it, messages, filesOf, notes, others, draft, values, dialer };
}
