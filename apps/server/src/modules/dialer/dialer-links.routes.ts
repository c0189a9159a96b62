import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { verifyRecipientToken } from '@postdesk/mailkit/bulk';
import { dialerLinkParamsSchema } from '@postdesk/contracts';
import type { Deps } from '../../deps.ts';
import { emitEvent } from '../../platform/events/events.ts';
import { blacklistKey } from './blacklist-key.ts';
import { findSentRow, markSeen, markUnsubscribed } from './dialers.repo.ts';

// The public links in dialer mail: the tracking pixel and the one-click
// unsubscribe (RFC 8058). The token is the authority (the row id and its
// MAC under the mail secret); nothing says whether a token was valid.

const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const page = (title: string, body: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title><style>body{font:16px system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}button{font:inherit;padding:.5rem 1rem}</style></head><body><h1>${title}</h1>${body}</body></html>`;

/** The pixel and unsubscribe links: public, outside the session. */
export const dialerLinksRoutes = (deps: Deps): FastifyPluginAsyncZod => async (app) => {
  // RFC 8058: the one-click POST carries "List-Unsubscribe=One-Click" as a form; its body says nothing the token does not
  app.addContentTypeParser('application/x-www-form-urlencoded', (_req: unknown, payload: Readable, done: (err: Error | null, body?: unknown) => void) => {
    payload.resume();
    payload.once('end', () => done(null, null));
    payload.once('error', (err) => done(err));
  });
  const rowOf = (token: string): string | null => verifyRecipientToken(token, deps.mailSecret);
  const hint = (dialerId: string | null) => (dialerId ? emitEvent(deps.db, { type: 'dialer.changed', dialerId }) : Promise.resolve());

  app.get('/api/public/dialer/o/:token', { schema: { hide: true, params: dialerLinkParamsSchema }, config: { ownAuth: true } }, async (req, reply) => {
    const row = rowOf(req.params.token);
    if (row) await hint(await markSeen(deps.db, row));
    return reply.header('content-type', 'image/gif').header('cache-control', 'no-store').send(PIXEL);
  });

  // a GET (a person's click, or a link scanner) only asks; the POST unsubscribes
  app.get('/api/public/dialer/u/:token', { schema: { hide: true, params: dialerLinkParamsSchema }, config: { ownAuth: true } }, async (req, reply) => {
    const row = rowOf(req.params.token);
    const found = row ? await findSentRow(deps.db, row) : null;
    const html = !found
      ? page('Link not valid', '<p>This unsubscribe link is not valid.</p>')
      : found.unsubscribed
        ? page('Unsubscribed', '<p>You will not receive these messages any more.</p>')
        : page('Unsubscribe', `<p>Stop receiving these messages?</p><form method="post"><button type="submit">Unsubscribe</button></form>`);
    return reply.status(found ? 200 : 404).header('content-type', 'text/html; charset=utf-8').header('content-security-policy', PAGE_CSP).send(html);
  });

  app.post('/api/public/dialer/u/:token', { schema: { hide: true, params: dialerLinkParamsSchema }, config: { ownAuth: true } }, async (req, reply) => {
    const row = rowOf(req.params.token);
    const found = row ? await findSentRow(deps.db, row) : null;
    if (!found || !row) return reply.status(404).header('content-type', 'text/html; charset=utf-8').header('content-security-policy', PAGE_CSP).send(page('Link not valid', '<p>This unsubscribe link is not valid.</p>'));
    await hint(await markUnsubscribed(deps.db, row, blacklistKey(found.destination)));
    return reply.header('content-type', 'text/html; charset=utf-8').header('content-security-policy', PAGE_CSP).send(page('Unsubscribed', '<p>You will not receive these messages any more.</p>'));
  });
};
