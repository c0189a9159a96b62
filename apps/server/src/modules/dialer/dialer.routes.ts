import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  attachmentUploadQuerySchema,
  csvSchema,
  dialerAttachmentListSchema,
  dialerAttachmentSchema,
  dialerInputSchema,
  dialerListSchema,
  dialerRowExportQuerySchema,
  dialerRowPageSchema,
  dialerRowQuerySchema,
  dialerSchema,
  dialerStatusSchema,
  listReportSchema,
  listUploadQuerySchema,
  uuidParamsSchema as IdParams,
  type Dialer,
} from '@postdesk/contracts';
import type { Deps } from '../../deps.ts';
import { AppError, notFound } from '../../platform/http/errors.ts';
import { emitEvent } from '../../platform/events/events.ts';
import { campaignScope, principalOf, requireRole } from '../auth/index.ts';
import { canSeeCampaign, listCampaigns } from '../campaigns/index.ts';
import { blacklistRoutes } from './blacklist.routes.ts';
import { controlDialer, type DialerCommand } from './control-dialer.ts';
import { readDialer, readDialerStatus, readDialers } from './read-dialers.ts';
import { addAttachment, listAttachments, removeAttachment } from './dialer-attachments.ts';
import { z } from 'zod';
import { exportRows, readRowPage } from './row-outcomes.ts';
import { saveDialer } from './save-dialer.ts';
import { uploadList } from './upload-list.ts';

const COMMANDS: DialerCommand[] = ['start', 'pause', 'resume', 'stop'];

/** The dialer's API: admins configure; admins and supervisors upload lists, run mailings and watch them. */
export const dialerRoutes = (deps: Deps): FastifyPluginAsyncZod => async (app) => {
  const admin = requireRole('admin');
  const staff = requireRole('admin', 'supervisor');
  const tags = ['dialer'];
  // A supervisor reaches only the dialers of the campaigns they supervise; any other is "not found".
  const visible = async (req: FastifyRequest, id: string): Promise<Dialer> => {
    const d = await readDialer(deps.db, id);
    if (!(await canSeeCampaign(deps.db, campaignScope(principalOf(req)), d.campaignId))) throw notFound('dialer');
    return d;
  };

  // a list arrives as the file itself, streamed through the validator into COPY: never buffered whole
  app.addContentTypeParser(['text/csv', 'application/octet-stream'], (_req: unknown, payload: Readable, done: (err: Error | null, body?: unknown) => void) => done(null, payload));

  // the blacklist's routes share the text/csv parser above
  await app.register(blacklistRoutes(deps));

  app.get('/api/dialers', { onRequest: staff, schema: { tags, response: { 200: dialerListSchema } } }, async (req) => {
    const all = await readDialers(deps.db);
    const scope = campaignScope(principalOf(req));
    if (scope.all) return { items: all };
    // one read of the supervisor's campaigns, not one per dialer
    const ids = new Set((await listCampaigns(deps.db, scope)).map((c) => c.id));
    return { items: all.filter((d) => ids.has(d.campaignId)) };
  });

  app.post('/api/dialers', { onRequest: admin, schema: { tags, body: dialerInputSchema, response: { 201: dialerSchema } } }, async (req, reply) => {
    const d = await saveDialer(deps.db, null, req.body);
    await emitEvent(deps.db, { type: 'dialer.changed', dialerId: d.id });
    return reply.status(201).send(await readDialer(deps.db, d.id));
  });

  app.get('/api/dialers/:id', { onRequest: staff, schema: { tags, params: IdParams, response: { 200: dialerSchema } } }, async (req) => visible(req, req.params.id));

  app.put('/api/dialers/:id', { onRequest: admin, schema: { tags, params: IdParams, body: dialerInputSchema, response: { 200: dialerSchema } } }, async (req) => {
    const d = await saveDialer(deps.db, req.params.id, req.body);
    await emitEvent(deps.db, { type: 'dialer.changed', dialerId: d.id, wake: d.state === 'running' });
    return readDialer(deps.db, d.id);
  });

  app.get('/api/dialers/:id/status', { onRequest: staff, schema: { tags, params: IdParams, response: { 200: dialerStatusSchema } } }, async (req) => {
    await visible(req, req.params.id);
    return readDialerStatus(deps.db, req.params.id, deps.now());
  });

  // 201 with the list's id when imported whole; 422 with every problem by line and column when refused (nothing imported)
  app.post(
    '/api/dialers/:id/lists',
    {
      onRequest: staff,
      schema: {
        tags,
        params: IdParams,
        querystring: listUploadQuerySchema,
        consumes: ['text/csv', 'application/octet-stream'],
        response: { 201: listReportSchema, 422: listReportSchema },
      },
    },
    async (req, reply) => {
      await visible(req, req.params.id);
      const body = req.body as unknown;
      if (!body || typeof (body as Readable).pipe !== 'function') throw new AppError('unsupported_media_type', 'send the list as text/csv');
      const report = await uploadList(deps, req.params.id, req.query.name, body as Readable);
      return reply.status(report.ok ? 201 : 422).send(report);
    },
  );

  // the attachments registry of the dialer's campaign: the file as the body (application/octet-stream), its name and type in the query
  app.post(
    '/api/dialers/:id/attachments',
    { onRequest: staff, schema: { tags, params: IdParams, querystring: attachmentUploadQuerySchema, consumes: ['application/octet-stream'], response: { 201: dialerAttachmentSchema } } },
    async (req, reply) => {
      const d = await visible(req, req.params.id);
      const length = Number(req.headers['content-length']);
      const out = await addAttachment(deps, d.campaignId, { ...req.query, declaredLength: Number.isSafeInteger(length) ? length : undefined }, req.body, principalOf(req).userId);
      return reply.status(201).send(out);
    },
  );
  app.get('/api/dialers/:id/attachments', { onRequest: staff, schema: { tags, params: IdParams, response: { 200: dialerAttachmentListSchema } } }, async (req) =>
    listAttachments(deps.db, (await visible(req, req.params.id)).campaignId),
  );
  app.delete(
    '/api/dialers/:id/attachments/:token',
    { onRequest: staff, schema: { tags, params: z.strictObject({ id: z.string().uuid('not a valid id'), token: z.string().min(1).max(128) }), response: { 204: z.null() } } },
    async (req, reply) => {
      await removeAttachment(deps.db, (await visible(req, req.params.id)).campaignId, req.params.token);
      return reply.status(204).send(null);
    },
  );

  // what happened to each row: searched by address (part of it), state and list, in keyset pages (after = the last id seen)
  app.get('/api/dialers/:id/rows', { onRequest: staff, schema: { tags, params: IdParams, querystring: dialerRowQuerySchema, response: { 200: dialerRowPageSchema } } }, async (req) => {
    await visible(req, req.params.id);
    const { after, limit, ...filter } = req.query;
    return readRowPage(deps.db, req.params.id, filter, after, limit);
  });

  // the same rows as CSV (formula cells neutralised), streamed
  app.get(
    '/api/dialers/:id/rows/export',
    {
      onRequest: staff,
      schema: {
        tags,
        params: IdParams,
        querystring: dialerRowExportQuerySchema,
        produces: ['text/csv'],
        response: { 200: { description: 'the rows as CSV', content: { 'text/csv': { schema: csvSchema } } } },
      },
    },
    async (req, reply) => {
      const d = await visible(req, req.params.id);
      const name = d.name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'dialer';
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}-rows.csv"`)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, no-store')
        .send(exportRows(deps, req.params.id, req.query) as unknown as string); // a stream, never serialised
    },
  );

  for (const command of COMMANDS) {
    app.post(`/api/dialers/:id/${command}`, { onRequest: staff, schema: { tags, params: IdParams, response: { 200: dialerStatusSchema } } }, async (req) => {
      await visible(req, req.params.id);
      await controlDialer({ db: deps.db, publicUrl: deps.config.publicUrl }, req.params.id, command);
      return readDialerStatus(deps.db, req.params.id, deps.now());
    });
  }
};
