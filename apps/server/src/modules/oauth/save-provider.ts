import { randomUUID } from 'node:crypto';
import type { OAuthProviderInput } from '@postdesk/contracts';
import type { Db } from '../../platform/db/db.ts';
import { isUniqueViolation } from '../../platform/db/db.ts';
import { AppError, invalid, notFound } from '../../platform/http/errors.ts';
import type { Logger } from '../../platform/log/logger.ts';
import type { SecretBox } from '../../platform/secrets/secret-box.ts';
import type { ProviderConfig } from './oauth-runtime.ts';
import { deleteProvider, findProvider, insertProvider, updateProvider, type ProviderRow } from './oauth.repo.ts';
import { PROVIDER_KINDS } from './provider-kinds.ts';

/** The AAD a provider's client secret is sealed under: a copy moved to another row does not open. */
export const providerSealContext = (id: string): string => `oauth-provider:${id}`;

/** What saving a provider needs. */
export interface ProviderDeps {
  db: Db;
  secrets: SecretBox;
  log: Logger;
}

/**
 * Creates or updates a provider. The client secret is write-only: sealed
 * with the master key at once, never returned; omitted on update keeps the
 * stored one. Microsoft's issuer is built from the tenant, Google's is fixed.
 */
export async function saveProvider(deps: ProviderDeps, input: OAuthProviderInput & { kind: ProviderRow['kind'] }, id?: string): Promise<ProviderRow> {
  const existing = id ? await findProvider(deps.db, id) : null;
  if (id && !existing) throw notFound('provider');
  const providerId = id ?? randomUUID();
  const secret = input.clientSecret ?? '';
  if (!existing && secret === '') throw invalid('clientSecret', 'required');
  const tenant = input.kind === 'microsoft' ? input.tenant?.trim() || 'organizations' : null;
  const issuer = PROVIDER_KINDS[input.kind].issuer({ issuer: input.issuer ?? '', tenant });
  const scopes = (input.scopes ?? '').trim().replace(/\s+/g, ' ') || PROVIDER_KINDS[input.kind].defaultScopes;
  if (!scopes.split(' ').includes('openid')) throw invalid('scopes', 'must include openid: the signed-in address comes from the ID token');
  const values = {
    kind: input.kind,
    name: input.name,
    issuer,
    tenant,
    clientId: input.clientId,
    clientSecretSealed: secret !== '' ? deps.secrets.seal(secret, providerSealContext(providerId)) : existing!.client_secret_sealed,
    scopes,
  };
  try {
    await deps.db.tx(async (q) => {
      if (existing) await updateProvider(q, providerId, values);
      else await insertProvider(q, providerId, values);
    });
  } catch (err) {
    if (isUniqueViolation(err, 'oauth_providers_name_idx')) throw new AppError('conflict', `a provider named "${input.name}" exists`, [{ path: 'name', message: 'already used' }]);
    throw err;
  }
  deps.log.info({ providerId, kind: input.kind, secretChanged: secret !== '' }, existing ? 'oauth.provider_updated' : 'oauth.provider_created');
  const saved = await findProvider(deps.db, providerId);
  if (!saved) throw notFound('provider');
  return saved;
}

/** Deletes a provider no campaign signs in with. */
export async function removeProvider(deps: ProviderDeps, id: string): Promise<void> {
  const existing = await findProvider(deps.db, id);
  if (!existing) throw notFound('provider');
  const ok = await deps.db.tx((q) => deleteProvider(q, id));
  if (!ok) throw new AppError('conflict', 'campaigns sign in with this provider: connect them otherwise first', [{ path: 'id', message: 'in use' }]);
}

/** A provider with its secret opened, for the protocol client; throws when the secret was sealed under another master key. */
export function providerConfig(row: ProviderRow, secrets: SecretBox): ProviderConfig {
  return {
    id: row.id,
    kind: row.kind,
    issuer: row.issuer,
    clientId: row.client_id,
    clientSecret: secrets.open(row.client_secret_sealed, providerSealContext(row.id)),
    scopes: row.scopes,
    version: row.updated_at.toISOString(),
  };
}
