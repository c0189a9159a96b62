import type { Dialer, DialerCounters, DialerListItem } from '@postdesk/contracts';
import type { DialerRow, ListCountsRow } from './dialers.repo.ts';

/** A stored dialer as the API answers it; the required variables come from its template (read by the caller). */
export function presentDialer(d: DialerRow, requiredVariables: readonly string[]): Dialer {
  return {
    id: d.id,
    name: d.name,
    campaignId: d.campaign_id,
    campaignName: d.campaign_name,
    templateId: d.template_id,
    subject: d.subject,
    intervalMs: d.interval_ms,
    maxPerSecond: d.max_per_second,
    domainLimits: d.domain_limits,
    defaultDomainPerMinute: d.default_domain_per_minute,
    schedule: d.schedule,
    timezone: d.timezone,
    invite: d.invite,
    enabled: d.enabled,
    state: d.state,
    requiredVariables: [...requiredVariables],
    updatedAt: d.updated_at.toISOString(),
  };
}

/** A list's counters: processed is every row that reached an end (sent, failed, skipped, deleted). */
export function presentCounters(l: Omit<ListCountsRow, 'id' | 'name' | 'created_at'>): DialerCounters {
  const processed = l.sent + l.failed + l.skipped + l.deleted;
  return {
    total: l.rows_total,
    processed,
    notProcessed: Math.max(0, l.rows_total - processed),
    sent: l.sent,
    failed: l.failed,
    retried: l.retried,
    skipped: l.skipped,
    deleted: l.deleted,
    seen: l.seen,
    rejected: l.rejected,
    spam: l.spam,
    unsubscribed: l.unsubscribed,
    replied: l.replied,
  };
}

/** One list with its counters. */
export function presentList(l: ListCountsRow): DialerListItem {
  return { id: l.id, name: l.name, createdAt: l.created_at.toISOString(), ...presentCounters(l) };
}

/** The sum of a dialer's lists. */
export function sumCounters(lists: readonly ListCountsRow[]): DialerCounters {
  const zero = { rows_total: 0, sent: 0, failed: 0, retried: 0, skipped: 0, deleted: 0, seen: 0, rejected: 0, spam: 0, unsubscribed: 0, replied: 0 };
  for (const l of lists) for (const k of Object.keys(zero) as Array<keyof typeof zero>) zero[k] += l[k];
  return presentCounters(zero);
}
