import type { ListReport } from '@postdesk/contracts';
import type { Db } from '../../platform/db/db.ts';
import { emitEvent } from '../../platform/events/events.ts';
import { notFound } from '../../platform/http/errors.ts';
import { requiredVariables } from './dialer-variables.ts';
import { attachmentTokens, findDialer, templateOfCampaign, wakeDialer } from './dialers.repo.ts';
import { importList } from './import-list.ts';

/**
 * Checks an uploaded CSV as a whole against the dialer (its campaign's
 * name, the variables its template, subject and invitation use, the
 * campaign's attachment tokens) and imports it whole or not at all. A
 * running dialer picks the new rows up at once.
 */
export async function uploadList(deps: { db: Db }, dialerId: string, name: string, source: AsyncIterable<Buffer | string>): Promise<ListReport> {
  const d = await findDialer(deps.db, dialerId);
  if (!d) throw notFound('dialer');
  const html = d.template_id === null ? null : ((await templateOfCampaign(deps.db, d.template_id, d.campaign_id)) ?? null);
  const tokens = await attachmentTokens(deps.db, d.campaign_id);
  const { report, listId } = await importList(deps, {
    dialerId,
    name,
    source,
    rules: { campaign: d.campaign_name, requiredFields: requiredVariables(html, d.subject, d.invite), isKnownAttachment: (t) => tokens.has(t) },
  });
  if (listId !== null) {
    await wakeDialer(deps.db, dialerId);
    await emitEvent(deps.db, { type: 'dialer.changed', dialerId, wake: true });
  }
  return {
    ok: report.ok,
    rows: report.rows,
    problems: report.problems.map((p) => ({ line: p.line, column: p.column ?? null, field: p.field ?? null, code: p.code, message: p.message })),
    moreProblems: report.moreProblems,
    complete: report.complete,
    listId,
  };
}
