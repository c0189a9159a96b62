import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Deps } from '../../deps.ts';
import { campaignScope, principalOf, requireRole } from '../auth/index.ts';
import { canSeeCampaign } from '../campaigns/index.ts';
import { notFound } from '../../platform/http/errors.ts';
import { changeMembers } from './change-members.ts';
import { presentMember } from './members.presenter.ts';
import { listMembers, supervisedCampaignIds } from './members.repo.ts';
import { setSupervisedCampaigns } from './set-supervised-campaigns.ts';
import { noContentSchema } from '@postdesk/contracts';
import { MemberParams, MembersBody, MembersOut, MemberSettings, MembersQuery, SupervisedIn, SupervisedOut, SupervisorParams } from './members.schema.ts';
import { updateMember } from './update-member.ts';

/**
 * Members: campaigns × agents, added or removed in one action (the
 * reference's three-column screen). Unknown ids are refused by name, and
 * nothing is half-applied.
 */
export const membersRoutes = (deps: Deps): FastifyPluginAsyncZod => async (app) => {
  const tags = ['members'];
  const staff = requireRole('admin', 'supervisor');
  const admin = requireRole('admin');

  // A supervisor reads the members of their campaigns only; another campaign is "not found".
  app.get('/api/members', { onRequest: staff, schema: { tags, querystring: MembersQuery, response: { 200: MembersOut } } }, async (req) => {
    const scope = campaignScope(principalOf(req));
    const campaignId = req.query.campaignId ?? null;
    if (campaignId && !(await canSeeCampaign(deps.db, scope, campaignId))) throw notFound('campaign');
    return { items: (await listMembers(deps.db, campaignId, scope)).map(presentMember) };
  });

  app.get('/api/users/:id/supervised-campaigns', { onRequest: admin, schema: { tags, params: SupervisorParams, response: { 200: SupervisedOut } } }, async (req) => ({
    campaignIds: await supervisedCampaignIds(deps.db, req.params.id),
  }));

  app.put('/api/users/:id/supervised-campaigns', { onRequest: admin, schema: { tags, params: SupervisorParams, body: SupervisedIn, response: { 200: SupervisedOut } } }, async (req) => {
    await setSupervisedCampaigns(deps.db, req.params.id, req.body.campaignIds);
    deps.log.info({ userId: req.params.id, campaignIds: req.body.campaignIds, by: req.principal?.userId }, 'supervisor.campaigns_set');
    return { campaignIds: await supervisedCampaignIds(deps.db, req.params.id) };
  });

  app.post('/api/members', { onRequest: admin, schema: { tags, body: MembersBody, response: { 204: noContentSchema } } }, async (req, reply) => {
    await changeMembers(deps.db, 'add', req.body.campaignIds, req.body.userIds, deps.now());
    deps.log.info({ ...req.body, by: req.principal?.userId }, 'members.added');
    return reply.status(204).send(null);
  });

  // A member's place in `linear` / round-robin order and its penalty for weighted random.
  app.patch('/api/members/:campaignId/:userId', { onRequest: admin, schema: { tags, params: MemberParams, body: MemberSettings, response: { 204: noContentSchema } } }, async (req, reply) => {
    await updateMember(deps.db, req.params.campaignId, req.params.userId, req.body);
    return reply.status(204).send(null);
  });

  app.delete('/api/members', { onRequest: admin, schema: { tags, body: MembersBody, response: { 204: noContentSchema } } }, async (req, reply) => {
    await changeMembers(deps.db, 'remove', req.body.campaignIds, req.body.userIds, deps.now());
    deps.log.info({ ...req.body, by: req.principal?.userId }, 'members.removed');
    return reply.status(204).send(null);
  });
};
