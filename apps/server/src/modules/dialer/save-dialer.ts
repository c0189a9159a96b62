import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { dialerInputSchema } from '@postdesk/contracts';
import type { Db } from '../../platform/db/db.ts';
import { isUniqueViolation } from '../../platform/db/db.ts';
import { AppError, invalid, notFound } from '../../platform/http/errors.ts';
import { findCampaignRow } from '../campaigns/index.ts';
import { inviteField } from './dialer-variables.ts';
import { findDialer, insertDialer, templateOfCampaign, updateDialer, type DialerRow } from './dialers.repo.ts';

/** A dialer's configuration after the contract's checks. */
export type DialerInputParsed = z.output<typeof dialerInputSchema>;

/**
 * Creates (id null) or rewrites a dialer. The campaign must exist and the
 * template must be the campaign's own or a global one: a dialer sends only
 * through its campaign's SMTP account, with a template that campaign may use.
 */
export async function saveDialer(db: Db, id: string | null, input: DialerInputParsed): Promise<DialerRow> {
  if (!(await findCampaignRow(db, input.campaignId))) throw invalid('campaignId', 'no such campaign');
  if (input.templateId === null) throw invalid('templateId', 'required: the message every row without its own is made from');
  if ((await templateOfCampaign(db, input.templateId, input.campaignId)) === undefined) throw invalid('templateId', "not one of the campaign's templates");
  if (input.invite && (inviteField(input.invite.start) === null) !== (inviteField(input.invite.end) === null)) {
    throw invalid('invite.end', 'the start and end are both fixed times, or both ${variables}');
  }
  const write = { ...input, templateId: input.templateId };
  const dialerId = id ?? randomUUID();
  try {
    if (id === null) await insertDialer(db, dialerId, write);
    else if (!(await updateDialer(db, id, write))) throw notFound('dialer');
  } catch (err) {
    if (isUniqueViolation(err, 'dialers_name')) throw new AppError('conflict', `a dialer named "${input.name}" exists`, [{ path: 'name', message: 'already used' }]);
    throw err;
  }
  return (await findDialer(db, dialerId))!;
}
