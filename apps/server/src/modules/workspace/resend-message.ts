import type { Db } from '../../platform/db/db.ts';
import { retryMessage } from '../outbound/index.ts';
import { visibleMessage, type Viewer } from './workspace.repo.ts';

/** An agent sends a failed message of an interaction they may see again (see retryMessage). */
export async function resendMessage(db: Db, v: Viewer, messageId: number): Promise<void> {
  const m = await visibleMessage(db, v, messageId);
  await retryMessage(db, { id: m.id, campaignId: m.campaign_id });
}
