import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, apiRequest, apiSend } from '../../app/api.ts';
import {
  apiErrorBodySchema,
  blacklistEntrySchema,
  blacklistPageSchema,
  blacklistUploadSchema,
  dialerListSchema,
  dialerSchema,
  dialerStatusSchema,
  listReportSchema,
  type BlacklistUpload,
  type DialerInput,
  type ListReport,
} from '@postdesk/contracts';

/** Cache keys of this feature. */
export const dialerKeys = { all: ['dialers'] as const, status: (id: string) => ['dialers', 'status', id] as const };

/** Every dialer. */
export function useDialers() {
  return useQuery({ queryKey: dialerKeys.all, queryFn: async () => (await apiRequest('/api/dialers', dialerListSchema)).items });
}

/** One dialer's dashboard (re-read when the server hints that it changed). */
export function useDialerStatus(id: string) {
  return useQuery({ queryKey: dialerKeys.status(id), queryFn: () => apiRequest(`/api/dialers/${encodeURIComponent(id)}/status`, dialerStatusSchema) });
}

/** Creates or saves a dialer. */
export function useSaveDialer() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id: string | null; input: DialerInput }) =>
      id === null
        ? apiRequest('/api/dialers', dialerSchema, { method: 'POST', body: input })
        : apiRequest(`/api/dialers/${encodeURIComponent(id)}`, dialerSchema, { method: 'PUT', body: input }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: dialerKeys.all }),
  });
}

/** Start, pause, resume or stop a dialer. */
export function useDialerCommand() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, command }: { id: string; command: 'start' | 'pause' | 'resume' | 'stop' }) =>
      apiRequest(`/api/dialers/${encodeURIComponent(id)}/${command}`, dialerStatusSchema, { method: 'POST' }),
    onSuccess: (status) => {
      queryClient.setQueryData(dialerKeys.status(status.dialer.id), status);
      return queryClient.invalidateQueries({ queryKey: dialerKeys.all });
    },
  });
}

/**
 * Uploads a CSV list as the file itself (text/csv, streamed by the server):
 * the report comes back whether the list was imported (201) or refused (422).
 */
export function useUploadList() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ id, file }: { id: string; file: File }): Promise<ListReport> => {
      const res = await fetch(`/api/dialers/${encodeURIComponent(id)}/lists?name=${encodeURIComponent(file.name.slice(0, 200) || 'list')}`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { Accept: 'application/json', 'Content-Type': 'text/csv' },
        body: file,
      });
      const raw: unknown = await res.json().catch(() => null);
      if (res.status === 201 || res.status === 422) return listReportSchema.parse(raw);
      const err = apiErrorBodySchema.safeParse(raw);
      throw new ApiError({ status: res.status, code: err.success ? err.data.code : 'http_error', message: err.success ? err.data.message : `HTTP ${res.status}` });
    },
    onSuccess: (_report, { id }) => queryClient.invalidateQueries({ queryKey: dialerKeys.status(id) }),
  });
}

/** Cache keys of the blacklist. */
export const blacklistKeys = { all: ['dialer-blacklist'] as const, page: (q: string, offset: number) => ['dialer-blacklist', q, offset] as const };

/** A page of the blacklist whose addresses contain `q` (admins). */
export function useBlacklist(q: string, offset: number, limit: number) {
  return useQuery({
    queryKey: blacklistKeys.page(q, offset),
    queryFn: () => apiRequest(`/api/dialers/blacklist?q=${encodeURIComponent(q)}&offset=${offset}&limit=${limit}`, blacklistPageSchema),
    placeholderData: keepPreviousData,
  });
}

/** Adds one address by hand. */
export function useAddToBlacklist() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { address: string; note: string }) => apiRequest('/api/dialers/blacklist', blacklistEntrySchema, { method: 'POST', body: input }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: blacklistKeys.all }),
  });
}

/** Removes an address. */
export function useRemoveFromBlacklist() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (address: string) => apiSend(`/api/dialers/blacklist/${encodeURIComponent(address)}`, { method: 'DELETE' }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: blacklistKeys.all }),
  });
}

/** Uploads a blacklist file as text/csv: the report comes back whether it was added (201) or refused (422). */
export function useUploadBlacklist() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (file: File): Promise<BlacklistUpload> => {
      const res = await fetch('/api/dialers/blacklist/upload', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { Accept: 'application/json', 'Content-Type': 'text/csv' },
        body: file,
      });
      const raw: unknown = await res.json().catch(() => null);
      if (res.status === 201 || res.status === 422) return blacklistUploadSchema.parse(raw);
      const err = apiErrorBodySchema.safeParse(raw);
      throw new ApiError({ status: res.status, code: err.success ? err.data.code : 'http_error', message: err.success ? err.data.message : `HTTP ${res.status}` });
    },
    onSuccess: () => queryClient.invalidateQueries({ queryKey: blacklistKeys.all }),
  });
}
