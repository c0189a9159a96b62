import type { Queryable } from '../../platform/db/db.ts';
import type { LifecycleState, QueueState } from './interaction-state.ts';

// The interaction rows: every write to `interactions`, `interaction_notes`,
// `interaction_participants` and `contacts` is here. The lock order routing
// relies on (campaign → agents → interaction row) is documented in
// routing.repo.ts; lockInteraction takes the last of them.

/** The lifecycle and routing columns of an interaction, read under its row lock. */
export interface LockedInteraction {
  id: number;
  campaign_id: string;
  status: 'open' | 'closed';
  queue_state: QueueState;
  assigned_to: string | null;
  first_accepted_at: Date | null;
  transfer_from: string | null;
  transfer_from_campaign: string | null;
  transfer_until: Date | null;
}

/** Locks an interaction's row for a change of its state (the lock order: see routing.repo.ts). */
export async function lockInteraction(q: Queryable, id: number): Promise<LockedInteraction | null> {
  const { rows } = await q.query<LockedInteraction>(
    `SELECT id, campaign_id, status, queue_state, assigned_to, first_accepted_at, transfer_from, transfer_from_campaign, transfer_until
       FROM interactions WHERE id = $1 FOR UPDATE`,
    [id],
  );
  return rows[0] ?? null;
}

/** A locked row as the pure lifecycle sees it; `transferPending` is the caller's knowledge (offers live elsewhere). */
export const lifecycleOf = (it: LockedInteraction, transferPending: boolean): LifecycleState => ({
  status: it.status,
  queueState: it.queue_state,
  assignedTo: it.assigned_to,
  transferPending,
});

/**
 * The claim of a routing decision, as a CTE named `claimed` for the routing
 * statement that also writes the offers: the interaction becomes offered (or
 * assigned, when `$direct`) only if it is still waiting — an answer or a
 * close since the snapshot wins. Parameters are given by name so the caller
 * keeps its own numbering: the interaction id, the agents (uuid[], the first
 * is the one assigned directly), the time, and whether it is assigned directly.
 */
export const claimForRoutingCte = (p: { id: string; userIds: string; now: string; direct: string }): string => `claimed AS (
           UPDATE interactions
              SET queue_state = CASE WHEN ${p.direct} THEN 'assigned' ELSE 'offered' END, updated_at = ${p.now},
                  assigned_to = CASE WHEN ${p.direct} THEN (${p.userIds}::uuid[])[1] END,
                  assigned_at = CASE WHEN ${p.direct} THEN ${p.now} ELSE assigned_at END,
                  first_accepted_at = CASE WHEN ${p.direct} THEN coalesce(first_accepted_at, ${p.now}) ELSE first_accepted_at END,
                  last_agent = CASE WHEN ${p.direct} THEN (${p.userIds}::uuid[])[1] ELSE last_agent END,
                  sticky_agent_until = CASE WHEN ${p.direct} THEN NULL ELSE sticky_agent_until END,
                  sticky_queue_until = CASE WHEN ${p.direct} THEN NULL ELSE sticky_queue_until END,
                  transfer_from = CASE WHEN ${p.direct} THEN NULL ELSE transfer_from END,
                  transfer_from_campaign = CASE WHEN ${p.direct} THEN NULL ELSE transfer_from_campaign END,
                  transfer_until = CASE WHEN ${p.direct} THEN NULL ELSE transfer_until END
            WHERE id = ${p.id} AND queue_state = 'waiting'
           RETURNING id)`;

/** An agent took it (an offer accepted): theirs, and any sticky wait or transfer is over. */
export async function assignInteraction(q: Queryable, id: number, userId: string, now: Date): Promise<void> {
  await q.query(
    `UPDATE interactions SET queue_state = 'assigned', assigned_to = $2, assigned_at = $3,
            first_accepted_at = coalesce(first_accepted_at, $3), last_agent = $2,
            sticky_agent_until = NULL, sticky_queue_until = NULL,
            transfer_from = NULL, transfer_from_campaign = NULL, transfer_until = NULL, updated_at = $3
      WHERE id = $1`,
    [id, userId, now],
  );
}

/** Its last offer ended unanswered: it waits again at its old place (queued_at unchanged); a refused sticky offer ends the sticky wait. */
export async function requeueInteraction(q: Queryable, id: number, now: Date, endStickyWait: boolean): Promise<void> {
  await q.query(
    `UPDATE interactions SET queue_state = 'waiting', updated_at = $2,
            sticky_agent_until = CASE WHEN $3 THEN NULL ELSE sticky_agent_until END
      WHERE id = $1`,
    [id, now, endStickyWait],
  );
}

/** The agent it waited for declined or let it lapse: from now on any member may take it. */
export async function endStickyWait(q: Queryable, id: number): Promise<void> {
  await q.query(`UPDATE interactions SET sticky_agent_until = NULL WHERE id = $1`, [id]);
}

/** Its agent offers it to another agent: it stays theirs until that one accepts. */
export async function markAgentTransfer(q: Queryable, id: number, now: Date): Promise<void> {
  await q.query(`UPDATE interactions SET transfer_from = assigned_to, updated_at = $2 WHERE id = $1`, [id, now]);
}

/** A transfer offer declined or lapsed: it stays with the transferring agent and comes back to them unread. */
export async function cancelAgentTransfer(q: Queryable, id: number, now: Date): Promise<void> {
  await q.query(`UPDATE interactions SET unread = true, transfer_from = NULL, transfer_until = NULL, updated_at = $2 WHERE id = $1`, [id, now]);
}

/**
 * Moves it to another campaign's queue, ahead of ordinary mail until
 * `until`; it remembers where it came from, to go back if nobody takes it.
 */
export async function moveToCampaign(
  q: Queryable,
  id: number,
  t: { campaignId: string; fromUser: string | null; fromCampaign: string; until: Date; now: Date },
): Promise<void> {
  await q.query(
    `UPDATE interactions SET campaign_id = $2, queue_state = 'waiting', queued_at = $3, assigned_to = NULL,
            transfer_from = $4, transfer_from_campaign = $5, transfer_until = $6,
            sticky_agent_until = NULL, sticky_queue_until = NULL, updated_at = $3
      WHERE id = $1`,
    [id, t.campaignId, t.now, t.fromUser, t.fromCampaign, t.until],
  );
}

/** A campaign transfer that was taken (or closed) in time: nothing is left to return. */
export async function clearTransfer(q: Queryable, id: number): Promise<void> {
  await q.query(`UPDATE interactions SET transfer_from = NULL, transfer_from_campaign = NULL, transfer_until = NULL WHERE id = $1`, [id]);
}

/** A campaign transfer nobody took: back in its first campaign, with the agent who transferred it, unread. */
export async function returnToTransferrer(q: Queryable, id: number, now: Date): Promise<void> {
  await q.query(
    `UPDATE interactions SET campaign_id = transfer_from_campaign, queue_state = 'assigned', assigned_to = transfer_from, assigned_at = $2,
            unread = true, transfer_from = NULL, transfer_from_campaign = NULL, transfer_until = NULL, updated_at = $2
      WHERE id = $1`,
    [id, now],
  );
}

/**
 * Closes it: the agent's capacity frees at once, the agent is remembered
 * (sticky routing of a later reply), and one nobody ever accepted counts as
 * abandoned.
 */
export async function markClosed(q: Queryable, id: number, now: Date, dispositionId: string | null): Promise<void> {
  await q.query(
    `UPDATE interactions SET status = 'closed', queue_state = 'done', closed_at = $2::timestamptz, updated_at = $2,
            last_agent = coalesce(assigned_to, last_agent), assigned_to = NULL,
            abandoned_at = CASE WHEN first_accepted_at IS NULL THEN $2 END,
            sticky_agent_until = NULL, sticky_queue_until = NULL,
            transfer_from = NULL, transfer_from_campaign = NULL, transfer_until = NULL, disposition_id = $3
      WHERE id = $1`,
    [id, now, dispositionId],
  );
}

/** The agent working it has read it (only theirs: a supervisor looking must not hide new mail from them). */
export async function markRead(q: Queryable, id: number, userId: string): Promise<void> {
  await q.query(`UPDATE interactions SET unread = false WHERE id = $1 AND assigned_to = $2 AND unread`, [id, userId]);
}

/** The agent holding it wants it marked as new again (the campaign allows it): only while in their hands. */
export async function markUnread(q: Queryable, id: number, userId: string): Promise<boolean> {
  const r = await q.query(`UPDATE interactions SET unread = true WHERE id = $1 AND assigned_to = $2 AND queue_state = 'assigned' AND status = 'open'`, [id, userId]);
  return r.rowCount === 1;
}

/** An agent's message went out in it: read, and latest activity now. */
export async function touchAfterReply(q: Queryable, id: number, now: Date): Promise<void> {
  await q.query(`UPDATE interactions SET unread = false, last_message_at = $2, updated_at = $2 WHERE id = $1`, [id, now]);
}

/** A conversation an agent starts (new mail): open and in their hands from the start, holding none of their places until the customer answers. */
export async function insertStartedInteraction(
  q: Queryable,
  r: { campaignId: string; contactId: string; address: string; name: string; subject: string; userId: string; now: Date },
): Promise<number> {
  const { rows } = await q.query<{ id: number }>(
    `INSERT INTO interactions (campaign_id, contact_id, customer_address, customer_name, subject, status, queue_state, queued_at,
                               assigned_to, assigned_at, first_accepted_at, unread, started_by, last_message_at, created_at, updated_at, awaiting_reply)
     VALUES ($1, $2, $3, $4, $5, 'open', 'assigned', $6, $7, $6, $6, false, $7, $6, $6, $6, true) RETURNING id`,
    [r.campaignId, r.contactId, r.address, r.name, r.subject, r.now, r.userId],
  );
  return rows[0]!.id;
}

/** Locks the interaction and says whether it already had its automatic reply (at most one per interaction). */
export async function lockAutoReplyStamp(q: Queryable, id: number): Promise<boolean> {
  const { rows } = await q.query<{ confirmation_sent_at: Date | null }>('SELECT confirmation_sent_at FROM interactions WHERE id = $1 FOR UPDATE', [id]);
  return !!rows[0]?.confirmation_sent_at;
}

/** Stamps the interaction's automatic reply as sent (see lockAutoReplyStamp). */
export async function stampAutoReply(q: Queryable, id: number): Promise<void> {
  await q.query('UPDATE interactions SET confirmation_sent_at = now() WHERE id = $1', [id]);
}

/** Adds an internal note to an interaction. */
export async function insertNote(q: Queryable, interactionId: number, userId: string, text: string): Promise<{ id: number; createdAt: Date }> {
  const { rows } = await q.query<{ id: number; created_at: Date }>(
    `INSERT INTO interaction_notes (interaction_id, user_id, text) VALUES ($1, $2, $3) RETURNING id, created_at`,
    [interactionId, userId, text],
  );
  return { id: rows[0]!.id, createdAt: rows[0]!.created_at };
}

/** Who works an interaction now (null when nobody, or no such interaction): realtime pushes go to them. */
export async function assigneeOf(q: Queryable, interactionId: number): Promise<string | null> {
  const { rows } = await q.query<{ assigned_to: string | null }>(`SELECT assigned_to FROM interactions WHERE id = $1`, [interactionId]);
  return rows[0]?.assigned_to ?? null;
}

/** The interaction a stored message belongs to and who works it now. */
export async function assigneeOfMessage(q: Queryable, messageId: number): Promise<{ interactionId: number; assignedTo: string | null } | null> {
  const { rows } = await q.query<{ interaction_id: number; assigned_to: string | null }>(
    `SELECT i.id AS interaction_id, i.assigned_to FROM messages m JOIN interactions i ON i.id = m.interaction_id WHERE m.id = $1`,
    [messageId],
  );
  return rows[0] ? { interactionId: rows[0].interaction_id, assignedTo: rows[0].assigned_to } : null;
}

/**
 * A new customer message in an existing interaction: unread again (and a
 * mail an agent started now holds one of their places). When reopened it
 * waits in the queue again, sticky to the agent who closed it.
 */
export async function touchInteraction(q: Queryable, interactionId: number, reopen: boolean): Promise<void> {
  await q.query(
    { name: 'ingest_touch_interaction', text: `UPDATE interactions i
        SET unread = true, last_message_at = now(), updated_at = now(), awaiting_reply = false,
            status = CASE WHEN $2 THEN 'open' ELSE i.status END,
            closed_at = CASE WHEN $2 THEN NULL ELSE i.closed_at END,
            queue_state = CASE WHEN $2 THEN 'waiting' ELSE i.queue_state END,
            queued_at = CASE WHEN $2 THEN now() ELSE i.queued_at END,
            abandoned_at = CASE WHEN $2 THEN NULL ELSE i.abandoned_at END,
            sticky_agent_until = CASE WHEN $2 AND i.last_agent IS NOT NULL
              THEN now() + make_interval(secs => c.wait_assigned_agent_sec) ELSE i.sticky_agent_until END,
            sticky_queue_until = CASE WHEN $2 AND i.last_agent IS NOT NULL
              THEN now() + make_interval(secs => c.wait_assigned_agent_sec + c.wait_assigned_queue_sec) ELSE i.sticky_queue_until END
       FROM campaigns c
      WHERE i.id = $1 AND c.id = i.campaign_id` },
    [interactionId, reopen],
  );
}

/**
 * Ends one interaction's wait for its agent, if it is still due: from now on
 * the campaign's members may take it. Returns its campaign, or null when
 * another node (or an answer) got there first.
 */
export async function expireStickyWait(q: Queryable, id: number, now: Date): Promise<string | null> {
  const { rows } = await q.query<{ campaign_id: string }>(
    `UPDATE interactions SET sticky_agent_until = NULL WHERE id = $1 AND sticky_agent_until <= $2 RETURNING campaign_id`,
    [id, now],
  );
  return rows[0]?.campaign_id ?? null;
}
