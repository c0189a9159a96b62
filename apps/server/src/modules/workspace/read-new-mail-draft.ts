import type { Queryable } from '../../platform/db/db.ts';
import { draftOf, type DraftRow } from './drafts.repo.ts';
import { writableCampaigns } from './writable-campaigns.ts';
import type { Viewer } from './workspace.repo.ts';

/** The new mail the agent is writing, if any; a campaign they may no longer write in is dropped from it, not shown. */
export async function readNewMailDraft(q: Queryable, v: Viewer): Promise<DraftRow | undefined> {
  const draft = await draftOf(q, v.userId, null);
  if (!draft) return undefined;
  const usable = draft.campaign_id !== null && (await writableCampaigns(q, v)).some((c) => c.id === draft.campaign_id);
  return { ...draft, campaign_id: usable ? draft.campaign_id : null };
}
