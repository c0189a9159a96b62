import type { Queryable } from '../../platform/db/db.ts';
import { transferAgents, transferCampaigns } from '../routing/index.ts';
import { visibleInteraction, type Viewer } from './workspace.repo.ts';

/** Where the interaction may be transferred: the campaign's other members with their presence, and the other campaigns, as the campaign allows. */
export async function transferTargets(
  q: Queryable,
  v: Viewer,
  id: number,
): Promise<{ agents: Array<{ userId: string; displayName: string; state: string }>; campaigns: Array<{ id: string; key: string; name: string }> }> {
  const it = await visibleInteraction(q, v, id);
  const [agents, campaigns] = await Promise.all([
    it.transfer_to_agent ? transferAgents(q, it.campaign_id, it.assigned_to) : [],
    it.transfer_to_queue ? transferCampaigns(q, it.campaign_id) : [],
  ]);
  return { agents, campaigns };
}
