import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest, apiSend } from '../../app/api.ts';
import { dispositionListSchema, dispositionSchema } from '@postdesk/contracts';

/** Cache keys of this feature. */
export const dispositionsKeys = {
  all: ['dispositions'] as const,
  ofCampaign: (campaignId: string) => ['dispositions', campaignId] as const,
};

/** The dispositions agents can choose from in one campaign. */
export function useDispositions(campaignId: string | null) {
  return useQuery({
    queryKey: dispositionsKeys.ofCampaign(campaignId ?? ''),
    queryFn: async () =>
      (await apiRequest(`/api/campaigns/${encodeURIComponent(campaignId ?? '')}/dispositions`, dispositionListSchema)).items,
    enabled: campaignId !== null,
  });
}

/** Adds a disposition to a campaign. */
export function useCreateDisposition() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ campaignId, name }: { campaignId: string; name: string }) =>
      apiRequest(`/api/campaigns/${encodeURIComponent(campaignId)}/dispositions`, dispositionSchema, {
        method: 'POST',
        body: { name },
      }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: dispositionsKeys.all }),
  });
}

/** Renames a disposition. */
export function useRenameDisposition() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, name }: { id: string; name: string }) =>
      apiRequest(`/api/dispositions/${encodeURIComponent(id)}`, dispositionSchema, { method: 'PUT', body: { name } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: dispositionsKeys.all }),
  });
}

/** Deletes a disposition. */
export function useDeleteDisposition() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiSend(`/api/dispositions/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: dispositionsKeys.all }),
  });
}
