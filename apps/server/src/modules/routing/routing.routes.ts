import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Deps } from '../../deps.ts';
import { noContentSchema, numericIdParamsSchema as IdParam, uuidParamsSchema as UuidParams } from '@postdesk/contracts';
import { logOut, principalOf, requireRole, requireUser, seesAllCampaigns } from '../auth/index.ts';
import { addPauseReason, removePauseReason } from './add-pause-reason.ts';
import { setDisposing } from './disposing.ts';
import { closeInteraction, transferInteraction } from './handle-interaction.ts';
import { offerViews } from './offers.repo.ts';
import { acceptOffer, endOffer } from './offers.ts';
import { listPauseReasons } from './presence.repo.ts';
import { getPresence, setPresence } from './presence.ts';
import { queueStats } from './queue-stats.ts';
import { presentAgent, presentAssigned, presentOffer, presentPresence } from './routing.presenter.ts';
import {
  AcceptedOut,
  AgentsOut,
  AssignedOut,
  CloseIn,
  DisposingIn,
  DisposingOut,
  OffersOut,
  PauseReasonIn,
  PauseReasonOut,
  PauseReasonsOut,
  Period,
  PresenceIn,
  PresenceOut,
  QueuesOut,
  TransferIn,
} from './routing.schema.ts';
import { agentStates, assignedInteractions } from './supervisor.repo.ts';

// A workspace not refreshed for this long shows as disconnected on the Live view.
const CONNECTED_WITHIN_MS = 20_000;

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
  const me = (req: FastifyRequest): string => principalOf(req).userId;
  const actor = (req: FastifyRequest) => {
    const p = principalOf(req);
    return { userId: p.userId, staff: seesAllCampaigns(p) };
  };

  app.get('/api/me/presence', { onRequest: requireUser, schema: { tags, response: { 200: PresenceOut } } }, async (req) =>
    presentPresence(await getPresence(deps.db, me(req))),
  );

  app.put('/api/me/presence', { onRequest: requireUser, schema: { tags, body: PresenceIn, response: { 200: PresenceOut } } }, async (req) => {
    await deps.db.tx((q) => setPresence(q, me(req), req.body.state, req.body.pauseReasonId ?? null, deps.now()));
    return presentPresence(await getPresence(deps.db, me(req)));
  });

  app.get('/api/me/offers', { onRequest: requireUser, schema: { tags, response: { 200: OffersOut } } }, async (req) => ({
    items: (await offerViews(deps.db, { userIds: [me(req)] })).map(presentOffer),
  }));

  app.get('/api/me/interactions', { onRequest: requireUser, schema: { tags, response: { 200: AssignedOut } } }, async (req) => ({
    items: (await assignedInteractions(deps.db, me(req))).map(presentAssigned),
  }));

  app.post('/api/offers/:id/accept', { onRequest: requireUser, schema: { tags, params: IdParam, response: { 200: AcceptedOut } } }, async (req) => {
    const r = await deps.db.tx((q) => acceptOffer(q, req.params.id, me(req), deps.now()));
    return { interactionId: r.interactionId };
  });

  app.post('/api/offers/:id/reject', { onRequest: requireUser, schema: { tags, params: IdParam, response: { 204: noContentSchema } } }, async (req, reply) => {
    await deps.db.tx((q) => endOffer(q, req.params.id, 'declined', deps.now(), me(req)));
    return reply.status(204).send(null);
  });

  app.post('/api/interactions/:id/close', { onRequest: requireUser, schema: { tags, params: IdParam, body: CloseIn, response: { 204: noContentSchema } } }, async (req, reply) => {
    await deps.db.tx((q) => closeInteraction(q, req.params.id, actor(req), deps.now(), req.body?.dispositionId ?? null));
    return reply.status(204).send(null);
  });

  // The agent opens (active) or cancels the disposition of an interaction in their hands.
  app.post('/api/interactions/:id/disposing', { onRequest: requireUser, schema: { tags, params: IdParam, body: DisposingIn, response: { 200: DisposingOut } } }, async (req) => ({
    paused: await deps.db.tx((q) => setDisposing(q, me(req), req.params.id, req.body.active, deps.now())),
  }));

  app.post('/api/interactions/:id/transfer', { onRequest: requireUser, schema: { tags, params: IdParam, body: TransferIn, response: { 204: noContentSchema } } }, async (req, reply) => {
    await deps.db.tx((q) => transferInteraction(q, req.params.id, actor(req), req.body, deps.now()));
    return reply.status(204).send(null);
  });

  app.get('/api/pause-reasons', { onRequest: requireUser, schema: { tags, response: { 200: PauseReasonsOut } } }, async () => ({
    items: await listPauseReasons(deps.db),
  }));

  app.post('/api/pause-reasons', { onRequest: admin, schema: { tags, body: PauseReasonIn, response: { 201: PauseReasonOut } } }, async (req, reply) =>
    reply.status(201).send(await deps.db.tx((q) => addPauseReason(q, req.body.name))),
  );

  app.delete('/api/pause-reasons/:id', { onRequest: admin, schema: { tags, params: UuidParams, response: { 204: noContentSchema } } }, async (req, reply) => {
    await deps.db.tx((q) => removePauseReason(q, req.params.id));
    return reply.status(204).send(null);
  });

  app.get('/api/supervisor/agents', { onRequest: staff, schema: { tags, response: { 200: AgentsOut } } }, async () => ({
    items: (await agentStates(deps.db, new Date(deps.now().getTime() - CONNECTED_WITHIN_MS))).map(presentAgent),
  }));

  app.post('/api/supervisor/agents/:id/logout', { onRequest: staff, schema: { tags, params: UuidParams, response: { 204: noContentSchema } } }, async (req, reply) => {
    await logOut(deps.db, { agentId: req.params.id }, deps.now());
    deps.log.info({ userId: req.params.id, by: me(req) }, 'agent.logged_out');
    return reply.status(204).send(null);
  });

  // Live figures plus a period's: today in each campaign's zone unless from / to are given.
  app.get('/api/supervisor/queues', { onRequest: staff, schema: { tags, querystring: Period, response: { 200: QueuesOut } } }, async (req) => ({
    items: await queueStats(deps.db, deps.now(), {
      from: req.query.from ? new Date(req.query.from) : null,
      to: req.query.to ? new Date(req.query.to) : null,
    }),
  }));
};
