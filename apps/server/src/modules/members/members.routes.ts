import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Deps } from '../../deps.ts';
import { requireRole } from '../auth/index.ts';
import { changeMembers } from './change-members.ts';
import { presentMember } from './members.presenter.ts';
import { listMembers } from './members.repo.ts';
import { noContentSchema } from '@postdesk/contracts';
import { MemberParams, MembersBody, MembersOut, MemberSettings, MembersQuery } from './members.schema.ts';
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

  app.get('/api/members', { onRequest: staff, schema: { tags, querystring: MembersQuery, response: { 200: MembersOut } } }, async (req) => ({
    items: (await listMembers(deps.db, req.query.campaignId ?? null)).map(presentMember),
  }));

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
