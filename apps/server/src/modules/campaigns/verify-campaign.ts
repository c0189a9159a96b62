import type { CheckResult } from '@postdesk/mailkit/verify';
import type { Deps } from '../../deps.ts';
import { notFound } from '../../platform/http/errors.ts';
import { resumeSending } from '../outbound/index.ts';
import { findCampaign, listConnections, saveConnections, type ConnectionRow } from './campaigns.repo.ts';
import type { CampaignInputT } from './campaigns.schema.ts';
import { checkToken, connectionTarget, inputFromRow, resolvePasswords } from './connection-settings.ts';
import { runChecks } from './run-checks.ts';

/** "Verify now": logs in with the stored settings and records the result on the campaign. */
export async function verifyStoredCampaign(deps: Deps, actorId: string, id: string): Promise<ConnectionRow[]> {
  const c = await findCampaign(deps.db, id, { userId: actorId, all: true });
  if (!c) throw notFound('campaign');
  const input = inputFromRow(c);
  const pw = resolvePasswords(deps, input, c);
  const results = await runChecks(deps, connectionTarget(input, pw, await checkToken(deps, input)));
  await deps.db.tx(async (q) => {
    await saveConnections(q, id, results, deps.now());
    // the login works again: the messages the outbox held back go now
    if (results.some((r) => r.protocol === 'smtp' && r.ok)) await resumeSending(q, id);
  });
  deps.log.info({ campaignId: id, by: actorId, ok: results.every((r) => r.ok) }, 'campaign.verified');
  return listConnections(deps.db, [id]);
}

/** "Test connection" in the form: checks unsaved settings (reusing stored passwords of campaign id) without storing anything. */
export async function verifyUnsavedCampaign(deps: Deps, actorId: string, input: CampaignInputT, id?: string): Promise<CheckResult[]> {
  const existing = id ? await findCampaign(deps.db, id, { userId: actorId, all: true }) : null;
  if (id && !existing) throw notFound('campaign');
  const pw = resolvePasswords(deps, input, existing);
  return runChecks(deps, connectionTarget(input, pw, await checkToken(deps, input)));
}
