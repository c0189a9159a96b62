import type { MyCampaign } from '@postdesk/contracts';

/** What the desk tells an available agent about their campaigns' schedules. */
export type DeskScheduleNote =
  | { kind: 'open' }
  /** Every campaign is closed: the first to open and when (null: none of them ever opens). */
  | { kind: 'closed'; next: { name: string; at: string } | null };

/**
 * An available agent with no offers is told "new interactions will appear
 * here" only when one of their campaigns is open by its schedule; when all
 * are closed, they are told which opens first and when (pure, for a table test).
 */
export function deskScheduleNote(campaigns: readonly Pick<MyCampaign, 'name' | 'open' | 'nextOpening'>[]): DeskScheduleNote {
  if (campaigns.length === 0 || campaigns.some((c) => c.open)) return { kind: 'open' };
  let next: { name: string; at: string } | null = null;
  for (const c of campaigns) {
    if (c.nextOpening && (!next || Date.parse(c.nextOpening) < Date.parse(next.at))) next = { name: c.name, at: c.nextOpening };
  }
  return { kind: 'closed', next };
}
