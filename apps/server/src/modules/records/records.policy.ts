import type { Principal } from '../auth/index.ts';
import type { Deps } from '../../deps.ts';
import type { CampaignScope } from './records.repo.ts';

/**
 * The campaigns a user may read in records (list, search, viewer, export,
 * delete). The one place every records query takes its scope from, so that
 * campaign-scoped supervisors change this function and nothing else.
 * Admins and (until supervisors are scoped) supervisors: every campaign.
 */
export async function visibleCampaignIds(_deps: Pick<Deps, 'db'>, user: Pick<Principal, 'userId' | 'role'>): Promise<CampaignScope> {
  if (user.role === 'admin' || user.role === 'supervisor') return { all: true };
  return { all: false, ids: [] };
}

/** True when the scope includes the campaign. */
export const inScope = (scope: CampaignScope, campaignId: string | null): boolean =>
  campaignId !== null && (scope.all || scope.ids.includes(campaignId));
