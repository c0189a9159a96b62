import type { Queryable } from '../../platform/db/db.ts';
import { insertNote } from '../interactions/index.ts';
import { visibleInteraction, type Viewer } from './workspace.repo.ts';

/** Adds an internal note to an interaction the viewer may see (customers never see notes). */
export async function addNote(q: Queryable, v: Viewer, interactionId: number, text: string): Promise<{ id: number; createdAt: Date }> {
  const it = await visibleInteraction(q, v, interactionId);
  return insertNote(q, it.id, v.userId, text);
}
