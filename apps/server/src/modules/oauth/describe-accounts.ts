import type { OAuthAccount } from '@postdesk/contracts';
import type { Queryable } from '../../platform/db/db.ts';
import { presentAccount } from './oauth.presenter.ts';
import { accountSummaries } from './oauth.repo.ts';

/** The signed-in accounts with these ids, as the campaign and mailbox screens show them (never a token). */
export async function describeAccounts(q: Queryable, ids: ReadonlyArray<string | null>): Promise<Map<string, OAuthAccount>> {
  const wanted = [...new Set(ids.filter((i): i is string => !!i))];
  return new Map((await accountSummaries(q, wanted)).map((a) => [a.id, presentAccount(a)]));
}
