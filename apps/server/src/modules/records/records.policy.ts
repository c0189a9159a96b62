import { campaignScope, type Principal } from '../auth/index.ts';
import { listCampaigns } from '../campaigns/index.ts';
import type { Deps } from '../../deps.ts';
import type { CampaignScope } from './records.repo.ts';

/**
 * The campaigns a user may read in records (list, search, viewer, export,
 * delete): the same rule as every supervisor route (`campaignScope`) —
 * admins every campaign, supervisors the campaigns an admin assigned them,
 * anyone else none (the routes admit only admins and supervisors).
 */
export async function visibleCampaignIds(deps: Pick<Deps, 'db'>, user: Pick<Principal, 'userId' | 'role'>): Promise<CampaignScope> {
  if (user.role !== 'admin' && user.role !== 'supervisor') return { all: false, ids: [] };
  const scope = campaignScope(user);
  if (scope.all) return { all: true };
  return { all: false, ids: (await listCampaigns(deps.db, scope)).map((c) => c.id) };
}

/** True when the scope includes the campaign. */
export const inScope = (scope: CampaignScope, campaignId: string | null): boolean =>
  campaignId !== null && (scope.all || scope.ids.includes(campaignId));
