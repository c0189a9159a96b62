import { randomUUID } from 'node:crypto';
import type { Deps } from '../../deps.ts';
import { isUniqueViolation } from '../../platform/db/db.ts';
import { emitEvent } from '../../platform/events/events.ts';
import { AppError, notFound, type ErrorDetail } from '../../platform/http/errors.ts';
import { resumeSending } from '../outbound/index.ts';
import {
  actionChangedFromNow,
  campaignValues,
  ensureContactList,
  findCampaign,
  insertCampaign,
  saveConnections,
  templatesUsableBy,
  resetMailboxSync,
  updateCampaign,
  type CampaignRow,
} from './campaigns.repo.ts';
import type { CampaignInputT } from './campaigns.schema.ts';
import { checkToken, connectionChanged, connectionTarget, resolvePasswords, sealContext } from './connection-settings.ts';
import { runChecks } from './run-checks.ts';

const staff = (userId: string) => ({ userId, all: true });

/**
 * Creates or updates a campaign. When anything that reaches the mail servers
 * changed, it logs in to them first and refuses the save if a login fails,
 * naming the protocol and the cause; nothing is stored then.
 */
export async function saveCampaign(
  deps: Deps,
  actorId: string,
  input: CampaignInputT,
  id?: string,
): Promise<CampaignRow> {
  const existing = id ? await findCampaign(deps.db, id, staff(actorId)) : null;
  if (id && !existing) throw notFound('campaign');
  const campaignId = id ?? randomUUID();

  const templateIds = [input.signatureTemplateId, input.confirmation.templateId, input.outOfHours.templateId].filter((t): t is string => !!t);
  const usable = await templatesUsableBy(deps.db, id ?? null, templateIds);
  const bad: ErrorDetail[] = [];
  if (input.signatureTemplateId && !usable.has(input.signatureTemplateId)) bad.push({ path: 'signatureTemplateId', message: 'no such template for this campaign' });
  if (input.confirmation.templateId && !usable.has(input.confirmation.templateId)) bad.push({ path: 'confirmation.templateId', message: 'no such template for this campaign' });
  if (input.outOfHours.templateId && !usable.has(input.outOfHours.templateId)) bad.push({ path: 'outOfHours.templateId', message: 'no such template for this campaign' });
  if (bad.length) throw new AppError('validation_failed', bad.map((b) => `${b.path}: ${b.message}`).join('; '), bad);

  const pw = resolvePasswords(deps, input, existing);
  const mustCheck = connectionChanged(input, existing, pw);
  const results = mustCheck ? await runChecks(deps, connectionTarget(input, pw, await checkToken(deps, input))) : [];
  const failed = results.filter((r) => !r.ok);
  if (failed.length) {
    throw new AppError(
      'connection_failed',
      failed.map((f) => f.message ?? `${f.protocol.toUpperCase()}: failed`).join('; '),
      failed.map((f) => ({ path: f.protocol, message: f.message ?? 'failed' })),
    );
  }

  const inboundSealed =
    pw.inbound === null ? null : pw.inboundChanged || !existing ? deps.secrets.seal(pw.inbound, sealContext(campaignId, 'inbound')) : existing.inbound_password_sealed;
  const smtpSealed =
    pw.smtp === null ? null : pw.smtpChanged || !existing ? deps.secrets.seal(pw.smtp, sealContext(campaignId, 'smtp')) : existing.smtp_password_sealed;

  try {
    await deps.db.tx(async (q) => {
      const defaultListId = input.defaultListName ? await ensureContactList(q, input.defaultListName) : null;
      const values = campaignValues(input, { defaultListId, inboundSealed, smtpSealed });
      if (existing) await updateCampaign(q, campaignId, values);
      else await insertCampaign(q, campaignId, values);
      if (mustCheck) await saveConnections(q, campaignId, results, deps.now());
      if (existing && (existing.fetched_mail_action !== input.queue.fetchedMailAction || existing.move_to_folder !== input.queue.moveToFolder)) {
        await actionChangedFromNow(q, campaignId);
      }
      if (existing && mustCheck) {
        // the new settings logged in (a failed check refuses the save): what the outbox held back goes now
        await resumeSending(q, campaignId);
        await resetMailboxSync(q, campaignId, inboundMoved(existing, input));
      }
      // sync nodes pick the change up at once instead of at their next lease renewal
      await emitEvent(q, { type: 'campaign.changed', campaignId });
    });
  } catch (err) {
    if (isUniqueViolation(err, 'campaigns_name_key')) throw new AppError('conflict', `a campaign named "${input.name}" exists`, [{ path: 'name', message: 'already used' }]);
    if (isUniqueViolation(err, 'campaigns_oauth_account_id_key')) throw new AppError('conflict', 'another campaign signs in with this account: sign in again for this one', [{ path: 'oauthAccountId', message: 'already used' }]);
    if (isUniqueViolation(err, 'campaigns_key_key')) throw new AppError('conflict', `the key "${input.key}" is used by another campaign`, [{ path: 'key', message: 'already used' }]);
    throw err;
  }
  deps.log.info({ campaignId, by: actorId, checked: results.map((r) => r.protocol) }, existing ? 'campaign.updated' : 'campaign.created');
  const saved = await findCampaign(deps.db, campaignId, staff(actorId));
  if (!saved) throw notFound('campaign');
  return saved;
}

// Another server, account or folder: UIDs saved for the old one mean nothing there.
function inboundMoved(existing: CampaignRow, input: CampaignInputT): boolean {
  const i = input.inbound;
  return (
    existing.inbound_protocol !== i.protocol ||
    existing.inbound_host.toLowerCase() !== i.host.toLowerCase() ||
    existing.inbound_port !== i.port ||
    existing.inbound_username !== i.username ||
    (i.protocol === 'imap' && existing.inbound_mailbox !== i.mailbox)
  );
}
