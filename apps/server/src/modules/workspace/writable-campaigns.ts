import type { Queryable } from '../../platform/db/db.ts';
import { listCampaigns, type CampaignRow } from '../campaigns/index.ts';
import { isOpen, nextOpening } from '../routing/index.ts';
import type { Viewer } from './workspace.repo.ts';

/** The campaigns the viewer may start a new mail in: theirs (every one for staff), enabled. */
export async function writableCampaigns(q: Queryable, v: Viewer): Promise<CampaignRow[]> {
  return (await listCampaigns(q, v)).filter((c) => c.enabled);
}

/** A campaign's schedule as the desk tells it: open now, or when it opens next (null: never), so agents know why nothing arrives. */
export function scheduleState(c: Pick<CampaignRow, 'schedule' | 'timezone'>, now: Date): { open: boolean; nextOpening: string | null } {
  const open = isOpen(c.schedule, c.timezone, now);
  return { open, nextOpening: (open ? now : nextOpening(c.schedule, c.timezone, now))?.toISOString() ?? null };
}
