import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  dialerInputSchema,
  dialerListSchema,
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

  for (const command of COMMANDS) {
    app.post(`/api/dialers/:id/${command}`, { onRequest: staff, schema: { tags, params: IdParams, response: { 200: dialerStatusSchema } } }, async (req) => {
      await visible(req, req.params.id);
      await controlDialer({ db: deps.db, publicUrl: deps.config.publicUrl }, req.params.id, command);
      return readDialerStatus(deps.db, req.params.id, deps.now());
    });
  }
};
