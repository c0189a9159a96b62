import { bounceSeverity, feedbackType } from '@postdesk/mailkit/classify';
import { verifyRecipientMessageId } from '@postdesk/mailkit/bulk';
import type { ParsedMessage } from '@postdesk/mailkit/parse';
import type { Queryable } from '../../platform/db/db.ts';
import { emitEvent } from '../../platform/events/events.ts';
import { blacklistKey } from './blacklist-key.ts';
import { blacklistAddress, insertDialerReply, markReported } from './dialers.repo.ts';

// Mail that comes back about dialer mail, found by our HMAC Message-ID
// (pdd.<row>.<mac>@domain) in what inbound classification extracted:
// bounces and feedback reports move the row's rejected / spam counters and
// blacklist the address; replies are linked to the row they answer. Called
// by ingestion inside its commit transaction, so a message replayed after a
// crash counts nothing twice (each row counts once per kind).

/** The dialer rows these Message-IDs name (ours and untampered only), at most a few. */
export function dialerRowsNamed(ids: readonly string[], secret: Buffer): string[] {
  const rows = new Set<string>();
  for (const id of ids) {
    const row = verifyRecipientMessageId(id, secret);
    if (row) rows.add(row);
    if (rows.size >= 5) break;
  }
  return [...rows];
}

/** What a report did to the dialer rows it names. */
export interface DialerReportOutcome {
  rows: number;
  blacklisted: number;
}

/**
 * A bounce or feedback report about dialer mail: a failed delivery counts
 * the row rejected (a hard bounce, 5.x.x, also blacklists its address; a
 * soft one, 4.x.x, does not; a delay warning counts nothing); a complaint
 * (ARF, any Feedback-Type but not-spam) counts it spam and blacklists.
 */
export async function recordDialerReport(
  q: Queryable,
  secret: Buffer,
  campaignId: string,
  kind: 'bounce' | 'feedback',
  originalIds: readonly string[],
  parsed: ParsedMessage,
): Promise<DialerReportOutcome> {
  const rows = dialerRowsNamed(originalIds, secret);
  const outcome = { rows: 0, blacklisted: 0 };
  if (rows.length === 0) return outcome;
  const severity = kind === 'bounce' ? bounceSeverity(parsed) : null;
  if (severity === 'delay' || (kind === 'feedback' && feedbackType(parsed) === 'not-spam')) return outcome;
  const dialers = new Set<string>();
  for (const rowId of rows) {
    const hit = await markReported(q, rowId, campaignId, kind === 'bounce' ? 'rejected' : 'spam');
    if (!hit) continue;
    outcome.rows++;
    dialers.add(hit.dialer_id);
    if (kind === 'feedback' || severity === 'hard') {
      await blacklistAddress(q, blacklistKey(hit.destination), kind === 'bounce' ? 'bounce' : 'spam', hit.dialer_id);
      outcome.blacklisted++;
    }
  }
  for (const dialerId of dialers) await emitEvent(q, { type: 'dialer.changed', dialerId });
  return outcome;
}

/** A reply to dialer mail (In-Reply-To / References naming a row of the campaign's dialers): linked to the first row it names. */
export async function recordDialerReply(q: Queryable, secret: Buffer, campaignId: string, parsed: ParsedMessage, messageId: number, interactionId: number): Promise<boolean> {
  for (const rowId of dialerRowsNamed([...parsed.inReplyTo, ...[...parsed.references].reverse()], secret)) {
    const dialerId = await insertDialerReply(q, rowId, campaignId, messageId, interactionId);
    if (dialerId) {
      await emitEvent(q, { type: 'dialer.changed', dialerId });
      return true;
    }
  }
  return false;
}
