import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { emitEvent } from '../../platform/events/events.ts';
import { iso } from '../../platform/http/iso.ts';
import { notFound } from '../../platform/http/errors.ts';
import { requireRole } from '../auth/auth.policy.ts';
import { reprocessQuarantined } from './reprocess-quarantined.ts';

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

  app.get('/api/mailboxes', { onRequest: staff, schema: { tags: ['mailboxes'], response: { 200: z.object({ items: z.array(MailboxOut) }) } } }, async () => {
    const { rows } = await deps.db.query<{
      id: string;
      name: string;
      key: string;
      inbound_protocol: 'imap' | 'pop3';
      inbound_mailbox: string;
      enabled: boolean;
      receive_emails: boolean;
      state: z.infer<typeof MailboxOut>['state'] | null;
      last_sync_at: Date | null;
      last_error: string | null;
      last_error_at: Date | null;
      next_attempt_at: Date | null;
      ingested: number | null;
      waiting: number;
      quarantined: number;
    }>(
      `SELECT c.id, c.name, c.key, c.inbound_protocol, c.inbound_mailbox, c.enabled, c.receive_emails,
              m.state, m.last_sync_at, m.last_error, m.last_error_at, m.next_attempt_at, m.ingested,
              (SELECT count(*) FROM interactions i WHERE i.campaign_id = c.id AND i.status = 'open')::int AS waiting,
              (SELECT count(*) FROM quarantine qr WHERE qr.campaign_id = c.id AND qr.state = 'quarantined')::int AS quarantined
         FROM campaigns c LEFT JOIN mailboxes m ON m.campaign_id = c.id
        WHERE c.deleted_at IS NULL AND (c.receive_emails OR m.campaign_id IS NOT NULL)
        ORDER BY lower(c.name)`,
    );
    return {
      items: rows.map((r) => ({
        campaignId: r.id,
        campaignName: r.name,
        campaignKey: r.key,
        protocol: r.inbound_protocol,
        folder: r.inbound_protocol === 'imap' ? r.inbound_mailbox : null,
        state: !r.enabled || !r.receive_emails ? ('stopped' as const) : (r.state ?? 'idle'),
        lastSyncAt: iso(r.last_sync_at),
        lastError: r.last_error,
        lastErrorAt: iso(r.last_error_at),
        nextAttemptAt: iso(r.next_attempt_at),
        waiting: r.waiting,
        quarantined: r.quarantined,
        ingested: r.ingested ?? 0,
      })),
    };
  });

  app.post(
    '/api/mailboxes/:campaignId/retry',
    { onRequest: admin, schema: { tags: ['mailboxes'], params: CampaignParams } },
    async (req, reply) => {
      const found = await deps.db.tx(async (q) => {
        const r = await q.query(
          `UPDATE mailboxes SET retry_requested = retry_requested + 1, failures = 0, next_attempt_at = NULL,
                  state = CASE WHEN state IN ('needs_attention', 'backoff') THEN 'idle' ELSE state END, updated_at = now()
            WHERE campaign_id = $1 AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = $1 AND c.deleted_at IS NULL)`,
          [req.params.campaignId],
        );
        if ((r.rowCount ?? 0) > 0) await emitEvent(q, { type: 'mailbox.status_changed', campaignId: req.params.campaignId, state: 'idle' });
        return (r.rowCount ?? 0) > 0;
      });
      if (!found) throw notFound('mailbox');
      deps.log.info({ campaignId: req.params.campaignId, by: req.principal?.userId }, 'mailbox.retry_requested');
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/quarantine',
    { onRequest: staff, schema: { tags: ['quarantine'], querystring: QuarantineQuery, response: { 200: z.object({ items: z.array(QuarantineOut) }) } } },
    async (req) => {
      const { rows } = await deps.db.query<{
        id: number;
        campaign_id: string;
        name: string;
        reason_code: string;
        reason: string;
        size: number;
        subject: string | null;
        from_text: string | null;
        created_at: Date;
        state: 'quarantined' | 'released';
      }>(
        `SELECT q.id, q.campaign_id, c.name, q.reason_code, q.reason, q.size, q.subject, q.from_text, q.created_at, q.state
           FROM quarantine q JOIN campaigns c ON c.id = q.campaign_id
          WHERE ($1::uuid IS NULL OR q.campaign_id = $1) AND ($2::timestamptz IS NULL OR q.created_at < $2)
          ORDER BY q.created_at DESC, q.id DESC LIMIT $3`,
        [req.query.campaignId ?? null, req.query.before ?? null, req.query.limit],
      );
      return {
        items: rows.map((r) => ({
          id: String(r.id),
          campaignId: r.campaign_id,
          campaignName: r.name,
          reasonCode: r.reason_code,
          reason: r.reason,
          size: r.size,
          subject: r.subject,
          from: r.from_text,
          createdAt: r.created_at.toISOString(),
          state: r.state,
        })),
      };
    },
  );

  app.get('/api/quarantine/:id/raw', { onRequest: staff, schema: { tags: ['quarantine'], params: QuarantineParams } }, async (req, reply) => {
    const { rows } = await deps.db.query<{ raw_sha256: Buffer }>('SELECT raw_sha256 FROM quarantine WHERE id = $1', [req.params.id]);
    const row = rows[0];
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
      onRequest: admin,
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
