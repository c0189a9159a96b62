import { recordSearchSchema, type RecordItem, type SavedSearch } from '@postdesk/contracts';
import type { RecordRow, SavedSearchRow } from './records.repo.ts';

/** One interaction as the list shows it. */
export const presentRecord = (r: RecordRow): RecordItem => ({
  id: r.id,
  campaignId: r.campaign_id,
  campaignKey: r.campaign_key,
  campaignName: r.campaign_name,
  customerAddress: r.customer_address,
  customerName: r.customer_name,
  subject: r.subject,
  status: r.status,
  unread: r.unread,
  agentName: r.agent_name,
  disposition: r.disposition,
  createdAt: r.created_at.toISOString(),
  lastMessageAt: r.last_message_at.toISOString(),
  closedAt: r.closed_at ? r.closed_at.toISOString() : null,
  messages: r.messages,
});

/** A saved search; what was stored is read back through the contract (a stored search from an older version still parses or falls back to empty). */
export const presentSaved = (r: SavedSearchRow): SavedSearch => {
  const parsed = recordSearchSchema.safeParse(r.search);
  return { id: r.id, name: r.name, search: parsed.success ? parsed.data : { filters: {}, conditions: [], match: 'all' }, createdAt: r.created_at.toISOString() };
};
