import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { csvSchema, reportQuerySchema, reportSchema } from '@postdesk/contracts';
import type { Deps } from '../../deps.ts';
import { campaignScope, principalOf, requireRole } from '../auth/index.ts';
import { buildReport } from './build-report.ts';
import { reportCsv } from './report-csv.ts';

/**
 * Per-period reports for admins and supervisors: figures per campaign and
 * per agent, in each campaign's time zone, from the queue-entry history;
 * as JSON for the console and as CSV. A supervisor sees only their
 * campaigns; naming another one is "not found".
 */
export const reportsRoutes = (deps: Deps): FastifyPluginAsyncZod => async (app) => {
  const tags = ['reports'];
  const staff = requireRole('admin', 'supervisor');

  app.get('/api/reports', { onRequest: staff, schema: { tags, querystring: reportQuerySchema, response: { 200: reportSchema } } }, async (req) =>
    buildReport(deps.db, campaignScope(principalOf(req)), req.query, deps.now()),
  );

  app.get('/api/reports/export', { onRequest: staff, schema: { tags, querystring: reportQuerySchema, response: { 200: csvSchema } } }, async (req, reply) => {
    const report = await buildReport(deps.db, campaignScope(principalOf(req)), req.query, deps.now());
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="report-${req.query.preset}.csv"`)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'private, no-store')
      .send(reportCsv(report));
  });
};
