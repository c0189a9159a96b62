import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { emitEvent } from '../../platform/events/events.ts';
import { iso } from '../../platform/http/iso.ts';
import { AppError, notFound } from '../../platform/http/errors.ts';
import { principalOf, requireRole, requireUser, seesAllCampaigns } from '../auth/auth.policy.ts';
import { offerViews } from '../realtime/realtime-hub.ts';
import { closeInteraction, transferInteraction } from './handle-interaction.ts';
import { endDisposing, startDisposing } from './disposing.ts';
import { acceptOffer, endOffer } from './offers.ts';
import { getPresence, setPresence } from './presence.ts';
import { queueStats } from './queue-stats.ts';
import { activeLoadSql, pendingLoadSql } from './routing.repo.ts';

const IdParam = z.strictObject({ id: z.string().regex(/^\d{1,18}$/, 'a numeric id').transform(Number) });
const UserParam = z.strictObject({ id: z.uuid('not a valid user id') });
const PresenceIn = z.strictObject({
  state: z.enum(['offline', 'available', 'paused']),
  pauseReasonId: z.uuid('not a valid pause reason id').nullable().optional(),
});
const PresenceOut = z.object({ state: z.string(), pauseReasonId: z.string().nullable(), pauseReason: z.string().nullable(), since: z.string().nullable() });
const OfferOut = z.object({
  id: z.number(),
  interactionId: z.number(),
  campaignId: z.string(),
  campaignKey: z.string(),
  campaignName: z.string(),
  kind: z.string(),
  subject: z.string(),
  customerAddress: z.string(),
  customerName: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
});
const AssignedOut = z.object({
  id: z.number(),
  campaignId: z.string(),
  campaignKey: z.string(),
  subject: z.string(),
  customerAddress: z.string(),
  customerName: z.string(),
  unread: z.boolean(),
  assignedAt: z.string().nullable(),
  lastMessageAt: z.string(),
});
const CloseIn = z.strictObject({ dispositionId: z.uuid('not a valid disposition id').nullable().optional() }).nullish();
const TransferIn = z.union([z.strictObject({ userId: z.uuid('not a valid user id') }), z.strictObject({ campaignId: z.uuid('not a valid campaign id') })]);
const PauseReasonIn = z.strictObject({ name: z.string().trim().min(1, 'required').max(60, 'at most 60 characters') });
const PauseReasonOut = z.object({ id: z.string(), name: z.string() });
const AgentOut = z.object({
  userId: z.string(),
  username: z.string(),
  displayName: z.string(),
  state: z.string(),
  pauseReason: z.string().nullable(),
  since: z.string().nullable(),
  active: z.number(),
  pending: z.number(),
  campaignKeys: z.array(z.string()),
  connected: z.boolean(),
});

/**
 * Routing as the workspace and the supervisor see it: presence, offers,
 * accept / reject, close and transfer, pause reasons, and the live queue
 * and agent figures. Agents act only on what is theirs; anything else is
 * "not found", never "forbidden", so ids cannot be probed.
 */
export const routingRoutes = (deps: Deps): FastifyPluginAsyncZod => async (app) => {
  const tags = ['routing'];
  const staff = requireRole('admin', 'supervisor');
  const admin = requireRole('admin');
  const now = (): Date => deps.now();

  app.get('/api/me/presence', { onRequest: requireUser, schema: { tags, response: { 200: PresenceOut } } }, async (req) => {
    const p = await getPresence(deps.db, principalOf(req).userId);
    return { ...p, since: iso(p.since) };
  });

  app.put('/api/me/presence', { onRequest: requireUser, schema: { tags, body: PresenceIn, response: { 200: PresenceOut } } }, async (req) => {
    const me = principalOf(req).userId;
    await deps.db.tx((q) => setPresence(q, me, req.body.state, req.body.pauseReasonId ?? null, now()));
    const p = await getPresence(deps.db, me);
    return { ...p, since: iso(p.since) };
  });

  app.get('/api/me/offers', { onRequest: requireUser, schema: { tags, response: { 200: z.object({ items: z.array(OfferOut) }) } } }, async (req) => {
    const views = await offerViews(deps.db, { userIds: [principalOf(req).userId] });
    return { items: views.map(({ userId: _u, ...o }) => o) };
  });

  app.get('/api/me/interactions', { onRequest: requireUser, schema: { tags, response: { 200: z.object({ items: z.array(AssignedOut) }) } } }, async (req) => {
    const { rows } = await deps.db.query<{
      id: number; campaign_id: string; key: string; subject: string; customer_address: string; customer_name: string;
      unread: boolean; assigned_at: Date | null; last_message_at: Date;
    }>(
      `SELECT i.id, i.campaign_id, c.key, i.subject, i.customer_address, i.customer_name, i.unread, i.assigned_at, i.last_message_at
         FROM interactions i JOIN campaigns c ON c.id = i.campaign_id
        WHERE i.assigned_to = $1 AND i.queue_state = 'assigned'
        ORDER BY i.last_message_at DESC LIMIT 500`,
      [principalOf(req).userId],
    );
    return {
      items: rows.map((r) => ({
        id: r.id,
        campaignId: r.campaign_id,
        campaignKey: r.key,
        subject: r.subject,
        customerAddress: r.customer_address,
        customerName: r.customer_name,
        unread: r.unread,
        assignedAt: iso(r.assigned_at),
        lastMessageAt: r.last_message_at.toISOString(),
      })),
    };
  });

  app.post('/api/offers/:id/accept', { onRequest: requireUser, schema: { tags, params: IdParam, response: { 200: z.object({ interactionId: z.number() }) } } }, async (req) => {
    const r = await deps.db.tx((q) => acceptOffer(q, req.params.id, principalOf(req).userId, now()));
    return { interactionId: r.interactionId };
  });

  app.post('/api/offers/:id/reject', { onRequest: requireUser, schema: { tags, params: IdParam } }, async (req, reply) => {
    await deps.db.tx((q) => endOffer(q, req.params.id, 'declined', now(), principalOf(req).userId));
    return reply.status(204).send();
  });

  const actor = (req: Parameters<typeof principalOf>[0]) => {
    const p = principalOf(req);
    return { userId: p.userId, staff: seesAllCampaigns(p) };
  };

  app.post('/api/interactions/:id/close', { onRequest: requireUser, schema: { tags, params: IdParam, body: CloseIn } }, async (req, reply) => {
    await deps.db.tx(async (q) => {
      await closeInteraction(q, req.params.id, actor(req), now(), req.body?.dispositionId ?? null);
      await endDisposing(q, principalOf(req).userId, now());
    });
    return reply.status(204).send();
  });

  // The agent opens (active) or cancels the disposition of an interaction in their hands.
  app.post('/api/interactions/:id/disposing', { onRequest: requireUser, schema: { tags, params: IdParam, body: z.strictObject({ active: z.boolean() }) } }, async (req) => {
    const me = principalOf(req).userId;
    const paused = await deps.db.tx((q) => (req.body.active ? startDisposing(q, me, req.params.id, now()) : endDisposing(q, me, now())));
    return { paused: req.body.active && paused };
  });

  app.post('/api/interactions/:id/transfer', { onRequest: requireUser, schema: { tags, params: IdParam, body: TransferIn } }, async (req, reply) => {
    await deps.db.tx((q) => transferInteraction(q, req.params.id, actor(req), req.body, now()));
    return reply.status(204).send();
  });

  app.get('/api/pause-reasons', { onRequest: requireUser, schema: { tags, response: { 200: z.object({ items: z.array(PauseReasonOut) }) } } }, async () => {
    const { rows } = await deps.db.query<{ id: string; name: string }>(`SELECT id, name FROM pause_reasons WHERE deleted_at IS NULL ORDER BY lower(name)`);
    return { items: rows };
  });

  app.post('/api/pause-reasons', { onRequest: admin, schema: { tags, body: PauseReasonIn, response: { 201: PauseReasonOut } } }, async (req, reply) => {
    const { rows } = await deps.db.query<{ id: string; name: string }>(
      `INSERT INTO pause_reasons (name) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id, name`,
      [req.body.name],
    );
    if (!rows[0]) throw new AppError('conflict', `a pause reason named "${req.body.name}" already exists`, [{ path: 'name', message: 'already exists' }]);
    return reply.status(201).send(rows[0]);
  });

  app.delete('/api/pause-reasons/:id', { onRequest: admin, schema: { tags, params: z.strictObject({ id: z.uuid() }) } }, async (req, reply) => {
    const r = await deps.db.query(`UPDATE pause_reasons SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL`, [req.params.id]);
    if (r.rowCount === 0) throw notFound('pause reason');
    return reply.status(204).send();
  });

  app.get('/api/supervisor/agents', { onRequest: staff, schema: { tags, response: { 200: z.object({ items: z.array(AgentOut) }) } } }, async () => {
    const { rows } = await deps.db.query<{
      id: string; username: string; display_name: string; state: string | null; reason: string | null; since: Date | null;
      active: number; pending: number; keys: string[]; connected: boolean;
    }>(
      `SELECT u.id, u.username, u.display_name, p.state, r.name AS reason, p.since,
              ${activeLoadSql('u.id')}::int AS active,
              ${pendingLoadSql('u.id')}::int AS pending,
              coalesce((SELECT array_agg(c.key ORDER BY c.key) FROM campaign_members m JOIN campaigns c ON c.id = m.campaign_id AND c.deleted_at IS NULL
                         WHERE m.user_id = u.id), '{}') AS keys,
              EXISTS (SELECT 1 FROM agent_connections ac WHERE ac.user_id = u.id AND ac.seen_at > $1) AS connected
         FROM users u LEFT JOIN agent_presence p ON p.user_id = u.id LEFT JOIN pause_reasons r ON r.id = p.pause_reason_id
        WHERE u.role = 'agent' AND u.enabled
        ORDER BY (p.state = 'available') DESC NULLS LAST, (p.state = 'paused') DESC NULLS LAST, lower(u.display_name)`,
      [new Date(now().getTime() - 20_000)],
    );
    return {
      items: rows.map((r) => ({
        userId: r.id,
        username: r.username,
        displayName: r.display_name,
        state: r.state ?? 'offline',
        pauseReason: r.reason,
        since: iso(r.since),
        active: r.active,
        pending: r.pending,
        campaignKeys: r.keys,
        connected: r.connected,
      })),
    };
  });

  app.post('/api/supervisor/agents/:id/logout', { onRequest: staff, schema: { tags, params: UserParam } }, async (req, reply) => {
    const target = req.params.id;
    await deps.db.tx(async (q) => {
      const u = await q.query(`SELECT 1 FROM users WHERE id = $1 AND role = 'agent'`, [target]);
      if (u.rowCount === 0) throw notFound('agent');
      await setPresence(q, target, 'offline', null, now());
      await q.query(`DELETE FROM sessions WHERE user_id = $1`, [target]);
      await emitEvent(q, { type: 'agent.logged_out', userId: target });
    });
    deps.log.info({ userId: target, by: principalOf(req).userId }, 'agent.logged_out');
    return reply.status(204).send();
  });

  const Period = z
    .strictObject({ from: z.iso.datetime({ offset: true }).optional(), to: z.iso.datetime({ offset: true }).optional() })
    .refine((p) => !p.from || !p.to || Date.parse(p.from) < Date.parse(p.to), { message: 'from must be before to', path: ['from'] });
  // Live figures plus a period's: today in each campaign's zone unless from / to are given.
  app.get('/api/supervisor/queues', { onRequest: staff, schema: { tags, querystring: Period } }, async (req) => ({
    items: await queueStats(deps.db, now(), {
      from: req.query.from ? new Date(req.query.from) : null,
      to: req.query.to ? new Date(req.query.to) : null,
    }),
  }));
};
