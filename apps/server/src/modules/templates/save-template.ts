import type { RenderPool } from '@postdesk/mailkit/render';
import type { Queryable } from '../../platform/db/db.ts';
import { isUniqueViolation } from '../../platform/db/db.ts';
import { nameTaken, notFound } from '../../platform/http/errors.ts';
import { sanitizeSubmittedHtml } from '../../platform/http/user-html.ts';
import { checkCampaignScope } from './campaign-scope.ts';
import { insertTemplate, updateTemplate, type TemplateRow, type Viewer } from './templates.repo.ts';

/**
 * Adds a template (id null) or overwrites one. Its HTML is stored
 * sanitised (on a render thread; nested past the limit it is a 400 on
 * `html`); its campaign must be one the admin may see; names are unique per
 * campaign (a taken one is a 409 naming the field).
 */
export async function saveTemplate(
  q: Queryable,
  render: Pick<RenderPool, 'sanitizeUserHtml'>,
  v: Viewer,
  id: string | null,
  t: { name: string; campaignId: string | null; html: string },
): Promise<TemplateRow> {
  await checkCampaignScope(q, v, t.campaignId, 'write');
  const row = { ...t, html: await sanitizeSubmittedHtml(render, 'html', t.html) };
  try {
    if (id === null) return await insertTemplate(q, row);
    const saved = await updateTemplate(q, id, row);
    if (!saved) throw notFound('template');
    return saved;
  } catch (err) {
    if (isUniqueViolation(err, 'templates_name_key')) throw nameTaken(t.name);
    throw err;
  }
}
