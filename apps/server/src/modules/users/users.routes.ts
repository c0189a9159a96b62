import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { userListSchema } from '@postdesk/contracts';
import type { Deps } from '../../deps.ts';
import { notFound } from '../../platform/http/errors.ts';
import { requireRole } from '../auth/index.ts';
import { createUser } from './create-user.ts';
import { editUser } from './update-user.ts';
import { presentUser } from './users.presenter.ts';
import { findUserById, listUsers } from './users.repo.ts';
import { CreateUserBody, IdParams, UpdateUserBody, UserOut } from './users.schema.ts';

/** Admin-only user management. */
export const usersRoutes = (deps: Deps): FastifyPluginAsyncZod => async (app) => {
  const admin = { onRequest: requireRole('admin') };
  const tags = ['users'];

  app.get('/api/users', { ...admin, schema: { tags, response: { 200: userListSchema } } }, async () => ({
    items: (await listUsers(deps.db)).map(presentUser),
  }));

  app.get('/api/users/:id', { ...admin, schema: { tags, params: IdParams, response: { 200: UserOut } } }, async (req) => {
    const u = await findUserById(deps.db, req.params.id);
    if (!u) throw notFound('user');
    return presentUser(u);
  });

  app.post('/api/users', { ...admin, schema: { tags, body: CreateUserBody, response: { 201: UserOut } } }, async (req, reply) => {
    const u = await createUser(deps.db, req.body);
    deps.log.info({ userId: u.id, role: u.role, by: req.principal?.userId }, 'user.created');
    return reply.status(201).send(presentUser(u));
  });

  app.patch('/api/users/:id', { ...admin, schema: { tags, params: IdParams, body: UpdateUserBody, response: { 200: UserOut } } }, async (req) => {
    const u = await editUser(deps.db, req.params.id, req.body);
    deps.log.info({ userId: u.id, by: req.principal?.userId, fields: Object.keys(req.body) }, 'user.updated');
    return presentUser(u);
  });
};
