import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { noContentSchema } from '@postdesk/contracts';
import type { Deps } from '../../deps.ts';
import { notFound } from '../../platform/http/errors.ts';
import { principalOf, requireRole } from '../auth/index.ts';
import { addSpyNote } from './add-spy-note.ts';
import { deleteRecords } from './delete-records.ts';
import { exportCsv } from './export-csv.ts';
import { exportThread } from './export-thread.ts';
import { readRecord } from './read-record.ts';
import { presentRecord, presentSaved } from './records.presenter.ts';
import { visibleCampaignIds } from './records.policy.ts';
import { deleteSavedSearch, insertSavedSearch, savedSearches } from './records.repo.ts';
import { CsvOut, DeletedOut, DeleteIn, ExportIn, IdParams, NoteIn, NoteOut, PageOut, SavedIn, SavedListOut, SavedOut, SearchIn, ThreadOut, UuidParams, ZipOut, ZipQuery } from './records.schema.ts';
import { searchPage } from './search-records.ts';

/**
 * Records, the supervisor's side of the mail: the interactions list and
 * recordings (filters, advanced search, keyset pages), the email viewer,
 * CSV export, thread download, deletion and saved searches. Admins and
 * supervisors only; every query is scoped by visibleCampaignIds.
 */
export const recordsRoutes = (deps: Deps): FastifyPluginAsyncZod => async (app) => {
  const tags = ['records'];
  const staff = requireRole('admin', 'supervisor');
  const scopeOf = (req: FastifyRequest) => visibleCampaignIds(deps, principalOf(req));

  app.post('/api/records/search', { onRequest: staff, schema: { tags, body: SearchIn, response: { 200: PageOut } } }, async (req) => {
    const { cursor, limit, ...search } = req.body;
    const page = await searchPage(deps.db, await scopeOf(req), search, { cursor, limit });
    return { items: page.rows.map(presentRecord), nextCursor: page.nextCursor };
  });

  app.post('/api/records/export', { onRequest: staff, schema: { tags, body: ExportIn, response: { 200: CsvOut } } }, async (req, reply) => {
    const { ids, ...search } = req.body;
    const csv = await exportCsv(deps, await scopeOf(req), search, ids);
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="interactions.csv"')
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'private, no-store')
      .send(csv as unknown as string); // a stream (never serialised); the schema documents the answer
  });

  app.get('/api/records/interactions/:id', { onRequest: staff, schema: { tags, params: IdParams, response: { 200: ThreadOut } } }, async (req) =>
    readRecord(deps.db, await scopeOf(req), principalOf(req).userId, req.params.id, deps.now()),
  );

  // the supervisor's internal note ("spy" note): agents see it, customers never
  app.post('/api/records/interactions/:id/notes', { onRequest: staff, schema: { tags, params: IdParams, body: NoteIn, response: { 201: NoteOut } } }, async (req, reply) => {
    const n = await addSpyNote(deps.db, await scopeOf(req), principalOf(req).userId, req.params.id, req.body.text);
    return reply.status(201).send({ id: n.id, createdAt: n.createdAt.toISOString() });
  });

  app.get('/api/records/interactions/:id/download', { onRequest: staff, schema: { tags, params: IdParams, querystring: ZipQuery, response: { 200: ZipOut } } }, async (req, reply) => {
    const withFiles = req.query.attachments === '1';
    const zip = await exportThread(deps, await scopeOf(req), req.params.id, withFiles);
    return reply
      .header('content-type', 'application/zip')
      .header('content-disposition', `attachment; filename="interaction-${req.params.id}${withFiles ? '' : '-no-attachments'}.zip"`)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'private, no-store')
      .send(zip as unknown as string);
  });

  app.post('/api/records/delete', { onRequest: staff, schema: { tags, body: DeleteIn, response: { 200: DeletedOut } } }, async (req) =>
    deleteRecords(deps, await scopeOf(req), principalOf(req).userId, req.body.ids),
  );

  app.get('/api/records/saved-searches', { onRequest: staff, schema: { tags, response: { 200: SavedListOut } } }, async (req) => ({
    items: (await savedSearches(deps.db, principalOf(req).userId)).map(presentSaved),
  }));

  app.post('/api/records/saved-searches', { onRequest: staff, schema: { tags, body: SavedIn, response: { 201: SavedOut } } }, async (req, reply) =>
    reply.status(201).send(presentSaved(await insertSavedSearch(deps.db, principalOf(req).userId, req.body.name, req.body.search))),
  );

  app.delete('/api/records/saved-searches/:id', { onRequest: staff, schema: { tags, params: UuidParams, response: { 204: noContentSchema } } }, async (req, reply) => {
    if (!(await deleteSavedSearch(deps.db, principalOf(req).userId, req.params.id))) throw notFound('saved search');
    return reply.status(204).send(null);
  });
};
