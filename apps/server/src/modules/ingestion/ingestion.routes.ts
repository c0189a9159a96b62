import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { notFound } from '../../platform/http/errors.ts';
import { requireRole } from '../auth/index.ts';
import { presentMailbox, presentQuarantined } from './ingestion.presenter.ts';
import { listMailboxes } from './mailboxes.repo.ts';
import { findQuarantined, listQuarantine } from './quarantine.repo.ts';
import { reprocessQuarantined } from './reprocess-quarantined.ts';
import { retryMailbox } from './retry-mailbox.ts';

const MailboxOut = z.object({
  campaignId: z.string(),
  campaignName: z.string(),
  campaignKey: z.string(),
  protocol: z.enum(['imap', 'pop3']),
  folder: z.string().nullable(),
  state: z.enum(['idle', 'connecting', 'connected', 'backoff', 'needs_attention', 'stopped']),
  lastSyncAt: z.string().nullable(),
  lastError: z.string().nullable(),
  lastErrorAt: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  waiting: z.number(),
  quarantined: z.number(),
  ingested: z.number(),
});

const QuarantineOut = z.object({
  id: z.string(),
  campaignId: z.string(),
  campaignName: z.string(),
  reasonCode: z.string(),
  reason: z.string(),
  size: z.number(),
  subject: z.string().nullable(),
  from: z.string().nullable(),
  createdAt: z.string(),
  state: z.enum(['quarantined', 'released']),
});

const CampaignParams = z.strictObject({ campaignId: z.uuid() });
const QuarantineParams = z.strictObject({ id: z.string().regex(/^\d{1,18}$/, 'a quarantine id') });
const QuarantineQuery = z.strictObject({
  campaignId: z.uuid().optional(),
  before: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** Mailbox sync state and the quarantine: supervisors watch, admins act. */
export const ingestionRoutes = (deps: Deps): FastifyPluginAsyncZod => async (app) => {
  const staff = requireRole('admin', 'supervisor');
  const admin = requireRole('admin');

  app.get('/api/mailboxes', { preHandler: staff, schema: { tags: ['mailboxes'], response: { 200: z.object({ items: z.array(MailboxOut) }) } } }, async () => ({
    items: (await listMailboxes(deps.db)).map(presentMailbox),
  }));

  app.post('/api/mailboxes/:campaignId/retry', { preHandler: admin, schema: { tags: ['mailboxes'], params: CampaignParams } }, async (req, reply) => {
    await retryMailbox(deps.db, req.params.campaignId);
    deps.log.info({ campaignId: req.params.campaignId, by: req.principal?.userId }, 'mailbox.retry_requested');
    return reply.status(204).send();
  });

  app.get(
    '/api/quarantine',
    { preHandler: staff, schema: { tags: ['quarantine'], querystring: QuarantineQuery, response: { 200: z.object({ items: z.array(QuarantineOut) }) } } },
    async (req) => ({
      items: (await listQuarantine(deps.db, { campaignId: req.query.campaignId ?? null, before: req.query.before ?? null, limit: req.query.limit })).map(presentQuarantined),
    }),
  );

  app.get('/api/quarantine/:id/raw', { preHandler: staff, schema: { tags: ['quarantine'], params: QuarantineParams } }, async (req, reply) => {
    const row = await findQuarantined(deps.db, Number(req.params.id));
    if (!row) throw notFound('quarantined message');
    const raw = await deps.blobs.get(row.raw_sha256.toString('hex'));
    // a download, never rendered: hostile bytes must not reach the browser as a page
    return reply
      .header('content-type', 'application/octet-stream')
      .header('content-disposition', `attachment; filename="quarantine-${req.params.id}.eml"`)
      .header('content-security-policy', "default-src 'none'; sandbox")
      .send(raw);
  });

  app.post(
    '/api/quarantine/:id/reprocess',
    {
      preHandler: admin,
      schema: {
        tags: ['quarantine'],
        params: QuarantineParams,
        response: { 200: z.object({ outcome: z.enum(['ingested', 'still_quarantined']), reason: z.string().nullable() }) },
      },
    },
    async (req) => {
      const result = await reprocessQuarantined(deps, Number(req.params.id));
      deps.log.info({ quarantineId: req.params.id, outcome: result.outcome, by: req.principal?.userId }, 'quarantine.reprocessed');
      return result;
    },
  );
};
