import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { campaignListSchema, noContentSchema, presetListSchema } from '@postdesk/contracts';
import type { Deps } from '../../deps.ts';
import { notFound } from '../../platform/http/errors.ts';
import { principalOf, requireRole, requireUser, seesAllCampaigns } from '../auth/index.ts';
import { describeAccounts } from '../oauth/index.ts';
import { uuidParamsSchema as IdParams } from '@postdesk/contracts';
import { findCampaign, listCampaigns, listConnections, softDeleteCampaign } from './campaigns.repo.ts';
import { presentCampaign, presentConnection } from './campaigns.presenter.ts';
import { CampaignInput, CampaignOut, ConnectionsOut, VerifyBody } from './campaigns.schema.ts';
import { servicePresets } from './presets.ts';
import { saveCampaign } from './save-campaign.ts';
import { verifyStoredCampaign, verifyUnsavedCampaign } from './verify-campaign.ts';

/** Campaign configuration; connection checks are admin-only, rate-limited per user and time-bounded by the checker. */
export const campaignsRoutes = (deps: Deps): FastifyPluginAsyncZod => async (app) => {
  const tags = ['campaigns'];
  const admin = requireRole('admin');
  // Every save that reaches a mail server counts against this budget.
  const checkLimit = {
    rateLimit: {
      max: 30,
      timeWindow: 60_000,
      keyGenerator: (req: FastifyRequest) => `check|${req.principal?.userId ?? req.ip}`,
    },
  };
  const viewer = (req: FastifyRequest) => {
    const p = principalOf(req);
    return { userId: p.userId, all: seesAllCampaigns(p), admin: p.role === 'admin' };
  };

  app.get('/api/campaign-presets', { onRequest: admin, schema: { tags, response: { 200: presetListSchema } } }, async () => ({
    items: [...servicePresets],
  }));

  app.get('/api/campaigns', { onRequest: requireUser, schema: { tags, response: { 200: campaignListSchema } } }, async (req) => {
    const v = viewer(req);
    const rows = await listCampaigns(deps.db, v);
    const connections = v.admin ? await listConnections(deps.db, rows.map((r) => r.id)) : [];
    const oauth = v.admin ? await describeAccounts(deps.db, rows.map((r) => r.oauth_account_id)) : undefined;
    return { items: rows.map((r) => presentCampaign(r, { admin: v.admin, connections, ...(oauth ? { oauth } : {}) })) };
  });

  app.get('/api/campaigns/:id', { onRequest: requireUser, schema: { tags, params: IdParams, response: { 200: CampaignOut } } }, async (req) => {
    const v = viewer(req);
    const row = await findCampaign(deps.db, req.params.id, v);
    if (!row) throw notFound('campaign');
    if (!v.admin) return presentCampaign(row, { admin: false });
    return presentCampaign(row, { admin: true, connections: await listConnections(deps.db, [row.id]), oauth: await describeAccounts(deps.db, [row.oauth_account_id]) });
  });

  app.post(
    '/api/campaigns',
    { onRequest: admin, config: checkLimit, schema: { tags, body: CampaignInput, response: { 201: CampaignOut } } },
    async (req, reply) => {
      const row = await saveCampaign(deps, principalOf(req).userId, req.body);
      return reply.status(201).send(presentCampaign(row, { admin: true, connections: await listConnections(deps.db, [row.id]), oauth: await describeAccounts(deps.db, [row.oauth_account_id]) }));
    },
  );

  app.put(
    '/api/campaigns/:id',
    { onRequest: admin, config: checkLimit, schema: { tags, params: IdParams, body: CampaignInput, response: { 200: CampaignOut } } },
    async (req) => {
      const row = await saveCampaign(deps, principalOf(req).userId, req.body, req.params.id);
      return presentCampaign(row, { admin: true, connections: await listConnections(deps.db, [row.id]), oauth: await describeAccounts(deps.db, [row.oauth_account_id]) });
    },
  );

  app.delete('/api/campaigns/:id', { onRequest: admin, schema: { tags, params: IdParams, response: { 204: noContentSchema } } }, async (req, reply) => {
    if (!(await softDeleteCampaign(deps.db, req.params.id))) throw notFound('campaign');
    deps.log.info({ campaignId: req.params.id, by: principalOf(req).userId }, 'campaign.deleted');
    return reply.status(204).send(null);
  });

  app.post(
    '/api/campaigns/:id/verify',
    { onRequest: admin, config: checkLimit, schema: { tags, params: IdParams, response: { 200: ConnectionsOut } } },
    async (req) => {
      const rows = await verifyStoredCampaign(deps, principalOf(req).userId, req.params.id);
      return { connections: rows.map(presentConnection) };
    },
  );

  app.post(
    '/api/campaigns/verify',
    { onRequest: admin, config: checkLimit, schema: { tags, body: VerifyBody, response: { 200: ConnectionsOut } } },
    async (req) => {
      const { id, ...campaign } = req.body;
      const results = await verifyUnsavedCampaign(deps, principalOf(req).userId, campaign, id);
      const checkedAt = deps.now().toISOString();
      return {
        connections: results.map((r) => ({ protocol: r.protocol, ok: r.ok, code: r.code ?? null, message: r.message ?? null, checkedAt, hold: null })),
      };
    },
  );
};
