import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isValidAddress } from '@postdesk/mailkit/compose';
import { mailBodyCsp, mailDocument } from '@postdesk/mailkit/render';
import { escapeHtml, templateValues } from '@postdesk/mailkit/template';
import type { Deps } from '../../deps.ts';
import { emitEvent } from '../../platform/events/events.ts';
import { AppError, invalid, notFound } from '../../platform/http/errors.ts';
import { iso } from '../../platform/http/iso.ts';
import { principalOf, requireUser, seesAllCampaigns } from '../auth/auth.policy.ts';
import { listCampaigns } from '../campaigns/campaigns.repo.ts';
import { recordBlobs } from '../ingestion/ingestion.repo.ts';
import { ticketOf } from '../outbound/outbound-subject.ts';
import { requeue } from '../outbound/outbox.repo.ts';
import { createBodyCache, messageBody, SAFE_IMAGES } from './message-body.ts';
import { verifyRatingToken } from './rating-token.ts';
import { MAX_ATTACHMENT_BYTES, sendInInteraction, startInteraction } from './send-message.ts';
import {
  deleteDraft,
  draftOf,
  inbox,
  notesOf,
  otherOpen,
  saveDraft,
  searchInteractions,
  threadMessages,
  visibleAttachments,
  visibleInteraction,
  visibleMessage,
  type DraftRow,
  type InboxRow,
  type Viewer,
} from './workspace.repo.ts';

const IdParam = z.strictObject({ id: z.string().regex(/^\d{1,18}$/, 'a numeric id').transform(Number) });
const NoControl = (max: number) =>
  z.string().max(max, `at most ${max} characters`).refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'control characters (line breaks) are not allowed');
const Address = z.strictObject({
  address: z.string().trim().max(254).refine(isValidAddress, 'not a valid e-mail address'),
  name: NoControl(200).optional(),
});
const Attachment = z.union([
  z.strictObject({ uploadId: z.uuid('not a valid upload id') }),
  z.strictObject({ messageId: z.number().int().positive(), partPath: z.string().regex(/^[\w.-]{1,64}$/, 'not a valid part') }),
]);
// A draft also keeps an upload's name and size, to show it again when the draft is reopened.
const DraftAttachment = z.union([
  z.strictObject({ uploadId: z.uuid('not a valid upload id'), name: z.string().max(255).optional(), size: z.number().int().min(0).optional() }),
  z.strictObject({ messageId: z.number().int().positive(), partPath: z.string().regex(/^[\w.-]{1,64}$/, 'not a valid part') }),
]);
const Compose = {
  to: z.array(Address).max(50).default([]),
  cc: z.array(Address).max(50).default([]),
  html: z.string().max(2 * 1024 * 1024, 'at most 2 MiB'),
  attachments: z.array(Attachment).max(50).default([]),
};
const SendIn = z.strictObject({
  mode: z.enum(['reply', 'reply_all', 'reply_history', 'forward']),
  subject: NoControl(900).optional(),
  parentId: z.number().int().positive().optional(),
  ...Compose,
});
const NewMailIn = z.strictObject({ subject: NoControl(900), ...Compose });
const DraftIn = z.strictObject({
  mode: z.enum(['reply', 'reply_all', 'reply_history', 'forward']),
  subject: z.string().max(900).default(''),
  to: z.array(z.object({ address: z.string().max(254), name: z.string().max(200).optional() })).max(50).default([]),
  cc: z.array(z.object({ address: z.string().max(254), name: z.string().max(200).optional() })).max(50).default([]),
  html: z.string().max(2 * 1024 * 1024, 'at most 2 MiB'),
  attachments: z.array(DraftAttachment).max(50).default([]),
});
// A new mail in progress: anything may still be missing; it is checked when sent.
const NewMailDraftIn = z.strictObject({
  campaignId: z.uuid('not a valid campaign id').nullable().default(null),
  subject: z.string().max(900).default(''),
  to: DraftIn.shape.to,
  cc: DraftIn.shape.cc,
  html: DraftIn.shape.html,
  attachments: z.array(DraftAttachment.options[0]).max(50).default([]),
});
const NoteIn = z.strictObject({ text: z.string().trim().min(1, 'required').max(20_000, 'at most 20000 characters') });
const SearchQuery = z.strictObject({ q: z.string().trim().min(3, 'at least 3 characters').max(200, 'at most 200 characters') });
const UploadQuery = z.strictObject({
  filename: z.string().min(1, 'required').max(255, 'at most 255 characters'),
  type: z.string().regex(/^[A-Za-z0-9][\w!#$&^.+-]{0,126}\/[A-Za-z0-9][\w!#$&^.+-]{0,126}$/, 'not a MIME type').optional(),
});

const presentDraft = (d: DraftRow) => ({
  mode: d.mode,
  to: d.to_addresses,
  cc: d.cc_addresses,
  subject: d.subject,
  html: d.html,
  attachments: d.attachments,
  updatedAt: d.updated_at.toISOString(),
});

const presentItem = (r: InboxRow & { assigned_name?: string | null }) => ({
  id: r.id,
  campaignId: r.campaign_id,
  campaignKey: r.key,
  campaignName: r.campaign_name,
  subject: r.subject,
  customerAddress: r.customer_address,
  customerName: r.customer_name,
  unread: r.unread,
  status: r.status,
  assignedAt: iso(r.assigned_at),
  lastMessageAt: r.last_message_at.toISOString(),
  closedAt: iso(r.closed_at),
  ...(r.assigned_name !== undefined ? { assignedName: r.assigned_name } : {}),
});

/** A file name as it may appear in a Content-Disposition header: an ASCII fallback and the exact name in RFC 5987 form. */
export function contentDisposition(kind: 'attachment' | 'inline', filename: string): string {
  const clean = filename.replace(/[\u0000-\u001f\u007f/\\]/g, '_').trim() || 'attachment';
  const ascii = clean.replace(/[^A-Za-z0-9._ ()-]/g, '_');
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(clean).replace(/['()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())}`;
}

/**
 * The agent workspace: inbox, thread, message bodies (sanitised, for a
 * sandboxed frame), attachments (downloads only), uploads, replies, new mail,
 * drafts, notes, search, and the customer's public rating page. Everything is
 * scoped to the campaigns the user belongs to; the rest is "not found".
 */
export const workspaceRoutes = (deps: Deps): FastifyPluginAsyncZod => async (app) => {
  const tags = ['workspace'];
  const viewer = (req: FastifyRequest): Viewer => {
    const p = principalOf(req);
    return { userId: p.userId, all: seesAllCampaigns(p) };
  };
  const sendDeps = (req: FastifyRequest) => ({
    blobs: deps.blobs,
    mailSecret: deps.mailSecret,
    now: deps.now,
    publicUrl: deps.config.publicUrl ?? `${req.protocol}://${req.host}`,
    render: deps.render,
  });
  const bodies = createBodyCache();

  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: MAX_ATTACHMENT_BYTES }, (_req, body, done) => done(null, body));

  app.get('/api/me/inbox', { preHandler: requireUser, schema: { tags } }, async (req) => {
    const r = await inbox(deps.db, principalOf(req).userId, deps.now());
    return { active: r.active.map(presentItem), closed: r.closed.map(presentItem) };
  });

  // The campaigns an agent may start a new mail in.
  const writableCampaigns = async (v: Viewer) => (await listCampaigns(deps.db, v)).filter((c) => c.enabled);
  app.get('/api/me/campaigns', { preHandler: requireUser, schema: { tags } }, async (req) => ({
    items: (await writableCampaigns(viewer(req))).map((c) => ({
      id: c.id,
      key: c.key,
      name: c.name,
      timezone: c.timezone,
      signatureTemplateId: c.signature_template_id,
    })),
  }));

  // Where the interaction may be transferred: the campaign's other members
  // with their presence, and the other campaigns, as the campaign allows.
  app.get('/api/interactions/:id/transfer-targets', { preHandler: requireUser, schema: { tags, params: IdParam } }, async (req) => {
    const v = viewer(req);
    const it = await visibleInteraction(deps.db, v, req.params.id);
    const [agents, campaigns] = await Promise.all([
      it.transfer_to_agent
        ? deps.db.query<{ user_id: string; display_name: string; state: string | null }>(
            `SELECT m.user_id, u.display_name, p.state FROM campaign_members m JOIN users u ON u.id = m.user_id AND u.enabled
               LEFT JOIN agent_presence p ON p.user_id = m.user_id
              WHERE m.campaign_id = $1 AND m.user_id IS DISTINCT FROM $2 ORDER BY lower(u.display_name)`,
            [it.campaign_id, it.assigned_to],
          )
        : { rows: [] },
      it.transfer_to_queue
        ? deps.db.query<{ id: string; key: string; name: string }>(
            `SELECT id, key, name FROM campaigns WHERE deleted_at IS NULL AND enabled AND id <> $1 ORDER BY lower(name)`,
            [it.campaign_id],
          )
        : { rows: [] },
    ]);
    return {
      agents: agents.rows.map((a) => ({ userId: a.user_id, displayName: a.display_name, state: a.state ?? 'offline' })),
      campaigns: campaigns.rows,
    };
  });

  app.get('/api/search', { preHandler: requireUser, schema: { tags, querystring: SearchQuery } }, async (req) => ({
    items: (await searchInteractions(deps.db, viewer(req), req.query.q)).map(presentItem),
  }));

  app.get('/api/interactions/:id', { preHandler: requireUser, schema: { tags, params: IdParam } }, async (req) => {
    const v = viewer(req);
    const it = await visibleInteraction(deps.db, v, req.params.id);
    const [{ messages, attachments }, notes, others, draft, me] = await Promise.all([
      threadMessages(deps.db, it.id),
      notesOf(deps.db, it.id),
      otherOpen(deps.db, v, it),
      draftOf(deps.db, v.userId, it.id),
      deps.db.query<{ display_name: string }>(`SELECT display_name FROM users WHERE id = $1`, [v.userId]),
    ]);
    const filesOf = new Map<number, typeof attachments>();
    for (const a of attachments) filesOf.set(a.message_id, [...(filesOf.get(a.message_id) ?? []), a]);
    return {
      interaction: {
        id: it.id,
        campaignId: it.campaign_id,
        campaignKey: it.key,
        campaignName: it.campaign_name,
        customerAddress: it.customer_address,
        customerName: it.customer_name,
        subject: it.subject,
        status: it.status,
        queueState: it.queue_state,
        assignedTo: it.assigned_to,
        assignedName: it.assigned_name,
        mine: it.assigned_to === v.userId,
        unread: it.unread,
        linkedTo: it.linked_to,
        createdAt: it.created_at.toISOString(),
        closedAt: iso(it.closed_at),
        disposition: it.disposition,
        mandatoryDisposition: it.mandatory_disposition,
        transferToAgent: it.transfer_to_agent,
        transferToQueue: it.transfer_to_queue,
        signatureTemplateId: it.signature_template_id,
        fromAddress: it.from_address,
      },
      // what ${variables} in templates and canned answers are filled with
      values: templateValues({
        contactName: it.customer_name,
        contactEmail: it.customer_address,
        subject: it.subject,
        ticket: ticketOf(it.key, it.id),
        campaignName: it.campaign_name,
        interactionId: it.id,
        agentName: me.rows[0]?.display_name ?? '',
        now: deps.now(),
        timeZone: it.timezone,
      }),
      otherOpen: others.map((o) => ({ id: o.id, campaignKey: o.key, subject: o.subject, assignedName: o.assigned_name })),
      messages: messages.map((m) => ({
        id: m.id,
        direction: m.direction,
        kind: m.kind,
        subject: m.subject,
        fromAddress: m.from_address,
        fromName: m.from_name,
        to: m.to_addresses,
        cc: m.cc_addresses,
        date: (m.sent_date ?? m.created_at).toISOString(),
        snippet: m.snippet,
        hasHtml: m.has_html,
        sentBy: m.sent_by_name,
        outbox: m.outbox_state ? { state: m.outbox_state, error: m.outbox_error, attempts: m.outbox_attempts } : null,
        rating: m.rating,
        attachments: (filesOf.get(m.id) ?? []).map((a) => ({
          partPath: a.part_path,
          filename: a.filename,
          contentType: a.content_type,
          size: Number(a.size),
          inline: a.inline,
          previewable: SAFE_IMAGES.has(a.content_type.toLowerCase()),
        })),
      })),
      notes: notes.map((n) => ({ id: n.id, text: n.text, author: n.author, createdAt: n.created_at.toISOString() })),
      draft: draft ? presentDraft(draft) : null,
    };
  });

  app.post('/api/interactions/:id/read', { preHandler: requireUser, schema: { tags, params: IdParam } }, async (req, reply) => {
    const v = viewer(req);
    const it = await visibleInteraction(deps.db, v, req.params.id);
    // only the agent working it marks it read: a supervisor looking must not hide new mail from them
    if (it.assigned_to === v.userId && it.unread) await deps.db.query(`UPDATE interactions SET unread = false WHERE id = $1`, [it.id]);
    return reply.status(204).send();
  });

  // A message body as a standalone document for a sandboxed frame: sanitised
  // here, and fenced by its own Content-Security-Policy (no scripts, no
  // remote loads unless asked for, sandboxed even when opened directly).
  app.get(
    '/api/messages/:id/body',
    { preHandler: requireUser, schema: { tags, params: IdParam, querystring: z.strictObject({ images: z.enum(['0', '1']).optional() }) } },
    async (req, reply) => {
      const remoteImages = req.query.images === '1';
      const { html: body, blockedRemote } = await messageBody(deps, bodies, viewer(req), req.params.id, remoteImages);
      return reply
        .header('content-type', 'text/html; charset=utf-8')
        .header('content-security-policy', mailBodyCsp(remoteImages))
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'no-referrer')
        .header('cache-control', 'private, no-store')
        .header('x-postdesk-blocked-remote', String(blockedRemote))
        .send(mailDocument(body, { remoteImages }));
    },
  );

  app.get(
    '/api/messages/:id/attachments/:part',
    {
      preHandler: requireUser,
      schema: {
        tags,
        params: z.strictObject({ id: z.string().regex(/^\d{1,18}$/, 'a numeric id').transform(Number), part: z.string().regex(/^[\w.-]{1,64}$/, 'not a valid part') }),
        querystring: z.strictObject({ inline: z.enum(['0', '1']).optional() }),
      },
    },
    async (req, reply) => {
      const a = (await visibleAttachments(deps.db, viewer(req), req.params.id)).find((x) => x.part_path === req.params.part);
      if (!a) throw notFound('attachment');
      const type = a.content_type.toLowerCase();
      const preview = req.query.inline === '1' && SAFE_IMAGES.has(type);
      const bytes = await deps.blobs.get(a.sha256.toString('hex'));
      return reply
        .header('content-type', preview ? type : 'application/octet-stream')
        .header('content-disposition', contentDisposition(preview ? 'inline' : 'attachment', a.filename))
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('cache-control', 'private, no-store')
        .send(bytes);
    },
  );

  app.post(
    '/api/uploads',
    { preHandler: requireUser, bodyLimit: MAX_ATTACHMENT_BYTES, schema: { tags, querystring: UploadQuery } },
    async (req, reply) => {
      if (!Buffer.isBuffer(req.body)) throw new AppError('unsupported_media_type', 'send the file as application/octet-stream');
      const bytes = req.body;
      if (bytes.length === 0) throw invalid('body', 'the file is empty');
      const filename = req.query.filename.replace(/[\u0000-\u001f\u007f]/g, '').replace(/^.*[/\\]/, '').trim().slice(0, 255) || 'attachment';
      const contentType = (req.query.type ?? 'application/octet-stream').toLowerCase();
      const blob = await deps.blobs.put(bytes);
      const { rows } = await deps.db.tx(async (q) => {
        await recordBlobs(q, [blob]);
        return q.query<{ id: string }>(
          `INSERT INTO uploads (user_id, sha256, filename, content_type, size) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
          [principalOf(req).userId, Buffer.from(blob.sha256, 'hex'), filename, contentType, bytes.length],
        );
      });
      return reply.status(201).send({ id: rows[0]!.id, filename, contentType, size: bytes.length });
    },
  );

  app.post('/api/interactions/:id/messages', { preHandler: requireUser, schema: { tags, params: IdParam, body: SendIn } }, async (req, reply) => {
    const r = await deps.db.tx((q) => sendInInteraction(q, sendDeps(req), viewer(req), req.params.id, req.body));
    return reply.status(201).send(r);
  });

  app.post('/api/campaigns/:id/mail', { preHandler: requireUser, schema: { tags, params: z.strictObject({ id: z.uuid('not a valid campaign id') }), body: NewMailIn } }, async (req, reply) => {
    const r = await deps.db.tx((q) => startInteraction(q, sendDeps(req), viewer(req), req.params.id, req.body));
    return reply.status(201).send(r);
  });

  app.post('/api/messages/:id/retry', { preHandler: requireUser, schema: { tags, params: IdParam } }, async (req, reply) => {
    const m = await visibleMessage(deps.db, viewer(req), req.params.id);
    const requeued = await deps.db.tx(async (q) => {
      const ok = await requeue(q, m.id);
      if (ok) await emitEvent(q, { type: 'outbox.changed', campaignId: m.campaign_id, messageId: m.id, state: 'queued' });
      return ok;
    });
    if (!requeued) throw new AppError('conflict', 'only a failed message can be sent again');
    return reply.status(204).send();
  });

  app.post('/api/interactions/:id/notes', { preHandler: requireUser, schema: { tags, params: IdParam, body: NoteIn } }, async (req, reply) => {
    const v = viewer(req);
    const it = await visibleInteraction(deps.db, v, req.params.id);
    const { rows } = await deps.db.query<{ id: number; created_at: Date }>(
      `INSERT INTO interaction_notes (interaction_id, user_id, text) VALUES ($1, $2, $3) RETURNING id, created_at`,
      [it.id, v.userId, req.body.text],
    );
    return reply.status(201).send({ id: rows[0]!.id, createdAt: rows[0]!.created_at.toISOString() });
  });

  app.put('/api/interactions/:id/draft', { preHandler: requireUser, schema: { tags, params: IdParam, body: DraftIn } }, async (req, reply) => {
    const v = viewer(req);
    const it = await visibleInteraction(deps.db, v, req.params.id);
    await saveDraft(deps.db, v.userId, { campaignId: it.campaign_id, interactionId: it.id }, req.body);
    return reply.status(204).send();
  });

  app.delete('/api/interactions/:id/draft', { preHandler: requireUser, schema: { tags, params: IdParam } }, async (req, reply) => {
    const v = viewer(req);
    const it = await visibleInteraction(deps.db, v, req.params.id);
    await deleteDraft(deps.db, v.userId, it.id);
    return reply.status(204).send();
  });

  // The new mail the agent is writing (one per agent), saved as they type
  // and deleted when sent. A campaign they no longer may write in is dropped
  // from it, not shown.
  app.get('/api/me/new-mail', { preHandler: requireUser, schema: { tags } }, async (req) => {
    const v = viewer(req);
    const draft = await draftOf(deps.db, v.userId, null);
    if (!draft) return { draft: null };
    const usable = draft.campaign_id !== null && (await writableCampaigns(v)).some((c) => c.id === draft.campaign_id);
    return { draft: { ...presentDraft(draft), campaignId: usable ? draft.campaign_id : null } };
  });

  app.put('/api/me/new-mail', { preHandler: requireUser, schema: { tags, body: NewMailDraftIn } }, async (req, reply) => {
    const v = viewer(req);
    const { campaignId, ...d } = req.body;
    if (campaignId !== null && !(await writableCampaigns(v)).some((c) => c.id === campaignId)) throw notFound('campaign');
    await saveDraft(deps.db, v.userId, { campaignId, interactionId: null }, { ...d, mode: 'new' });
    return reply.status(204).send();
  });

  app.delete('/api/me/new-mail', { preHandler: requireUser, schema: { tags } }, async (req, reply) => {
    await deleteDraft(deps.db, viewer(req).userId, null);
    return reply.status(204).send();
  });

  // The customer's rating link: public, the token is the authority. One
  // rating per message; clicking another score changes it.
  app.get(
    '/rating/:token/:score',
    { schema: { hide: true, params: z.strictObject({ token: z.string().max(64), score: z.string().regex(/^[1-5]$/).transform(Number) }) } },
    async (req, reply) => {
      const page = (status: number, title: string, text: string) =>
        reply
          .status(status)
          .header('content-type', 'text/html; charset=utf-8')
          .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
          .header('x-content-type-options', 'nosniff')
          .header('referrer-policy', 'no-referrer')
          .send(
            `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(title)}</title>` +
              `<style>body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}h1{font-size:1.4rem}</style></head>` +
              `<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p></body></html>`,
          );
      const key = verifyRatingToken(deps.mailSecret, req.params.token);
      if (!key) return page(404, 'Link not valid', 'This rating link is not valid.');
      const { rows } = await deps.db.query<{ thanks: string }>(
        `WITH m AS (SELECT m.id, m.interaction_id, m.campaign_id FROM messages m WHERE m.rating_key = $1 AND m.interaction_id IS NOT NULL),
              r AS (INSERT INTO ratings (message_id, interaction_id, score) SELECT id, interaction_id, $2 FROM m
                    ON CONFLICT (message_id) DO UPDATE SET score = EXCLUDED.score, updated_at = now() RETURNING message_id)
         SELECT c.qualification_thanks AS thanks FROM m JOIN campaigns c ON c.id = m.campaign_id`,
        [key, req.params.score],
      );
      if (!rows[0]) return page(404, 'Link not valid', 'This rating link is not valid.');
      return page(200, 'Thank you', rows[0].thanks || 'Thank you for your rating.');
    },
  );
};
