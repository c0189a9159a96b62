import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest, apiSend } from '../../app/api.ts';
import {
  type CampaignInput,
  campaignListSchema,
  campaignSchema,
  connectionsEnvelopeSchema,
  presetListSchema,
  ratingLinksSchema,
} from '@postdesk/contracts';

/** Cache keys of this feature. */
export const campaignsKeys = {
  all: ['campaigns'] as const,
  one: (id: string) => ['campaigns', id] as const,
  presets: ['campaign-presets'] as const,
  ratingLinks: ['rating-links'] as const,
};

/** Campaigns the user may see (agents: their own). */
export function useCampaigns() {
  return useQuery({
    queryKey: campaignsKeys.all,
    queryFn: async () => (await apiRequest('/api/campaigns', campaignListSchema)).items,
  });
}

/** One campaign, for the edit form. */
export function useCampaign(id: string | undefined) {
  return useQuery({
    queryKey: campaignsKeys.one(id ?? ''),
    queryFn: () => apiRequest(`/api/campaigns/${encodeURIComponent(id ?? '')}`, campaignSchema),
    enabled: id !== undefined,
    // The form is the source of truth while it is open; do not overwrite it from a background refetch.
    refetchOnWindowFocus: false,
    staleTime: 0,
  });
}

/** Mail provider presets (hosts, ports, security). */
export function usePresets() {
  return useQuery({
    queryKey: campaignsKeys.presets,
    queryFn: async () => (await apiRequest('/api/campaign-presets', presetListSchema)).items,
    staleTime: Number.POSITIVE_INFINITY,
  });
}

/** Whether the server can add rating links to replies: it needs POSTDESK_PUBLIC_URL, never a request's host. */
export function useRatingLinks() {
  return useQuery({
    queryKey: campaignsKeys.ratingLinks,
    queryFn: () => apiRequest('/api/rating-links', ratingLinksSchema),
    staleTime: Number.POSITIVE_INFINITY,
  });
}

/** Creates or replaces a campaign; the server verifies the connections and answers 422 when they fail. */
export function useSaveCampaign() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id: string | null; input: CampaignInput }) =>
      id === null
        ? apiRequest('/api/campaigns', campaignSchema, { method: 'POST', body: input })
        : apiRequest(`/api/campaigns/${encodeURIComponent(id)}`, campaignSchema, { method: 'PUT', body: input }),
    onSuccess: (campaign) => {
      queryClient.setQueryData(campaignsKeys.one(campaign.id), campaign);
      return queryClient.invalidateQueries({ queryKey: campaignsKeys.all, exact: true });
    },
  });
}

/** Deletes a campaign. */
export function useDeleteCampaign() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiSend(`/api/campaigns/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: campaignsKeys.all }),
  });
}

/** Checks a stored campaign's connections now and refreshes the list's badges. */
export function useVerifyCampaign() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      apiRequest(`/api/campaigns/${encodeURIComponent(id)}/verify`, connectionsEnvelopeSchema, { method: 'POST' }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: campaignsKeys.all }),
  });
}

/** Checks unsaved form values; with `id` the server reuses stored passwords left "unchanged". */
export function useVerifyDraft() {
  return useMutation({
    mutationFn: ({ id, input }: { id: string | null; input: CampaignInput }) =>
      apiRequest('/api/campaigns/verify', connectionsEnvelopeSchema, {
        method: 'POST',
        body: id === null ? input : { ...input, id },
      }),
  });
}
