import type { Queryable } from '../../platform/db/db.ts';
import { notFound } from '../../platform/http/errors.ts';
import { deleteDraft, upsertDraft, type DraftContent } from './drafts.repo.ts';
import { writableCampaigns } from './writable-campaigns.ts';
import { visibleInteraction, type Viewer } from './workspace.repo.ts';

/** Which draft: the agent's answer in an interaction, or their new mail (one per agent, in a campaign they may write in, or none chosen yet). */
export type DraftPlace = { interactionId: number } | { newMailIn: string | null };

/**
 * Saves over the agent's draft as they type, or discards it (content null).
 * An answer's draft needs the interaction visible to them; a new mail's
 * campaign must be one they may write in (else "not found").
 */
export async function saveDraft(q: Queryable, v: Viewer, at: DraftPlace, content: DraftContent | null): Promise<void> {
  if ('interactionId' in at) {
    const it = await visibleInteraction(q, v, at.interactionId);
    if (content === null) await deleteDraft(q, v.userId, it.id);
    else await upsertDraft(q, v.userId, { campaignId: it.campaign_id, interactionId: it.id }, content);
    return;
  }
  if (content === null) {
    await deleteDraft(q, v.userId, null);
    return;
  }
  const campaignId = at.newMailIn;
  if (campaignId !== null && !(await writableCampaigns(q, v)).some((c) => c.id === campaignId)) throw notFound('campaign');
  await upsertDraft(q, v.userId, { campaignId, interactionId: null }, content);
}
