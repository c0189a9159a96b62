import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../deps.ts';
import { emitEvent } from '../../platform/events/events.ts';
import { AppError, type ErrorDetail } from '../../platform/http/errors.ts';
import { requireRole } from '../auth/auth.policy.ts';
import { withdrawOffers } from '../routing/offers.ts';

const Ids = (what: string) => z.array(z.string().uuid(`not a valid ${what} id`)).min(1, `choose at least one ${what}`).max(500);
const MembersBody = z.strictObject({ campaignIds: Ids('campaign'), userIds: Ids('agent') });
const Member = z.object({ campaignId: z.string(), userId: z.string(), username: z.string(), displayName: z.string(), position: z.number(), penalty: z.number() });
const MemberParams = z.strictObject({ campaignId: z.uuid('not a valid campaign id'), userId: z.uuid('not a valid agent id') });
const MemberSettings = z
  .strictObject({
    position: z.number().int().min(0, 'at least 0').max(10_000, 'at most 10000').optional(),
    penalty: z.number().int().min(0, 'at least 0').max(100, 'at most 100').optional(),
  })
  .refine((b) => b.position !== undefined || b.penalty !== undefined, { message: 'give position or penalty' });

/**
 * Members: campaigns × agents, added or removed in one action (the
 * reference's three-column screen). Unknown ids are refused by name, and
 * nothing is half-applied.
 */
export const membersRoutes = (deps: Deps): FastifyPluginAsyncZod => async (app) => {
  const tags = ['members'];
  const staff = requireRole('admin', 'supervisor');
  const admin = requireRole('admin');

  async function checkIds(campaignIds: string[], userIds: string[]): Promise<void> {
    const camps = await deps.db.query<{ id: string }>(`SELECT id FROM campaigns WHERE id = ANY($1::uuid[]) AND deleted_at IS NULL`, [campaignIds]);
    const users = await deps.db.query<{ id: string }>(`SELECT id FROM users WHERE id = ANY($1::uuid[]) AND role = 'agent'`, [userIds]);
    const foundC = new Set(camps.rows.map((r) => r.id));
    const foundU = new Set(users.rows.map((r) => r.id));
    const details: ErrorDetail[] = [
      ...campaignIds.flatMap((id, i) => (foundC.has(id) ? [] : [{ path: `campaignIds.${i}`, message: 'no such campaign' }])),
      ...userIds.flatMap((id, i) => (foundU.has(id) ? [] : [{ path: `userIds.${i}`, message: 'no such agent' }])),
    ];
    if (details.length) throw new AppError('validation_failed', details.map((d) => `${d.path}: ${d.message}`).join('; '), details);
  }

  app.get(
    '/api/members',
    { onRequest: staff, schema: { tags, querystring: z.strictObject({ campaignId: z.string().uuid().optional() }), response: { 200: z.object({ items: z.array(Member) }) } } },
    async (req) => {
      const { rows } = await deps.db.query<{ campaign_id: string; user_id: string; username: string; display_name: string; position: number; penalty: number }>(
        `SELECT m.campaign_id, m.user_id, u.username, u.display_name, m.position, m.penalty
           FROM campaign_members m JOIN users u ON u.id = m.user_id JOIN campaigns c ON c.id = m.campaign_id
          WHERE c.deleted_at IS NULL AND ($1::uuid IS NULL OR m.campaign_id = $1)
          ORDER BY c.name, m.position, lower(u.username)`,
        [req.query.campaignId ?? null],
      );
      return { items: rows.map((r) => ({ campaignId: r.campaign_id, userId: r.user_id, username: r.username, displayName: r.display_name, position: r.position, penalty: r.penalty })) };
    },
  );

  app.post('/api/members', { onRequest: admin, schema: { tags, body: MembersBody } }, async (req, reply) => {
    const { campaignIds, userIds } = req.body;
    await checkIds(campaignIds, userIds);
    await deps.db.query(
      `INSERT INTO campaign_members (campaign_id, user_id)
       SELECT c, u FROM unnest($1::uuid[]) c CROSS JOIN unnest($2::uuid[]) u
       ON CONFLICT DO NOTHING`,
      [campaignIds, userIds],
    );
    await emitEvent(deps.db, { type: 'members.changed', campaignIds, userIds });
    deps.log.info({ campaignIds, userIds, by: req.principal?.userId }, 'members.added');
    return reply.status(204).send();
  });

  // A member's place in `linear` / round-robin order and its penalty for weighted random.
  app.patch('/api/members/:campaignId/:userId', { onRequest: admin, schema: { tags, params: MemberParams, body: MemberSettings } }, async (req, reply) => {
    const { campaignId, userId } = req.params;
    const r = await deps.db.query(
      `UPDATE campaign_members SET position = coalesce($3, position), penalty = coalesce($4, penalty) WHERE campaign_id = $1 AND user_id = $2`,
      [campaignId, userId, req.body.position ?? null, req.body.penalty ?? null],
    );
    if (r.rowCount === 0) throw new AppError('not_found', 'no such member of this campaign');
    await emitEvent(deps.db, { type: 'members.changed', campaignIds: [campaignId], userIds: [userId] });
    return reply.status(204).send();
  });

  app.delete('/api/members', { onRequest: admin, schema: { tags, body: MembersBody } }, async (req, reply) => {
    const { campaignIds, userIds } = req.body;
    await checkIds(campaignIds, userIds);
    await deps.db.tx(async (q) => {
      await q.query(`DELETE FROM campaign_members WHERE campaign_id = ANY($1::uuid[]) AND user_id = ANY($2::uuid[])`, [campaignIds, userIds]);
      // offers from a campaign they no longer belong to go back to its queue
      await withdrawOffers(q, { userIds, campaignIds }, deps.now());
    });
    await emitEvent(deps.db, { type: 'members.changed', campaignIds, userIds });
    deps.log.info({ campaignIds, userIds, by: req.principal?.userId }, 'members.removed');
    return reply.status(204).send();
  });
};
