import websocket from '@fastify/websocket';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Deps } from '../../deps.ts';
import { sameOrigin } from '../../platform/http/origin.ts';
import { isStaff, seesAllCampaigns } from '../auth/index.ts';
import type { RealtimeHub } from './realtime-hub.ts';

/**
 * GET /api/ws: the workspace's push channel. Authenticated like every API
 * call (session cookie or bearer token, resolved before the upgrade). A
 * cookie-authenticated socket must come from our own origin: browsers send
 * cookies with cross-site WebSocket handshakes, and SameSite does not cover
 * every case, so the Origin header is checked here.
 */
export const realtimeRoutes = (_deps: Deps, hub: RealtimeHub): FastifyPluginAsyncZod => async (app) => {
  await app.register(websocket, { options: { maxPayload: 4096 } });
  app.get('/api/ws', { websocket: true, schema: { hide: true } }, (socket, req) => {
    const p = req.principal;
    if (!p) {
      socket.close(4401, 'log in first');
      return;
    }
    if (p.via === 'session') {
      if (!sameOrigin(req.headers.origin, req.host)) {
        socket.close(4403, 'cross-origin socket refused');
        return;
      }
    }
    hub.add(socket, { userId: p.userId, staff: isStaff(p), all: seesAllCampaigns(p), credential: p.credential });
  });
};
