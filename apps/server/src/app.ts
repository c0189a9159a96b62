import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Deps } from './deps.ts';
import { isReachable } from './platform/db/db.ts';
import { realtimeDocument } from './modules/realtime/realtime.document.ts';
import { errorHandler } from './platform/http/error-handler.ts';
import { AppError } from './platform/http/errors.ts';
import { metricsGuard } from './platform/http/metrics-access.ts';
import { refuseNulCharacters } from './platform/http/nul-guard.ts';
import { sameOrigin } from './platform/http/origin.ts';
import { isRoleGuard } from './modules/auth/auth.policy.ts';
import { authRoutes, SESSION_COOKIE } from './modules/auth/auth.routes.ts';
import { findApiToken, findSession } from './modules/auth/index.ts';
import { campaignsRoutes } from './modules/campaigns/campaigns.routes.ts';
import { ingestionRoutes } from './modules/ingestion/ingestion.routes.ts';
import { membersRoutes } from './modules/members/members.routes.ts';
import { templatesRoutes } from './modules/templates/templates.routes.ts';
import { dispositionsRoutes } from './modules/dispositions/dispositions.routes.ts';
import { usersRoutes } from './modules/users/users.routes.ts';
import type { RealtimeHub } from './modules/realtime/realtime-hub.ts';
import { realtimeRoutes } from './modules/realtime/realtime.routes.ts';
import { ratingRoutes } from './modules/workspace/rating.routes.ts';
import { workspaceRoutes } from './modules/workspace/workspace.routes.ts';
import { routingRoutes } from './modules/routing/routing.routes.ts';
import { dialerLinksRoutes, dialerRoutes } from './modules/dialer/index.ts';
import { recordsRoutes } from './modules/records/records.routes.ts';
import { reportsRoutes } from './modules/reports/reports.routes.ts';
import { oauthRoutes } from './modules/oauth/oauth.routes.ts';

/** Where `vite build` writes the console. */
export const webDist = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Requests that happen all day and say nothing about what users do — the
 * console's files, health checks, metric scrapes — are logged at debug; API
 * calls and customers' rating clicks at info.
 */
export const routineRequest = (path: string): boolean => !path.startsWith('/api/') && !path.startsWith('/rating/');

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route checks its own credentials (e.g. /metrics' token): no session or API token is resolved. */
    ownAuth?: boolean;
  }
}

/**
 * Builds the HTTP app: external plugins, then authentication, then the
 * capability routes, then the console. Nothing listens until the caller says.
 */
export async function buildApp(deps: Deps, opts: { serveWeb?: boolean; realtime?: RealtimeHub } = {}): Promise<FastifyInstance> {
  const trust = deps.config.trustProxy;
  // a hop count as proxy-addr takes it (Fastify's types omit the number form)
  const trustProxy = typeof trust === 'number' ? (_addr: string, hop: number) => hop < trust : trust === false ? false : [...trust];
  const app = Fastify({
    // pino's Logger is a superset of Fastify's logger type.
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: deps.config.bodyLimitBytes,
    // behind a TLS proxy: the client's address (rate limits), scheme (Secure cookies) and host
    trustProxy,
    // one line per request, written below at a level that depends on what was asked
    logController: new LogController({ disableRequestLogging: true }),
  }).withTypeProvider<ZodTypeProvider>();

  // A role guard must run before the body is read: after it, an anonymous
  // caller would learn the route's schema from the validation error.
  app.addHook('onRoute', (route) => {
    const late = [route.preValidation, route.preHandler].flat().some(isRoleGuard);
    if (late) throw new Error(`${String(route.method)} ${route.url}: a role guard must be an onRequest hook`);
  });

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  // JSON only: a form post or text/plain body from another site is refused
  // before it reaches a route (with SameSite=Strict cookies, the CSRF guard).
  app.removeContentTypeParser(['text/plain']);

  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, {
    global: false,
    hook: 'preHandler',
    errorResponseBuilder: (_req, ctx) => new AppError('rate_limited', `too many attempts, try again in ${Math.ceil(ctx.ttl / 1000)} s`),
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Postdesk API', version: '0.1.0', description: 'Email contact center. Errors are { code, message, details? }.' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
          token: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ session: [] }, { token: [] }],
    },
    transform: jsonSchemaTransform,
  });

  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    if (req.routeOptions.config?.ownAuth) return;
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) {
      req.principal = await findApiToken(deps.db, auth.slice(7).trim());
      if (!req.principal) throw new AppError('unauthenticated', 'invalid or revoked API token');
      return;
    }
    const cookie = req.cookies[SESSION_COOKIE];
    if (cookie) {
      req.principal = await findSession(deps.db, cookie);
      // A browser request that changes state must come from our own origin.
      if (req.principal && UNSAFE.has(req.method) && req.headers.origin) {
        if (!sameOrigin(req.headers.origin, req.host)) throw new AppError('forbidden', 'cross-origin request refused');
      }
    }
  });

  // every text field of every request: one rule, before any route's schema
  app.addHook('preValidation', refuseNulCharacters);

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    deps.metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    deps.metrics.httpDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
    // the path only: a query string can carry what a user searched for
    const url = req.url.split('?')[0]!;
    const line = { method: req.method, url, status: reply.statusCode, ms: Math.round(reply.elapsedTime), ip: req.ip };
    if (routineRequest(url)) req.log.debug(line, 'request');
    else req.log.info(line, 'request');
  });

  app.addHook('onSend', async (req, reply, payload) => {
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('referrer-policy', 'same-origin');
    if (req.url.startsWith('/api/')) void reply.header('cache-control', 'no-store');
    return payload;
  });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    if (await isReachable(deps.db)) return { status: 'ready' };
    return reply.status(503).send({ code: 'not_ready', message: 'database unreachable' });
  });
  app.get(
    '/metrics',
    { schema: { hide: true }, config: { ownAuth: true }, onRequest: metricsGuard({ token: deps.config.metricsToken, trustsProxy: deps.config.trustProxy !== false }) },
    async (_req, reply) => {
      void reply.header('content-type', deps.metrics.registry.contentType);
      return deps.metrics.registry.metrics();
    },
  );

  await app.register(authRoutes(deps));
  await app.register(usersRoutes(deps));
  await app.register(campaignsRoutes(deps));
  await app.register(membersRoutes(deps));
  await app.register(templatesRoutes(deps));
  await app.register(dispositionsRoutes(deps));
  await app.register(ingestionRoutes(deps));
  await app.register(routingRoutes(deps));
  await app.register(workspaceRoutes(deps));
  await app.register(ratingRoutes(deps));
  await app.register(dialerRoutes(deps));
  await app.register(dialerLinksRoutes(deps));
  await app.register(recordsRoutes(deps));
  await app.register(reportsRoutes(deps));
  await app.register(oauthRoutes(deps));
  if (opts.realtime) await app.register(realtimeRoutes(deps, opts.realtime));

  // The HTTP API from the routes' schemas, and the WebSocket's pushes from the contract's union.
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => ({ ...app.swagger(), 'x-websocket': realtimeDocument }));

  if (opts.serveWeb !== false && existsSync(path.join(webDist, 'index.html'))) {
    await app.register(fastifyStatic, { root: webDist, prefix: '/', wildcard: false, index: ['index.html'] });
    app.addHook('onSend', async (req, reply, payload) => {
      if (!req.url.startsWith('/api/') && !reply.hasHeader('content-security-policy')) {
        void reply.header('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
        void reply.header('x-frame-options', 'DENY');
      }
      return payload;
    });
  }
  app.setNotFoundHandler((req, reply) => {
    if (req.method === 'GET' && !req.url.startsWith('/api/') && existsSync(path.join(webDist, 'index.html')) && opts.serveWeb !== false) {
      return reply.type('text/html').sendFile('index.html');
    }
    return reply.status(404).send({ code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` });
  });

  return app;
}
