import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { mailBodyCsp } from '@postdesk/mailkit/render';
import type { Deps } from '../../deps.ts';
import { AppError } from '../../platform/http/errors.ts';
import { noContentSchema, numericIdParamsSchema as IdParam, ratingLinksSchema } from '@postdesk/contracts';
import { principalOf, requireUser, campaignScope } from '../auth/index.ts';
import { addNote } from './add-note.ts';
import { markThreadRead, markThreadUnread } from './mark-read.ts';
import { openAttachment } from './open-attachment.ts';
import { openRawMessage } from './open-raw-message.ts';
import { readNewMailDraft } from './read-new-mail-draft.ts';
import { readThread } from './read-thread.ts';
import { createBodyCache } from './body-cache.ts';
import { renderMessageBody } from './render-message-body.ts';
import { resendMessage } from './resend-message.ts';
import { saveDraft } from './save-draft.ts';
import { receiveUpload, streamBody } from '../uploads/index.ts';
import { MAX_ATTACHMENT_BYTES, sendInInteraction, startInteraction } from './send-message.ts';
import { transferTargets } from './transfer-targets.ts';
import { scheduleState, writableCampaigns } from './writable-campaigns.ts';
import { contentDisposition, presentItem, presentNewMailDraft, presentThread } from './workspace.presenter.ts';
import { inbox, searchInteractions, type Viewer } from './workspace.repo.ts';
import {
  AttachmentParams,
  AttachmentQuery,
  BodyQuery,
  CampaignParams,
  DocumentOut,
  DraftIn,
  EmlOut,
  FileOut,
  InboxOut,
  MyCampaignsOut,
  NewMailDraftIn,
  NewMailDraftOut,
  NewMailIn,
  NoteIn,
  NoteOut,
  SearchOut,
  SearchQuery,
  SendIn,
  SentOut,
  StartedOut,
  ThreadOut,
  TransferTargetsOut,
  UploadOut,
  UploadQuery,
} from './workspace.schema.ts';

/**
 * The agent workspace: inbox, thread, message bodies (sanitised, for a
 * sandboxed frame), attachments (downloads only), uploads, replies, new mail,
 * drafts, notes and search. Everything is scoped to the campaigns the user
 * belongs to; the rest is "not found".
 */
export const workspaceRoutes = (deps: Deps): FastifyPluginAsyncZod => async (app) => {
  const tags = ['workspace'];
  const viewer = (req: FastifyRequest): Viewer => {
    const p = principalOf(req);
    return campaignScope(p);
  };
  // never a URL from the request: its Host header is the client's to choose
  const sendDeps = { blobs: deps.blobs, mailSecret: deps.mailSecret, now: deps.now, publicUrl: deps.config.publicUrl, render: deps.render };
  const bodies = createBodyCache();

  app.addContentTypeParser('application/octet-stream', streamBody);

  app.get('/api/me/inbox', { onRequest: requireUser, schema: { tags, response: { 200: InboxOut } } }, async (req) => {
    const r = await inbox(deps.db, viewer(req).userId, deps.now());
    return { active: r.active.map(presentItem), closed: r.closed.map(presentItem) };
  });

  // The campaigns an agent may start a new mail in, and whether each is open by its schedule now.
  app.get('/api/me/campaigns', { onRequest: requireUser, schema: { tags, response: { 200: MyCampaignsOut } } }, async (req) => ({
    items: (await writableCampaigns(deps.db, viewer(req))).map((c) => ({
      id: c.id,
      key: c.key,
      name: c.name,
      timezone: c.timezone,
      signatureTemplateId: c.signature_template_id,
      ...scheduleState(c, deps.now()),
    })),
  }));

  app.get('/api/interactions/:id/transfer-targets', { onRequest: requireUser, schema: { tags, params: IdParam, response: { 200: TransferTargetsOut } } }, async (req) =>
    transferTargets(deps.db, viewer(req), req.params.id),
  );

  app.get('/api/search', { onRequest: requireUser, schema: { tags, querystring: SearchQuery, response: { 200: SearchOut } } }, async (req) => ({
    items: (await searchInteractions(deps.db, viewer(req), req.query.q)).map(presentItem),
  }));

  app.get('/api/interactions/:id', { onRequest: requireUser, schema: { tags, params: IdParam, response: { 200: ThreadOut } } }, async (req) =>
    presentThread(await readThread(deps.db, viewer(req), req.params.id, deps.now()), viewer(req).userId),
  );

  app.post('/api/interactions/:id/read', { onRequest: requireUser, schema: { tags, params: IdParam, response: { 204: noContentSchema } } }, async (req, reply) => {
    await markThreadRead(deps.db, viewer(req), req.params.id);
    return reply.status(204).send(null);
  });

  // Marked as new again by the agent holding it, where the campaign allows it.
  app.post('/api/interactions/:id/unread', { onRequest: requireUser, schema: { tags, params: IdParam, response: { 204: noContentSchema } } }, async (req, reply) => {
    await markThreadUnread(deps.db, viewer(req), req.params.id);
    return reply.status(204).send(null);
  });

  // A message body as a standalone document for a sandboxed frame, fenced by
  // its own Content-Security-Policy (no scripts, no remote loads unless asked
  // for, sandboxed even when opened directly).
  app.get('/api/messages/:id/body', { onRequest: requireUser, schema: { tags, params: IdParam, querystring: BodyQuery, response: { 200: DocumentOut } } }, async (req, reply) => {
    const remoteImages = req.query.images === '1';
    const r = await renderMessageBody(deps, bodies, viewer(req), req.params.id, remoteImages);
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', mailBodyCsp(remoteImages))
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'private, no-store')
      .header('x-postdesk-blocked-remote', String(r.blockedRemote))
      .send(r.document);
  });

  app.get('/api/messages/:id/attachments/:part', { onRequest: requireUser, schema: { tags, params: AttachmentParams, querystring: AttachmentQuery, response: { 200: FileOut } } }, async (req, reply) => {
    const a = await openAttachment(deps, viewer(req), req.params.id, req.params.part, req.query.inline === '1');
    return reply
      .header('content-type', a.preview ? a.contentType : 'application/octet-stream')
      .header('content-disposition', contentDisposition(a.preview ? 'inline' : 'attachment', a.filename))
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; sandbox")
      .header('cache-control', 'private, no-store')
      .header('content-length', String(a.size))
      .send(a.bytes as unknown as string); // a stream of the bytes as they are (never serialised); the schema documents the answer
  });

  // Any message of an interaction the viewer may see, byte for byte as stored,
  // as an .eml download (never rendered: the bytes are the sender's).
  app.get('/api/messages/:id/eml', { onRequest: requireUser, schema: { tags, params: IdParam, response: { 200: EmlOut } } }, async (req, reply) => {
    const m = await openRawMessage(deps, viewer(req), req.params.id);
    return reply
      .header('content-type', 'message/rfc822')
      .header('content-disposition', contentDisposition('attachment', m.filename))
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; sandbox")
      .header('cache-control', 'private, no-store')
      .header('content-length', String(m.size))
      .send(m.bytes as unknown as string); // a stream of the stored bytes (never serialised); the schema documents the answer
  });

  app.post('/api/uploads', { onRequest: requireUser, schema: { tags, querystring: UploadQuery, response: { 201: UploadOut } } }, async (req, reply) => {
    const uploadDeps = { db: deps.db, blobs: deps.blobs, maxBytes: MAX_ATTACHMENT_BYTES, quotaBytes: deps.config.uploadQuotaBytes };
    const length = Number(req.headers['content-length']);
    const upload = await receiveUpload(uploadDeps, viewer(req).userId, { ...req.query, declaredLength: Number.isSafeInteger(length) ? length : undefined }, req.body);
    return reply.status(201).send(upload);
  });

  app.post('/api/interactions/:id/messages', { onRequest: requireUser, schema: { tags, params: IdParam, body: SendIn, response: { 201: SentOut } } }, async (req, reply) => {
    const r = await deps.db.tx((q) => sendInInteraction(q, sendDeps, viewer(req), req.params.id, req.body));
    return reply.status(201).send(r);
  });

  app.post('/api/campaigns/:id/mail', { onRequest: requireUser, schema: { tags, params: CampaignParams, body: NewMailIn, response: { 201: StartedOut } } }, async (req, reply) => {
    const r = await deps.db.tx((q) => startInteraction(q, sendDeps, viewer(req), req.params.id, req.body));
    return reply.status(201).send(r);
  });

  app.post('/api/messages/:id/retry', { onRequest: requireUser, schema: { tags, params: IdParam, response: { 204: noContentSchema } } }, async (req, reply) => {
    await resendMessage(deps.db, viewer(req), req.params.id);
    return reply.status(204).send(null);
  });

  app.post('/api/interactions/:id/notes', { onRequest: requireUser, schema: { tags, params: IdParam, body: NoteIn, response: { 201: NoteOut } } }, async (req, reply) => {
    const n = await addNote(deps.db, viewer(req), req.params.id, req.body.text);
    return reply.status(201).send({ id: n.id, createdAt: n.createdAt.toISOString() });
  });

  app.put('/api/interactions/:id/draft', { onRequest: requireUser, schema: { tags, params: IdParam, body: DraftIn, response: { 204: noContentSchema } } }, async (req, reply) => {
    await saveDraft(deps.db, viewer(req), { interactionId: req.params.id }, req.body);
    return reply.status(204).send(null);
  });

  app.delete('/api/interactions/:id/draft', { onRequest: requireUser, schema: { tags, params: IdParam, response: { 204: noContentSchema } } }, async (req, reply) => {
    await saveDraft(deps.db, viewer(req), { interactionId: req.params.id }, null);
    return reply.status(204).send(null);
  });

  // The new mail the agent is writing (one per agent), saved as they type
  // and deleted when sent.
  app.get('/api/me/new-mail', { onRequest: requireUser, schema: { tags, response: { 200: NewMailDraftOut } } }, async (req) => {
    const draft = await readNewMailDraft(deps.db, viewer(req));
    return { draft: draft ? presentNewMailDraft(draft) : null };
  });

  app.put('/api/me/new-mail', { onRequest: requireUser, schema: { tags, body: NewMailDraftIn, response: { 204: noContentSchema } } }, async (req, reply) => {
    const { campaignId, ...d } = req.body;
    await saveDraft(deps.db, viewer(req), { newMailIn: campaignId }, { ...d, mode: 'new' });
    return reply.status(204).send(null);
  });

  app.delete('/api/me/new-mail', { onRequest: requireUser, schema: { tags, response: { 204: noContentSchema } } }, async (req, reply) => {
    await saveDraft(deps.db, viewer(req), { newMailIn: null }, null);
    return reply.status(204).send(null);
  });

  // Whether answers can carry rating links: only with a public URL to point
  // them at. The campaign form says so when they cannot.
  app.get('/api/rating-links', { onRequest: requireUser, schema: { tags, response: { 200: ratingLinksSchema } } }, async () => ({
    available: deps.config.publicUrl !== undefined,
    reason: deps.config.publicUrl === undefined ? ('no_public_url' as const) : null,
  }));
};
