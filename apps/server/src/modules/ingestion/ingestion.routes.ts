import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { noContentSchema } from '@postdesk/contracts';
import type { Deps } from '../../deps.ts';
import { notFound } from '../../platform/http/errors.ts';
import { campaignScope, principalOf, requireRole } from '../auth/index.ts';
import { canSeeCampaign } from '../campaigns/index.ts';
import { presentMailbox, presentQuarantined } from './ingestion.presenter.ts';
import { CampaignParams, MailboxesOut, QuarantineOut, QuarantineParams, QuarantineQuery, RawMessageOut, ReprocessOut } from './ingestion.schema.ts';
import { listMailboxes } from './mailboxes.repo.ts';
import { findQuarantined, listQuarantine } from './quarantine.repo.ts';
import { reprocessQuarantined } from './reprocess-quarantined.ts';
import { retryMailbox } from './retry-mailbox.ts';

/** Mailbox sync state and the quarantine: supervisors watch, admins act. */
export const ingestionRoutes = (deps: Deps): FastifyPluginAsyncZod => async (app) => {
  const staff = requireRole('admin', 'supervisor');
  const admin = requireRole('admin');

  const scope = (req: FastifyRequest) => campaignScope(principalOf(req));

  app.get('/api/mailboxes', { onRequest: staff, schema: { tags: ['mailboxes'], response: { 200: MailboxesOut } } }, async (req) => ({
    items: (await listMailboxes(deps.db, scope(req))).map(presentMailbox),
  }));

  app.post('/api/mailboxes/:campaignId/retry', { onRequest: admin, schema: { tags: ['mailboxes'], params: CampaignParams, response: { 204: noContentSchema } } }, async (req, reply) => {
    await retryMailbox(deps.db, req.params.campaignId);
    deps.log.info({ campaignId: req.params.campaignId, by: req.principal?.userId }, 'mailbox.retry_requested');
    return reply.status(204).send(null);
  });

  app.get(
    '/api/quarantine',
    { onRequest: staff, schema: { tags: ['quarantine'], querystring: QuarantineQuery, response: { 200: QuarantineOut } } },
    async (req) => ({
      items: (await listQuarantine(deps.db, { campaignId: req.query.campaignId ?? null, before: req.query.before ?? null, limit: req.query.limit, scope: scope(req) })).map(presentQuarantined),
    }),
  );

  app.get('/api/quarantine/:id/raw', { onRequest: staff, schema: { tags: ['quarantine'], params: QuarantineParams, response: { 200: { description: 'the raw message, as a download', content: { 'application/octet-stream': { schema: RawMessageOut } } } } } }, async (req, reply) => {
    const row = await findQuarantined(deps.db, Number(req.params.id));
    if (!row || !(await canSeeCampaign(deps.db, scope(req), row.campaign_id))) throw notFound('quarantined message');
    const raw = await deps.blobs.get(row.raw_sha256.toString('hex'));
    // a download, never rendered: hostile bytes must not reach the browser as a page
    return reply
      .header('content-type', 'application/octet-stream')
      .header('content-disposition', `attachment; filename="quarantine-${req.params.id}.eml"`)
      .header('content-security-policy', "default-src 'none'; sandbox")
      .send(raw as unknown as string); // bytes are sent as they are (never serialised); the schema documents the answer
  });

  app.post(
    '/api/quarantine/:id/reprocess',
    {
      onRequest: admin,
      schema: {
        tags: ['quarantine'],
        params: QuarantineParams,
        response: { 200: ReprocessOut },
      },
    },
    async (req) => {
      const result = await reprocessQuarantined(deps, Number(req.params.id));
      deps.log.info({ quarantineId: req.params.id, outcome: result.outcome, by: req.principal?.userId }, 'quarantine.reprocessed');
      return result;
    },
  );
};
