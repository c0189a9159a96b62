import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Deps } from '../../deps.ts';
import { notFound } from '../../platform/http/errors.ts';
import { principalOf, requireRole } from '../auth/index.ts';
import { CALLBACK_PATH } from './oauth-runtime.ts';
import { presentProvider } from './oauth.presenter.ts';
import { findProvider, listProviders } from './oauth.repo.ts';
import { CallbackPage, CallbackQuery, IdParams, NoContent, ProviderInput, ProviderListOut, ProviderOut, SignInInput, SignInOut, SignInStartedOut } from './oauth.schema.ts';
import { DEFAULT_SCOPES } from './provider-kinds.ts';
import { removeProvider, saveProvider } from './save-provider.ts';
import { completeSignIn, readSignIn, startSignIn } from './sign-in.ts';

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * OAuth2 providers (admin settings; client secrets write-only), sign-ins
 * (admin; the console opens the provider's pages in a popup and polls the
 * sign-in) and the provider's callback, which is public: the state it
 * carries is the authority, spent on first use.
 */
export const oauthRoutes = (deps: Deps): FastifyPluginAsyncZod => async (app) => {
  const tags = ['oauth'];
  const admin = requireRole('admin');

  app.get('/api/oauth/providers', { onRequest: admin, schema: { tags, response: { 200: ProviderListOut } } }, async () => ({
    items: (await listProviders(deps.db)).map(presentProvider),
    redirectUri: deps.oauth.redirectUri,
    defaultScopes: { ...DEFAULT_SCOPES },
  }));

  app.get('/api/oauth/providers/:id', { onRequest: admin, schema: { tags, params: IdParams, response: { 200: ProviderOut } } }, async (req) => {
    const row = await findProvider(deps.db, req.params.id);
    if (!row) throw notFound('provider');
    return presentProvider(row);
  });

  app.post('/api/oauth/providers', { onRequest: admin, schema: { tags, body: ProviderInput, response: { 201: ProviderOut } } }, async (req, reply) =>
    reply.status(201).send(presentProvider(await saveProvider(deps, req.body))),
  );

  app.put('/api/oauth/providers/:id', { onRequest: admin, schema: { tags, params: IdParams, body: ProviderInput, response: { 200: ProviderOut } } }, async (req) =>
    presentProvider(await saveProvider(deps, req.body, req.params.id)),
  );

  app.delete('/api/oauth/providers/:id', { onRequest: admin, schema: { tags, params: IdParams, response: { 204: NoContent } } }, async (req, reply) => {
    await removeProvider(deps, req.params.id);
    return reply.status(204).send(null);
  });

  app.post('/api/oauth/sign-ins', { onRequest: admin, schema: { tags, body: SignInInput, response: { 201: SignInStartedOut } } }, async (req, reply) =>
    reply.status(201).send(await startSignIn(deps, principalOf(req).userId, req.body)),
  );

  app.get('/api/oauth/sign-ins/:id', { onRequest: admin, schema: { tags, params: IdParams, response: { 200: SignInOut } } }, async (req) =>
    readSignIn(deps, principalOf(req).userId, req.params.id),
  );

  app.get(CALLBACK_PATH, { schema: { tags, querystring: CallbackQuery, response: { 200: CallbackPage, 400: CallbackPage } } }, async (req, reply) => {
    const outcome = await completeSignIn(deps, req.query);
    const title = outcome.ok ? 'Signed in' : 'Sign-in refused';
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title><style>body{font:16px system-ui,sans-serif;margin:3rem;color:#222}</style></head><body><h1>${title}</h1><p id="outcome">${escapeHtml(outcome.message)}</p></body></html>`;
    return reply
      .status(outcome.ok ? 200 : 400)
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-store')
      .send(html);
  });
};
