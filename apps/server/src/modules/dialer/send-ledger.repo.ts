import type { Queryable } from '../../platform/db/db.ts';

// The send ledger's SQL. Every statement works on a batch: a claim takes up
// to a few hundred rows in one statement and commits before any of them is
// sent; outcomes are written in groups, one transaction per group, never a
// round trip per message.

/** A claimed row as the sender needs it; variables stay JSON text until the sending thread parses them. */
export interface ClaimedRow {
  id: number;
  listId: number;
  destination: string;
  /** The destination's domain, lower case (per-domain limits). */
  domain: string;
  message: string | null;
  attachments: string[] | null;
  variables: string;
  attempts: number;
}

/** One message's outcome, as the ledger records it. */
export type RowOutcome =
  | { id: number; listId: number; kind: 'sent' }
  | { id: number; listId: number; kind: 'failed'; code: number | null; reply: string }
  | { id: number; listId: number; kind: 'retry'; code: number | null; reply: string; delayMs: number; uncertain: boolean; countAttempt: boolean }
  /** Never sent: the address is blacklisted. */
  | { id: number; listId: number; kind: 'skipped'; reply: string }
  /** Not sent yet and not tried: back to the queue until then (a domain's limit is reached). */
  | { id: number; listId: number; kind: 'defer'; until: Date };

const CLAIM = {
  name: 'dialer_claim',
  text: `UPDATE dialer_rows r SET state = 'sending', attempts = r.attempts + 1
         FROM (SELECT id FROM dialer_rows
                WHERE dialer_id = $1 AND state IN ('queued', 'retrying') AND due_at <= now()
                  AND NOT (domain = ANY ($3::text[]))
                  -- fenced by the run's lease: a node that lost its dialer claims nothing more
                  AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM dialers d WHERE d.id = $1 AND d.run_node = $4 AND d.run_until > now()))
                ORDER BY priority, id
                LIMIT $2
                FOR UPDATE SKIP LOCKED) c
        WHERE r.id = c.id
        RETURNING r.id, r.priority, r.list_id, r.destination, r.domain, r.message, r.attachments, r.variables, r.attempts`,
};

/**
 * Marks up to `limit` sendable rows of a dialer 'sending' (by priority, then
 * list order; rows of `blockedDomains` left for later) and returns them. The
 * caller commits this before sending any of them: a row found 'sending'
 * after a crash is one whose SMTP transaction may have been in flight.
 */
export async function claimRows(db: Queryable, dialerId: string, limit: number, blockedDomains: readonly string[] = [], node: string | null = null): Promise<ClaimedRow[]> {
  const { rows } = await db.query<{ id: string; priority: number; list_id: string; destination: string; domain: string; message: string | null; attachments: string[] | null; variables: string; attempts: number }>(
    CLAIM,
    [dialerId, limit, blockedDomains, node],
  );
  // RETURNING has no order: the claim's own (priority, then list order)
  const out = rows.map((r) => ({ id: Number(r.id), priority: r.priority, listId: Number(r.list_id), destination: r.destination, domain: r.domain, message: r.message, attachments: r.attachments, variables: r.variables, attempts: r.attempts }));
  out.sort((a, b) => a.priority - b.priority || a.id - b.id);
  return out.map(({ priority: _p, ...r }) => r);
}

/**
 * Writes a group of outcomes and the counters they move in one transaction,
 * committed without waiting for the WAL flush: an outcome lost in a database
 * crash leaves its row 'sending', which recovery reports as in flight, so
 * durability of this write is not needed for exactly-once accounting.
 */
export async function recordOutcomes(db: { tx: <T>(fn: (q: Queryable) => Promise<T>) => Promise<T> }, dialerId: string, outcomes: readonly RowOutcome[], now: Date): Promise<void> {
  if (outcomes.length === 0) return;
  const sent: number[] = [];
  const failed = { ids: [] as number[], codes: [] as Array<number | null>, replies: [] as string[] };
  const retry = { ids: [] as number[], codes: [] as Array<number | null>, replies: [] as string[], delays: [] as number[], uncertain: [] as number[], undo: [] as number[] };
  const skipped = { ids: [] as number[], replies: [] as string[] };
  const deferred = { ids: [] as number[], until: [] as Date[] };
  const perList = new Map<number, { sent: number; failed: number; retried: number; skipped: number }>();
  for (const o of outcomes) {
    let c = perList.get(o.listId);
    if (!c) perList.set(o.listId, (c = { sent: 0, failed: 0, retried: 0, skipped: 0 }));
    switch (o.kind) {
      case 'sent':
        sent.push(o.id);
        c.sent++;
        break;
      case 'failed':
        failed.ids.push(o.id);
        failed.codes.push(o.code);
        failed.replies.push(o.reply);
        c.failed++;
        break;
      case 'retry':
        retry.ids.push(o.id);
        retry.codes.push(o.code);
        retry.replies.push(o.reply);
        retry.delays.push(o.delayMs);
        retry.uncertain.push(o.uncertain ? 1 : 0);
        retry.undo.push(o.countAttempt ? 0 : 1);
        c.retried++;
        break;
      case 'skipped':
        skipped.ids.push(o.id);
        skipped.replies.push(o.reply);
        c.skipped++;
        break;
      case 'defer':
        deferred.ids.push(o.id);
        deferred.until.push(o.until);
        break;
    }
  }
  const lists = [...perList.keys()];
  await db.tx(async (q) => {
    await q.query('SET LOCAL synchronous_commit = off');
    if (sent.length > 0) {
      await q.query({ name: 'dialer_sent', text: `UPDATE dialer_rows SET state = 'sent', finished_at = $2, smtp_code = NULL, reply = NULL WHERE id = ANY ($1::bigint[])` }, [sent, now]);
    }
    if (failed.ids.length > 0) {
      await q.query(
        {
          name: 'dialer_failed',
          text: `UPDATE dialer_rows r SET state = 'failed', finished_at = $4, smtp_code = v.code, reply = v.reply
                   FROM unnest($1::bigint[], $2::smallint[], $3::text[]) AS v(id, code, reply) WHERE r.id = v.id`,
        },
        [failed.ids, failed.codes, failed.replies, now],
      );
    }
    if (retry.ids.length > 0) {
      await q.query(
        {
          name: 'dialer_retry',
          text: `UPDATE dialer_rows r SET state = 'retrying', due_at = $7::timestamptz + v.delay * interval '1 millisecond',
                        smtp_code = v.code, reply = v.reply, uncertain = r.uncertain + v.uncertain, attempts = r.attempts - v.undo
                   FROM unnest($1::bigint[], $2::smallint[], $3::text[], $4::integer[], $5::smallint[], $6::smallint[]) AS v(id, code, reply, delay, uncertain, undo)
                  WHERE r.id = v.id`,
        },
        [retry.ids, retry.codes, retry.replies, retry.delays, retry.uncertain, retry.undo, now],
      );
    }
    if (skipped.ids.length > 0) {
      await q.query(
        `UPDATE dialer_rows r SET state = 'skipped', finished_at = $3, reply = v.reply FROM unnest($1::bigint[], $2::text[]) AS v(id, reply) WHERE r.id = v.id`,
        [skipped.ids, skipped.replies, now],
      );
    }
    if (deferred.ids.length > 0) {
      await q.query(
        `UPDATE dialer_rows r SET state = CASE WHEN r.attempts > 1 THEN 'retrying' ELSE 'queued' END, due_at = v.until, attempts = r.attempts - 1
           FROM unnest($1::bigint[], $2::timestamptz[]) AS v(id, until) WHERE r.id = v.id`,
        [deferred.ids, deferred.until],
      );
    }
    await q.query(
      {
        name: 'dialer_list_counts',
        text: `UPDATE dialer_lists l SET sent = l.sent + v.sent, failed = l.failed + v.failed, retried = l.retried + v.retried, skipped = l.skipped + v.skipped
                 FROM unnest($1::bigint[], $2::integer[], $3::integer[], $4::integer[], $5::integer[]) AS v(id, sent, failed, retried, skipped) WHERE l.id = v.id`,
      },
      [
        lists,
        lists.map((l) => perList.get(l)!.sent),
        lists.map((l) => perList.get(l)!.failed),
        lists.map((l) => perList.get(l)!.retried),
        lists.map((l) => perList.get(l)!.skipped),
      ],
    );
    const minute = new Date(Math.floor(now.getTime() / 60_000) * 60_000);
    const totalSent = sent.length;
    const totalFailed = failed.ids.length;
    if (totalSent + totalFailed > 0) {
      await q.query(
        {
          name: 'dialer_minute',
          text: `INSERT INTO dialer_minutes (dialer_id, minute, sent, failed) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (dialer_id, minute) DO UPDATE SET sent = dialer_minutes.sent + EXCLUDED.sent, failed = dialer_minutes.failed + EXCLUDED.failed`,
        },
        [dialerId, minute, totalSent, totalFailed],
      );
    }
  });
}

/**
 * After a crash: rows a dead sender left 'sending' go back to the queue and
 * are counted as uncertain (their SMTP transaction may have completed, so a
 * resend may duplicate them). Returns how many; call before sending resumes.
 */
export async function recoverInFlight(db: Queryable, dialerId: string): Promise<number> {
  // the dashboard's count moves in the same statement: a run killed again before it ends must not lose it
  const { rows } = await db.query<{ n: number }>(
    `WITH r AS (UPDATE dialer_rows SET state = 'retrying', due_at = '-infinity', uncertain = uncertain + 1, attempts = greatest(attempts - 1, 0)
                 WHERE dialer_id = $1 AND state = 'sending' RETURNING 1),
          d AS (UPDATE dialers SET in_flight_recovered = in_flight_recovered + (SELECT count(*) FROM r) WHERE id = $1 AND EXISTS (SELECT 1 FROM r))
     SELECT count(*)::int AS n FROM r`,
    [dialerId],
  );
  return rows[0]!.n;
}

/** How many rows of a dialer are still to be processed (queued, retrying or in flight). */
export async function countUnprocessed(db: Queryable, dialerId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM dialer_rows WHERE dialer_id = $1 AND state IN ('queued', 'retrying', 'sending')`, [dialerId]);
  return rows[0]!.n;
}

/** When the next retrying row of a dialer falls due, or null when none waits. */
export async function nextDueAt(db: Queryable, dialerId: string): Promise<Date | null> {
  const { rows } = await db.query<{ at: Date | number | null }>(`SELECT min(due_at) AS at FROM dialer_rows WHERE dialer_id = $1 AND state IN ('queued', 'retrying')`, [dialerId]);
  const at = rows[0]!.at;
  // a never-tried row is due at '-infinity', which pg reads as the number -Infinity: due now
  return at === null ? null : at instanceof Date ? at : new Date(0);
}
