import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, apiRequest, apiSend } from '../../app/api.ts';
import {
  inboxSchema,
  myCampaignsSchema,
  newMailDraftSchema,
  searchResultSchema,
  sentSchema,
  startedSchema,
  threadSchema,
  uploadSchema,
  type AttachmentRef,
  type ComposeMode,
  type MailAddress,
  type NewMailDraft,
  type Upload,
} from '@postdesk/contracts';
import { liveKeys } from '../../app/realtime.tsx';

// Under liveKeys.interactions, so every push about the agent's interactions refreshes them.
const inboxKey = [...liveKeys.interactions, 'inbox'] as const;
const threadKey = (id: number) => [...liveKeys.interactions, 'thread', id] as const;
const SAFETY_POLL_MS = 30_000;

export function useInbox() {
  return useQuery({ queryKey: inboxKey, queryFn: () => apiRequest('/api/me/inbox', inboxSchema), refetchInterval: SAFETY_POLL_MS });
}

export function useThread(id: number | null) {
  return useQuery({
    queryKey: threadKey(id ?? 0),
    queryFn: () => apiRequest(`/api/interactions/${id}`, threadSchema),
    enabled: id !== null,
  });
}

export function useSearch(q: string) {
  const text = q.trim();
  return useQuery({
    queryKey: ['search', text],
    queryFn: async () => (await apiRequest(`/api/search?q=${encodeURIComponent(text)}`, searchResultSchema)).items,
    enabled: text.length >= 3,
    placeholderData: keepPreviousData,
    staleTime: 10_000,
  });
}

export interface SendBody {
  mode: ComposeMode;
  to: MailAddress[];
  cc: MailAddress[];
  subject?: string;
  html: string;
  attachments: AttachmentRef[];
  parentId?: number;
  /** One per answer (see newSendKey): sending it again after a lost answer cannot send it twice. */
  sendKey?: string;
}

/**
 * A random UUID (v4) for an answer's send key. crypto.randomUUID exists only
 * in secure contexts (HTTPS, localhost), and a console may be served over
 * plain HTTP on a private network; getRandomValues exists everywhere.
 */
export function newSendKey(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Every workspace action refreshes the agent's lists and the open thread. */
function useRefreshing<T, R>(fn: (input: T) => Promise<R>) {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: fn, onSettled: () => queryClient.invalidateQueries({ queryKey: liveKeys.interactions }) });
}

export const useSend = (interactionId: number) =>
  useRefreshing((body: SendBody) => apiRequest(`/api/interactions/${interactionId}/messages`, sentSchema, { method: 'POST', body }));

export const useNewMail = () =>
  useRefreshing((input: { campaignId: string; to: MailAddress[]; cc: MailAddress[]; subject: string; html: string; attachments: AttachmentRef[]; sendKey?: string }) => {
    const { campaignId, ...body } = input;
    return apiRequest(`/api/campaigns/${encodeURIComponent(campaignId)}/mail`, startedSchema, { method: 'POST', body });
  });

export const useAddNote = (interactionId: number) =>
  useRefreshing((text: string) => apiSend(`/api/interactions/${interactionId}/notes`, { method: 'POST', body: { text } }));

export const useCloseInteraction = () =>
  useRefreshing(({ id, dispositionId }: { id: number; dispositionId: string | null }) =>
    apiSend(`/api/interactions/${id}/close`, { method: 'POST', body: dispositionId ? { dispositionId } : {} }),
  );

export const useTransfer = () =>
  useRefreshing(({ id, target }: { id: number; target: { userId: string } | { campaignId: string } }) =>
    apiSend(`/api/interactions/${id}/transfer`, { method: 'POST', body: target }),
  );

export const useRetry = () => useRefreshing((messageId: number) => apiSend(`/api/messages/${messageId}/retry`, { method: 'POST' }));

/** Marked as new again by the agent holding it (where the campaign allows it). */
export const useMarkUnread = () => useRefreshing((id: number) => apiSend(`/api/interactions/${id}/unread`, { method: 'POST' }));

export function markRead(id: number): Promise<void> {
  return apiSend(`/api/interactions/${id}/read`, { method: 'POST' });
}

/** The close dialog opened (true) or was cancelled (false): the campaign may pause the agent meanwhile. */
export function setDisposing(id: number, active: boolean): Promise<void> {
  return apiSend(`/api/interactions/${id}/disposing`, { method: 'POST', body: { active } });
}

/** Saved as the agent types; an upload keeps its name and size for when the draft is reopened. */
export function saveDraft(id: number, draft: Omit<SendBody, 'parentId' | 'attachments'> & { attachments: Array<AttachmentRef & { name?: string; size?: number }> }): Promise<void> {
  return apiSend(`/api/interactions/${id}/draft`, { method: 'PUT', body: { ...draft, subject: draft.subject ?? '' } });
}

export function deleteDraft(id: number): Promise<void> {
  return apiSend(`/api/interactions/${id}/draft`, { method: 'DELETE' });
}

export function useMyCampaigns(enabled: boolean) {
  return useQuery({ queryKey: ['me', 'campaigns'], queryFn: async () => (await apiRequest('/api/me/campaigns', myCampaignsSchema)).items, enabled });
}

export const newMailDraftKey = ['me', 'new-mail'] as const;

// The form saves when it closes; the next opening reads after that save.
let lastNewMailSave: Promise<unknown> = Promise.resolve();

/**
 * The new mail the agent was writing. Read once per opening of the form (the
 * form forgets it on close) and not refetched while open: the form owns the
 * text from then on.
 */
export function useNewMailDraft(enabled: boolean) {
  return useQuery({
    queryKey: newMailDraftKey,
    queryFn: async () => {
      await lastNewMailSave;
      return (await apiRequest('/api/me/new-mail', newMailDraftSchema)).draft;
    },
    enabled,
    staleTime: Number.POSITIVE_INFINITY,
    refetchOnWindowFocus: false,
  });
}

export function saveNewMailDraft(draft: Omit<NewMailDraft, 'updatedAt'>): Promise<void> {
  const saved = apiSend('/api/me/new-mail', { method: 'PUT', body: draft });
  lastNewMailSave = saved.catch(() => undefined);
  return saved;
}

export function deleteNewMailDraft(): Promise<void> {
  return apiSend('/api/me/new-mail', { method: 'DELETE' });
}

/** Uploads one file as raw bytes (no multipart parsing on the server). */
export async function uploadFile(file: File): Promise<Upload> {
  const params = new URLSearchParams({ filename: file.name || 'attachment' });
  if (/^[\w.+-]+\/[\w.+-]+$/.test(file.type)) params.set('type', file.type);
  const res = await fetch(`/api/uploads?${params.toString()}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/octet-stream', Accept: 'application/json' },
    body: file,
  });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { code?: string; message?: string } | null;
    throw new ApiError({ status: res.status, code: body?.code ?? 'http_error', message: body?.message ?? res.statusText });
  }
  return uploadSchema.parse(await res.json());
}
