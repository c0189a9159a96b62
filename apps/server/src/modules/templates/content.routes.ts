import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { renderTemplate, templateVariables } from '@postdesk/mailkit/template';
import type { Deps } from '../../deps.ts';
import { isUniqueViolation } from '../../platform/db/db.ts';
import { AppError, notFound } from '../../platform/http/errors.ts';
import { sanitizeSubmittedHtml } from '../../platform/http/user-html.ts';
import { principalOf, requireRole, requireUser, seesAllCampaigns } from '../auth/auth.policy.ts';
import { IdParams } from '../users/users.schema.ts';
import { canSeeCampaign, listCanned, listTemplates, type CannedRow, type TemplateRow } from './content.repo.ts';

const Name = z.string().trim().min(1, 'required').max(120, 'at most 120 characters');
const CampaignRef = z.string().uuid('not a valid campaign id').nullable().default(null);
const CampaignQuery = z.strictObject({ campaignId: z.string().uuid('not a valid campaign id').optional() });

const TemplateBody = z.strictObject({ name: Name, campaignId: CampaignRef, html: z.string().max(512 * 1024, 'at most 512 KiB') });
const TemplateOut = z.object({ id: z.string(), name: z.string(), campaignId: z.string().nullable(), html: z.string(), variables: z.array(z.string()), updatedAt: z.string() });
const CannedBody = z.strictObject({ name: Name, campaignId: CampaignRef, text: z.string().min(1, 'required').max(20_000, 'at most 20000 characters') });
const CannedOut = z.object({ id: z.string(), name: z.string(), text: z.string(), campaignId: z.string().nullable() });
const DispositionBody = z.strictObject({ name: Name });
const DispositionOut = z.object({ id: z.string(), name: z.string() });

const presentTemplate = (t: TemplateRow) => ({
  id: t.id,
  name: t.name,
  campaignId: t.campaign_id,
  html: t.html,
  variables: templateVariables(t.html),
  updatedAt: t.updated_at.toISOString(),
});
const presentCanned = (a: CannedRow) => ({ id: a.id, name: a.name, text: a.text, campaignId: a.campaign_id });

/** Templates, canned answers and dispositions: admins write; members read what belongs to their campaigns. */
export const contentRoutes = (deps: Deps): FastifyPluginAsyncZod => async (app) => {
  const admin = requireRole('admin');
  const viewer = (req: FastifyRequest) => {
    const p = principalOf(req);
    return { userId: p.userId, all: seesAllCampaigns(p) };
  };
  const conflict = (err: unknown, index: string, name: string): never => {
    if (isUniqueViolation(err, index)) throw new AppError('conflict', `"${name}" already exists here`, [{ path: 'name', message: 'already used' }]);
    throw err;
  };
  async function requireCampaign(req: FastifyRequest, campaignId: string | null | undefined, path = 'campaignId'): Promise<void> {
    if (!campaignId) return;
    if (!(await canSeeCampaign(deps.db, viewer(req), campaignId))) {
      // Writers get a field error; readers get the same 404 as for anything they may not see.
      if (req.method === 'GET') throw notFound('campaign');
      throw new AppError('validation_failed', `${path}: no such campaign`, [{ path, message: 'no such campaign' }]);
    }
  }

  // Templates
  app.get('/api/templates', { preHandler: requireUser, schema: { tags: ['templates'], querystring: CampaignQuery, response: { 200: z.object({ items: z.array(TemplateOut) }) } } }, async (req) => {
    await requireCampaign(req, req.query.campaignId);
    return { items: (await listTemplates(deps.db, viewer(req), req.query.campaignId ?? null)).map(presentTemplate) };
  });

  app.post('/api/templates', { preHandler: admin, schema: { tags: ['templates'], body: TemplateBody, response: { 201: TemplateOut } } }, async (req, reply) => {
    await requireCampaign(req, req.body.campaignId);
    const html = await sanitizeSubmittedHtml(deps.render, 'html', req.body.html);
    const { rows } = await deps.db
      .query<TemplateRow>(`INSERT INTO templates (name, campaign_id, html) VALUES ($1, $2, $3) RETURNING id, name, campaign_id, html, updated_at`, [
        req.body.name,
        req.body.campaignId,
        html,
      ])
      .catch((e) => conflict(e, 'templates_name_key', req.body.name));
    return reply.status(201).send(presentTemplate(rows[0]!));
  });

  app.put('/api/templates/:id', { preHandler: admin, schema: { tags: ['templates'], params: IdParams, body: TemplateBody, response: { 200: TemplateOut } } }, async (req) => {
    await requireCampaign(req, req.body.campaignId);
    const html = await sanitizeSubmittedHtml(deps.render, 'html', req.body.html);
    const { rows } = await deps.db
      .query<TemplateRow>(
        `UPDATE templates SET name = $2, campaign_id = $3, html = $4, updated_at = now() WHERE id = $1 RETURNING id, name, campaign_id, html, updated_at`,
        [req.params.id, req.body.name, req.body.campaignId, html],
      )
      .catch((e) => conflict(e, 'templates_name_key', req.body.name));
    if (!rows[0]) throw notFound('template');
    return presentTemplate(rows[0]);
  });

  app.delete('/api/templates/:id', { preHandler: admin, schema: { tags: ['templates'], params: IdParams } }, async (req, reply) => {
    const r = await deps.db.query('DELETE FROM templates WHERE id = $1', [req.params.id]);
    if (!r.rowCount) throw notFound('template');
    return reply.status(204).send();
  });

  app.post(
    '/api/templates/preview',
    {
      preHandler: requireUser,
      schema: {
        tags: ['templates'],
        body: z.strictObject({ html: z.string().max(512 * 1024), values: z.record(z.string().max(128), z.string().max(10_000)).default({}) }),
        response: { 200: z.object({ html: z.string(), missing: z.array(z.string()) }) },
      },
    },
    async (req) => {
      const r = renderTemplate(await sanitizeSubmittedHtml(deps.render, 'html', req.body.html), req.body.values, 'html');
      return { html: r.output, missing: r.missing };
    },
  );

  // Canned answers
  app.get('/api/canned-answers', { preHandler: requireUser, schema: { tags: ['canned answers'], querystring: CampaignQuery, response: { 200: z.object({ items: z.array(CannedOut) }) } } }, async (req) => {
    await requireCampaign(req, req.query.campaignId);
    return { items: (await listCanned(deps.db, viewer(req), req.query.campaignId ?? null)).map(presentCanned) };
  });

  app.post('/api/canned-answers', { preHandler: admin, schema: { tags: ['canned answers'], body: CannedBody, response: { 201: CannedOut } } }, async (req, reply) => {
    await requireCampaign(req, req.body.campaignId);
    const { rows } = await deps.db
      .query<CannedRow>(`INSERT INTO canned_answers (name, text, campaign_id) VALUES ($1, $2, $3) RETURNING id, name, text, campaign_id, updated_at`, [
        req.body.name,
        req.body.text,
        req.body.campaignId,
      ])
      .catch((e) => conflict(e, 'canned_answers_name_key', req.body.name));
    return reply.status(201).send(presentCanned(rows[0]!));
  });

  app.put('/api/canned-answers/:id', { preHandler: admin, schema: { tags: ['canned answers'], params: IdParams, body: CannedBody, response: { 200: CannedOut } } }, async (req) => {
    await requireCampaign(req, req.body.campaignId);
    const { rows } = await deps.db
      .query<CannedRow>(
        `UPDATE canned_answers SET name = $2, text = $3, campaign_id = $4, updated_at = now() WHERE id = $1 RETURNING id, name, text, campaign_id, updated_at`,
        [req.params.id, req.body.name, req.body.text, req.body.campaignId],
      )
      .catch((e) => conflict(e, 'canned_answers_name_key', req.body.name));
    if (!rows[0]) throw notFound('canned answer');
    return presentCanned(rows[0]);
  });

  app.delete('/api/canned-answers/:id', { preHandler: admin, schema: { tags: ['canned answers'], params: IdParams } }, async (req, reply) => {
    const r = await deps.db.query('DELETE FROM canned_answers WHERE id = $1', [req.params.id]);
    if (!r.rowCount) throw notFound('canned answer');
    return reply.status(204).send();
  });

  // Dispositions (always per campaign)
  app.get('/api/campaigns/:id/dispositions', { preHandler: requireUser, schema: { tags: ['dispositions'], params: IdParams, response: { 200: z.object({ items: z.array(DispositionOut) }) } } }, async (req) => {
    if (!(await canSeeCampaign(deps.db, viewer(req), req.params.id))) throw notFound('campaign');
    const { rows } = await deps.db.query<{ id: string; name: string }>(`SELECT id, name FROM dispositions WHERE campaign_id = $1 ORDER BY lower(name)`, [req.params.id]);
    return { items: rows };
  });

  app.post('/api/campaigns/:id/dispositions', { preHandler: admin, schema: { tags: ['dispositions'], params: IdParams, body: DispositionBody, response: { 201: DispositionOut } } }, async (req, reply) => {
    if (!(await canSeeCampaign(deps.db, viewer(req), req.params.id))) throw notFound('campaign');
    const { rows } = await deps.db
      .query<{ id: string; name: string }>(`INSERT INTO dispositions (campaign_id, name) VALUES ($1, $2) RETURNING id, name`, [req.params.id, req.body.name])
      .catch((e) => conflict(e, 'dispositions_name_key', req.body.name));
    return reply.status(201).send(rows[0]!);
  });

  app.put('/api/dispositions/:id', { preHandler: admin, schema: { tags: ['dispositions'], params: IdParams, body: DispositionBody, response: { 200: DispositionOut } } }, async (req) => {
    const { rows } = await deps.db
      .query<{ id: string; name: string }>(`UPDATE dispositions SET name = $2 WHERE id = $1 RETURNING id, name`, [req.params.id, req.body.name])
      .catch((e) => conflict(e, 'dispositions_name_key', req.body.name));
    if (!rows[0]) throw notFound('disposition');
    return rows[0];
  });

  app.delete('/api/dispositions/:id', { preHandler: admin, schema: { tags: ['dispositions'], params: IdParams } }, async (req, reply) => {
    const r = await deps.db.query('DELETE FROM dispositions WHERE id = $1', [req.params.id]);
    if (!r.rowCount) throw notFound('disposition');
    return reply.status(204).send();
  });
};
