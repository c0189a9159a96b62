import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Deps } from '../../deps.ts';
import { notFound } from '../../platform/http/errors.ts';
import { principalOf, requireRole, requireUser, campaignScope } from '../auth/index.ts';
import { canSeeCampaign } from '../campaigns/index.ts';
import { noContentSchema, uuidParamsSchema as IdParams } from '@postdesk/contracts';
import { deleteDisposition, listDispositions } from './dispositions.repo.ts';
import { DispositionBody, DispositionOut, DispositionsOut } from './dispositions.schema.ts';
import { saveDisposition } from './save-disposition.ts';

/** Dispositions, always per campaign: admins write; members of the campaign read them to close with. */
export const dispositionsRoutes = (deps: Deps): FastifyPluginAsyncZod => async (app) => {
  const tags = ['dispositions'];
  const admin = requireRole('admin');
  const visible = async (req: Parameters<typeof principalOf>[0], campaignId: string): Promise<void> => {
    const p = principalOf(req);
    if (!(await canSeeCampaign(deps.db, campaignScope(p), campaignId))) throw notFound('campaign');
  };

  app.get('/api/campaigns/:id/dispositions', { onRequest: requireUser, schema: { tags, params: IdParams, response: { 200: DispositionsOut } } }, async (req) => {
    await visible(req, req.params.id);
    return { items: await listDispositions(deps.db, req.params.id) };
  });

  app.post('/api/campaigns/:id/dispositions', { onRequest: admin, schema: { tags, params: IdParams, body: DispositionBody, response: { 201: DispositionOut } } }, async (req, reply) => {
    await visible(req, req.params.id);
    return reply.status(201).send(await saveDisposition(deps.db, { campaignId: req.params.id }, req.body.name));
  });

  app.put('/api/dispositions/:id', { onRequest: admin, schema: { tags, params: IdParams, body: DispositionBody, response: { 200: DispositionOut } } }, async (req) =>
    saveDisposition(deps.db, { id: req.params.id }, req.body.name),
  );

  app.delete('/api/dispositions/:id', { onRequest: admin, schema: { tags, params: IdParams, response: { 204: noContentSchema } } }, async (req, reply) => {
    if (!(await deleteDisposition(deps.db, req.params.id))) throw notFound('disposition');
    return reply.status(204).send(null);
  });
};
