import { templateVariables } from '@postdesk/mailkit/template';
import type { CannedRow, TemplateRow } from './templates.repo.ts';

/** A template as the API shows it, with the fields its HTML uses. */
export const presentTemplate = (t: TemplateRow) => ({
  id: t.id,
  name: t.name,
  campaignId: t.campaign_id,
  html: t.html,
  variables: templateVariables(t.html),
  updatedAt: t.updated_at.toISOString(),
});

/** A canned answer as the API shows it. */
export const presentCanned = (a: CannedRow) => ({ id: a.id, name: a.name, text: a.text, campaignId: a.campaign_id });
