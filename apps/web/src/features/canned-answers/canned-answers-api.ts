import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest, apiSend, withQuery } from '../../app/api.ts';
import { cannedAnswerListSchema, cannedAnswerSchema } from '@postdesk/contracts';

/** Cache keys of this feature. */
export const cannedKeys = { all: ['canned-answers'] as const };

/** What the form sends. */
export interface CannedAnswerInput {
  name: string;
  text: string;
  campaignId: string | null;
}

/** Canned answers; with a campaign, the blended list (global + that campaign's). */
export function useCannedAnswers(campaignId: string | null) {
  return useQuery({
    queryKey: [...cannedKeys.all, campaignId ?? 'all'],
    queryFn: async () =>
      (await apiRequest(withQuery('/api/canned-answers', { campaignId }), cannedAnswerListSchema)).items,
  });
}

/** Creates or saves a canned answer. */
export function useSaveCannedAnswer() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id: string | null; input: CannedAnswerInput }) =>
      id === null
        ? apiRequest('/api/canned-answers', cannedAnswerSchema, { method: 'POST', body: input })
        : apiRequest(`/api/canned-answers/${encodeURIComponent(id)}`, cannedAnswerSchema, { method: 'PUT', body: input }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: cannedKeys.all }),
  });
}

/** Deletes a canned answer. */
export function useDeleteCannedAnswer() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiSend(`/api/canned-answers/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: cannedKeys.all }),
  });
}
