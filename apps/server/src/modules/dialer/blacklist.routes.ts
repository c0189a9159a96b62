import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { blacklistAddressParamsSchema, blacklistEntrySchema, blacklistInputSchema, blacklistPageSchema, blacklistQuerySchema, blacklistUploadSchema, noContentSchema } from '@postdesk/contracts';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../platform/http/errors.ts';
import { requireRole } from '../auth/index.ts';
import { addToBlacklist, readBlacklist, removeFromBlacklist, uploadBlacklist } from './blacklist.ts';

/** A blacklist file larger than this is refused (a million addresses with notes fit). */
export const MAX_BLACKLIST_FILE_BYTES = 64 * 1024 * 1024;

/**
 * The file as it streams in, refused past `max` bytes. When the check stops
 * early (a line too long) the rest of the body is read and dropped, up to
 * `max`, so the client gets the report instead of a reset connection.
 */
async function* bounded(body: Readable, max: number): AsyncIterable<Buffer> {
  let seen = 0;
  let ended = false;
  try {
    for await (const chunk of body.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer | string>) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      seen += b.length;
      if (seen > max) throw new AppError('payload_too_large', `the file is larger than ${max / 1024 / 1024} MiB: split it`);
      yield b;
    }
    ended = true;
  } finally {
    if (!ended && !body.destroyed) {
      body.on('data', (c: Buffer) => {
        seen += c.length;
        if (seen > max) body.destroy();
      });
      body.resume();
    }
  }
}

/**
 * The dialer blacklist: global (an address on it receives no dialer mail
 * from any campaign), so admins only. Registered inside the dialer routes,
 * whose text/csv parser hands the upload over as a stream.
 */
export const blacklistRoutes = (deps: Deps): FastifyPluginAsyncZod => async (app) => {
  const admin = requireRole('admin');
  const tags = ['dialer'];

  app.get('/api/dialers/blacklist', { onRequest: admin, schema: { tags, querystring: blacklistQuerySchema, response: { 200: blacklistPageSchema } } }, async (req) =>
    readBlacklist(deps.db, req.query.q, req.query.offset, req.query.limit),
  );

  app.post('/api/dialers/blacklist', { onRequest: admin, schema: { tags, body: blacklistInputSchema, response: { 201: blacklistEntrySchema } } }, async (req, reply) =>
    reply.status(201).send(await addToBlacklist(deps.db, req.body.address, req.body.note)),
  );

  app.delete('/api/dialers/blacklist/:address', { onRequest: admin, schema: { tags, params: blacklistAddressParamsSchema, response: { 204: noContentSchema } } }, async (req, reply) => {
    await removeFromBlacklist(deps.db, req.params.address);
    return reply.status(204).send(null);
  });

  // 201 when the file was added whole; 422 with every problem by line when refused (nothing added)
  app.post(
    '/api/dialers/blacklist/upload',
    { onRequest: admin, schema: { tags, consumes: ['text/csv', 'application/octet-stream'], response: { 201: blacklistUploadSchema, 422: blacklistUploadSchema } } },
    async (req, reply) => {
      const body = req.body as unknown;
      if (!body || typeof (body as Readable).pipe !== 'function') throw new AppError('unsupported_media_type', 'send the file as text/csv');
      const r = await uploadBlacklist(deps.db, bounded(body as Readable, MAX_BLACKLIST_FILE_BYTES));
      return reply.status(r.ok ? 201 : 422).send(r);
    },
  );
};
