import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { renderTemplate } from '@postdesk/mailkit/template';
import type { Deps } from '../../deps.ts';
import { notFound } from '../../platform/http/errors.ts';
import { sanitizeSubmittedHtml } from '../../platform/http/user-html.ts';
import { noContentSchema, uuidParamsSchema as IdParams } from '@postdesk/contracts';
import { principalOf, requireRole, requireUser, seesAllCampaigns } from '../auth/index.ts';
import { checkCampaignScope } from './campaign-scope.ts';
import { saveCannedAnswer } from './save-canned-answer.ts';
import { saveTemplate } from './save-template.ts';
import { presentCanned, presentTemplate } from './templates.presenter.ts';
import { deleteCanned, deleteTemplate, listCanned, listTemplates, type Viewer } from './templates.repo.ts';
import { CampaignQuery, CannedBody, CannedListOut, CannedOut, PreviewBody, PreviewOut, TemplateBody, TemplateOut, TemplatesOut } from './templates.schema.ts';

/** Templates and canned answers: admins write; members read what belongs to their campaigns. */
export const templatesRoutes = (deps: Deps): FastifyPluginAsyncZod => async (app) => {
  const admin = requireRole('admin');
  const viewer = (req: FastifyRequest): Viewer => {
    const p = principalOf(req);
    return { userId: p.userId, all: seesAllCampaigns(p) };
  };

  // Templates
  const templates = { tags: ['templates'] };
  app.get('/api/templates', { onRequest: requireUser, schema: { ...templates, querystring: CampaignQuery, response: { 200: TemplatesOut } } }, async (req) => {
    await checkCampaignScope(deps.db, viewer(req), req.query.campaignId, 'read');
    return { items: (await listTemplates(deps.db, viewer(req), req.query.campaignId ?? null)).map(presentTemplate) };
  });

  app.post('/api/templates', { onRequest: admin, schema: { ...templates, body: TemplateBody, response: { 201: TemplateOut } } }, async (req, reply) =>
    reply.status(201).send(presentTemplate(await saveTemplate(deps.db, deps.render, viewer(req), null, req.body))),
  );

  app.put('/api/templates/:id', { onRequest: admin, schema: { ...templates, params: IdParams, body: TemplateBody, response: { 200: TemplateOut } } }, async (req) =>
    presentTemplate(await saveTemplate(deps.db, deps.render, viewer(req), req.params.id, req.body)),
  );

  app.delete('/api/templates/:id', { onRequest: admin, schema: { ...templates, params: IdParams, response: { 204: noContentSchema } } }, async (req, reply) => {
    if (!(await deleteTemplate(deps.db, req.params.id))) throw notFound('template');
    return reply.status(204).send(null);
  });

  app.post('/api/templates/preview', { onRequest: requireUser, schema: { ...templates, body: PreviewBody, response: { 200: PreviewOut } } }, async (req) => {
    const r = renderTemplate(await sanitizeSubmittedHtml(deps.render, 'html', req.body.html), req.body.values, 'html');
    return { html: r.output, missing: r.missing };
  });

  // Canned answers
  const canned = { tags: ['canned answers'] };
  app.get('/api/canned-answers', { onRequest: requireUser, schema: { ...canned, querystring: CampaignQuery, response: { 200: CannedListOut } } }, async (req) => {
    await checkCampaignScope(deps.db, viewer(req), req.query.campaignId, 'read');
    return { items: (await listCanned(deps.db, viewer(req), req.query.campaignId ?? null)).map(presentCanned) };
  });

  app.post('/api/canned-answers', { onRequest: admin, schema: { ...canned, body: CannedBody, response: { 201: CannedOut } } }, async (req, reply) =>
    reply.status(201).send(presentCanned(await saveCannedAnswer(deps.db, viewer(req), null, req.body))),
  );

  app.put('/api/canned-answers/:id', { onRequest: admin, schema: { ...canned, params: IdParams, body: CannedBody, response: { 200: CannedOut } } }, async (req) =>
    presentCanned(await saveCannedAnswer(deps.db, viewer(req), req.params.id, req.body)),
  );

  app.delete('/api/canned-answers/:id', { onRequest: admin, schema: { ...canned, params: IdParams, response: { 204: noContentSchema } } }, async (req, reply) => {
    if (!(await deleteCanned(deps.db, req.params.id))) throw notFound('canned answer');
    return reply.status(204).send(null);
  });
};
