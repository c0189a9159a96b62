import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest, apiSend } from '../../app/api.ts';
import {
  noteSchema,
  recordDeletedSchema,
  recordPageSchema,
  savedSearchesSchema,
  savedSearchSchema,
  threadSchema,
  type RecordSearch,
} from '@postdesk/contracts';

/** Cache keys of this feature. */
export const recordsKeys = {
  all: ['records'] as const,
  list: (search: RecordSearch) => ['records', 'list', search] as const,
  thread: (id: number) => ['records', 'thread', id] as const,
  saved: ['records', 'saved'] as const,
};

/** Rows per page; "load more" asks for the page after the last id shown (keyset). */
export const RECORDS_PAGE_SIZE = 50;

/** The interactions matching a search, newest first, page by page. */
export function useRecords(search: RecordSearch) {
  return useInfiniteQuery({
    queryKey: recordsKeys.list(search),
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      apiRequest('/api/records/search', recordPageSchema, {
        method: 'POST',
        body: { ...search, limit: RECORDS_PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) },
        signal,
      }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

/** One thread for the email viewer. */
export function useRecordThread(id: number) {
  return useQuery({ queryKey: recordsKeys.thread(id), queryFn: () => apiRequest(`/api/records/interactions/${id}`, threadSchema) });
}

/** The link that downloads a thread as numbered .eml files (with or without its files). */
export const threadZipUrl = (id: number, attachments: boolean): string => `/api/records/interactions/${id}/download${attachments ? '?attachments=1' : ''}`;

/**
 * Downloads the CSV of the search (or of the selected ids): the server
 * streams it; the browser saves it under a dated name.
 */
export async function downloadCsv(search: RecordSearch, ids?: number[]): Promise<void> {
  const res = await fetch('/api/records/export', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'text/csv' },
    body: JSON.stringify({ ...search, ...(ids ? { ids } : {}) }),
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = `interactions-${new Date().toISOString().slice(0, 10)}.csv`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Deletes interactions for good (the screen confirms first). */
export function useDeleteRecords() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (ids: number[]) => apiRequest('/api/records/delete', recordDeletedSchema, { method: 'POST', body: { ids, confirm: true } }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: recordsKeys.all }),
  });
}

/** The user's saved searches. */
export function useSavedSearches() {
  return useQuery({ queryKey: recordsKeys.saved, queryFn: async () => (await apiRequest('/api/records/saved-searches', savedSearchesSchema)).items });
}

/** Saves the search being shown under a name. */
export function useSaveSearch() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { name: string; search: RecordSearch }) => apiRequest('/api/records/saved-searches', savedSearchSchema, { method: 'POST', body }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: recordsKeys.saved }),
  });
}

/** Forgets a saved search. */
export function useDeleteSavedSearch() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiSend(`/api/records/saved-searches/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: recordsKeys.saved }),
  });
}


/** Adds the supervisor's internal note to a thread (agents see it, customers never); the thread is read again. */
export function useAddSpyNote(id: number) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (text: string) => apiRequest(`/api/records/interactions/${id}/notes`, noteSchema, { method: 'POST', body: { text } }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: recordsKeys.thread(id) }),
  });
}
