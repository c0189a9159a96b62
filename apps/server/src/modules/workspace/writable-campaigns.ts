import type { Queryable } from '../../platform/db/db.ts';
import { listCampaigns, type CampaignRow } from '../campaigns/index.ts';
import type { Viewer } from './workspace.repo.ts';

/** The campaigns the viewer may start a new mail in: theirs (every one for staff), enabled. */
export async function writableCampaigns(q: Queryable, v: Viewer): Promise<CampaignRow[]> {
  return (await listCampaigns(q, v)).filter((c) => c.enabled);
}
