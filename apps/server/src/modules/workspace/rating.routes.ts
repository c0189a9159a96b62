import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Deps } from '../../deps.ts';
import { ratingPage } from './rating.presenter.ts';
import { rateAnswer } from './rate-answer.ts';
import { RatingParams } from './workspace.schema.ts';

/**
 * The customer's rating link: public, the token is the authority. One
 * rating per message; clicking another score changes it. The answer is a
 * small page of its own, with a policy that allows nothing but its style.
 */
export const ratingRoutes = (deps: Deps): FastifyPluginAsyncZod => async (app) => {
  app.get('/rating/:token/:score', { schema: { hide: true, params: RatingParams } }, async (req, reply) => {
    const thanks = await rateAnswer(deps.db, deps.mailSecret, req.params.token, req.params.score);
    const page = thanks === null ? ratingPage(404, 'Link not valid', 'This rating link is not valid.') : ratingPage(200, 'Thank you', thanks);
    return reply
      .status(page.status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .send(page.html);
  });
};
