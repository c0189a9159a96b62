import { useMutation, useQueries, useQueryClient } from '@tanstack/react-query';
import { apiRequest, apiSend, withQuery } from '../../app/api.ts';
import { memberListSchema } from '@postdesk/contracts';

/** Cache keys of this feature. */
export const membersKeys = {
  all: ['members'] as const,
  ofCampaign: (campaignId: string) => ['members', campaignId] as const,
};

/** Members of each of the given campaigns, fetched in parallel. */
export function useMembersOf(campaignIds: readonly string[]) {
  return useQueries({
    queries: campaignIds.map((campaignId) => ({
      queryKey: membersKeys.ofCampaign(campaignId),
      queryFn: async () => (await apiRequest(withQuery('/api/members', { campaignId }), memberListSchema)).items,
    })),
  });
}

/** Sets one member's position (linear / round-robin order) or penalty (weighted random). */
export function useMemberSettings() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ campaignId, userId, ...body }: { campaignId: string; userId: string; position?: number; penalty?: number }) =>
      apiSend(`/api/members/${encodeURIComponent(campaignId)}/${encodeURIComponent(userId)}`, { method: 'PATCH', body }),
    onSettled: (_data, _error, vars) => queryClient.invalidateQueries({ queryKey: membersKeys.ofCampaign(vars.campaignId) }),
  });
}

/** Adds or removes every selected agent to or from every selected campaign, in one request. */
export function useChangeMembers() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ action, campaignIds, userIds }: { action: 'add' | 'remove'; campaignIds: string[]; userIds: string[] }) =>
      apiSend('/api/members', { method: action === 'add' ? 'POST' : 'DELETE', body: { campaignIds, userIds } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: membersKeys.all }),
  });
}
