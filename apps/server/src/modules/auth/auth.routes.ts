import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { noContentSchema } from '@postdesk/contracts';
import type { Deps } from '../../deps.ts';
import { AppError, forbidden, notFound } from '../../platform/http/errors.ts';
import { editUser, findUserById, findUserByUsername, IdParams, normalizeUsername, presentUser, UpdateMeBody } from '../users/index.ts';
import { LoginBody, TokenBody, TokenCreatedOut, TokensOut, UserEnvelope } from './auth.schema.ts';
import { principalOf, requireRole, requireUser, roleAtMost } from './auth.policy.ts';
import { createSession } from './auth.repo.ts';
import { logOut } from './log-out.ts';
import { verifyPassword } from './passwords.ts';
import { issueToken, listTokens, revokeToken } from './tokens.repo.ts';

export const SESSION_COOKIE = 'pd_session';

/** Login, logout, the current user, and API tokens. */
export const authRoutes = (deps: Deps): FastifyPluginAsyncZod => async (app) => {
  const tags = ['auth'];
  const secureCookie = (req: FastifyRequest): boolean =>
    deps.config.cookieSecure === 'auto' ? req.protocol === 'https' : deps.config.cookieSecure;

  app.post(
    '/api/auth/login',
    {
      schema: { tags, body: LoginBody, response: { 200: UserEnvelope } },
      config: {
        rateLimit: {
          max: deps.config.loginRateLimit,
          timeWindow: 60_000,
          // Per address and per name: one attacker cannot lock out everyone,
          // and one account cannot be guessed from many tabs.
          keyGenerator: (req: FastifyRequest) =>
            // The name in its normal form, the one the lookup uses: two spellings of one user share a bucket.
            `${req.ip}|${normalizeUsername(String((req.body as { username?: unknown } | undefined)?.username ?? ''))}`,
        },
      },
    },
    async (req, reply) => {
      const user = await findUserByUsername(deps.db, req.body.username);
      const ok = await verifyPassword(user?.password_hash ?? null, req.body.password);
      if (!user || !ok || !user.enabled) {
        deps.log.info({ username: req.body.username.slice(0, 64), ip: req.ip }, 'auth.login_failed');
        throw new AppError('unauthenticated', 'wrong username or password');
      }
      const token = await createSession(deps.db, user.id, deps.config.sessionTtlMs);
      void reply.setCookie(SESSION_COOKIE, token, {
        httpOnly: true,
        sameSite: 'strict',
        secure: secureCookie(req),
        path: '/',
        maxAge: Math.floor(deps.config.sessionTtlMs / 1000),
      });
      deps.log.info({ userId: user.id, ip: req.ip }, 'auth.login');
      return { user: presentUser(user) };
    },
  );

  app.post('/api/auth/logout', { schema: { tags, response: { 204: noContentSchema } } }, async (req, reply) => {
    await logOut(deps.db, { session: req.cookies[SESSION_COOKIE] ?? null, userId: req.principal?.userId ?? null }, deps.now());
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.status(204).send(null);
  });

  app.get('/api/auth/me', { onRequest: requireUser, schema: { tags, response: { 200: UserEnvelope } } }, async (req) => {
    const user = await findUserById(deps.db, principalOf(req).userId);
    if (!user) throw notFound('user');
    return { user: presentUser(user) };
  });

  app.patch(
    '/api/auth/me',
    {
      onRequest: requireUser,
      schema: { tags, body: UpdateMeBody, response: { 200: UserEnvelope } },
      config: {
        // The current-password check is a login: the same budget, per user; other edits are not counted.
        rateLimit: {
          max: deps.config.loginRateLimit,
          timeWindow: 60_000,
          keyGenerator: (req: FastifyRequest) => `me-password|${req.principal?.userId ?? req.ip}`,
          allowList: (req: FastifyRequest) => !(req.body as { password?: unknown } | undefined)?.password,
        },
      },
    },
    async (req) => {
      const p = principalOf(req);
      const { password, ...rest } = req.body;
      if (password) {
        const me = await findUserById(deps.db, p.userId);
        if (!me || !(await verifyPassword(me.password_hash, password.current))) {
          throw new AppError('validation_failed', 'password.current: wrong password', [{ path: 'password.current', message: 'wrong password' }]);
        }
      }
      const user = await editUser(deps.db, p.userId, { ...rest, password: password?.next });
      return { user: presentUser(user) };
    },
  );

  const admin = { onRequest: requireRole('admin') };
  const present = (t: Awaited<ReturnType<typeof listTokens>>[number]) => ({
    id: t.id,
    name: t.name,
    role: t.role,
    prefix: t.prefix,
    createdAt: t.created_at.toISOString(),
    lastUsedAt: t.last_used_at?.toISOString() ?? null,
    owner: { id: t.owner_id, username: t.owner_username, displayName: t.owner_display_name },
  });

  app.get('/api/tokens', { ...admin, schema: { tags, response: { 200: TokensOut } } }, async () => ({
    items: (await listTokens(deps.db)).map(present),
  }));

  app.post(
    '/api/tokens',
    {
      ...admin,
      schema: {
        tags,
        body: TokenBody,
        response: { 201: TokenCreatedOut },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      if (!roleAtMost(req.body.role, p.role)) throw forbidden();
      const { token, row } = await issueToken(deps.db, p.userId, req.body.name, req.body.role);
      deps.log.info({ tokenId: row.id, role: row.role, by: p.userId }, 'token.issued');
      return reply.status(201).send({ token, item: present(row) });
    },
  );

  app.delete('/api/tokens/:id', { ...admin, schema: { tags, params: IdParams, response: { 204: noContentSchema } } }, async (req, reply) => {
    if (!(await revokeToken(deps.db, req.params.id))) throw notFound('token');
    return reply.status(204).send(null);
  });
};
