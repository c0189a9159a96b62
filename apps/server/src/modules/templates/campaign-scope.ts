import type { Queryable } from '../../platform/db/db.ts';
import { invalid, notFound } from '../../platform/http/errors.ts';
import { canSeeCampaign } from '../campaigns/index.ts';
import type { Viewer } from './templates.repo.ts';

/**
 * Templates and canned answers are global (no campaign) or bound to one the
 * viewer may see. A reader naming another gets the same 404 as for anything
 * they may not see; a writer gets a field error.
 */
export async function checkCampaignScope(q: Queryable, v: Viewer, campaignId: string | null | undefined, use: 'read' | 'write'): Promise<void> {
  if (!campaignId || (await canSeeCampaign(q, v, campaignId))) return;
  if (use === 'read') throw notFound('campaign');
  throw invalid('campaignId', 'no such campaign');
}
