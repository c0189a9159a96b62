import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest, apiSend } from '../../app/api.ts';
import {
  agentInfoSchema,
  assignedInteractionListSchema,
  liveAgentListSchema,
  waitingListSchema,
  offerListSchema,
  pauseReasonListSchema,
  pauseReasonSchema,
  presenceSchema,
  queueFiguresListSchema,
  type PresenceState,
} from '@postdesk/contracts';
import { liveKeys } from '../../app/realtime.tsx';

const pauseReasonsKey = ['pause-reasons'] as const;
// The socket pushes changes; this slow poll only repairs what a reconnect missed.
const SAFETY_POLL_MS = 30_000;

export function usePresence() {
  return useQuery({ queryKey: liveKeys.presence, queryFn: () => apiRequest('/api/me/presence', presenceSchema) });
}

export function useSetPresence() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { state: PresenceState; pauseReasonId?: string | null }) =>
      apiRequest('/api/me/presence', presenceSchema, { method: 'PUT', body }),
    onSuccess: (presence) => queryClient.setQueryData(liveKeys.presence, presence),
    onSettled: () => queryClient.invalidateQueries({ queryKey: liveKeys.offers }),
  });
}

export function usePauseReasons() {
  return useQuery({ queryKey: pauseReasonsKey, queryFn: async () => (await apiRequest('/api/pause-reasons', pauseReasonListSchema)).items });
}

export function useCreatePauseReason() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (name: string) => apiRequest('/api/pause-reasons', pauseReasonSchema, { method: 'POST', body: { name } }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: pauseReasonsKey }),
  });
}

export function useDeletePauseReason() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiSend(`/api/pause-reasons/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: pauseReasonsKey }),
  });
}

export function useMyOffers() {
  return useQuery({
    queryKey: liveKeys.offers,
    queryFn: async () => (await apiRequest('/api/me/offers', offerListSchema)).items,
    refetchInterval: SAFETY_POLL_MS,
  });
}

/** accept / reject an offer, close an interaction: each refreshes the agent's lists. */
export function useWorkAction() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ path }: { path: string }) => apiSend(path, { method: 'POST' }),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: liveKeys.offers });
      void queryClient.invalidateQueries({ queryKey: liveKeys.interactions });
    },
  });
}

export function useQueueFigures() {
  return useQuery({
    queryKey: liveKeys.queues,
    queryFn: async () => (await apiRequest('/api/supervisor/queues', queueFiguresListSchema)).items,
    // waits grow by the second even when nothing is pushed
    refetchInterval: 5_000,
  });
}

export function useLiveAgents() {
  return useQuery({
    queryKey: liveKeys.agents,
    queryFn: async () => (await apiRequest('/api/supervisor/agents', liveAgentListSchema)).items,
    refetchInterval: SAFETY_POLL_MS,
  });
}

export function useLogoutAgent() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (userId: string) => apiSend(`/api/supervisor/agents/${encodeURIComponent(userId)}/logout`, { method: 'POST' }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: liveKeys.agents }),
  });
}

// Under the queues' key, so a queue.changed push (which invalidates it) re-reads the waiting table too.
const waitingKey = (campaignId: string | null) => [...liveKeys.queues, 'waiting', campaignId ?? 'all'] as const;

/** The mail in the queue now, longest on hold first (one campaign, or every one the supervisor sees). */
export function useWaiting(campaignId: string | null) {
  return useQuery({
    queryKey: waitingKey(campaignId),
    queryFn: async () =>
      (await apiRequest(`/api/supervisor/waiting${campaignId ? `?campaignId=${encodeURIComponent(campaignId)}` : ''}`, waitingListSchema)).items,
    refetchInterval: SAFETY_POLL_MS,
  });
}

/** One agent's profile, campaigns and today's figures. */
export function useAgentInfo(userId: string | null) {
  return useQuery({
    queryKey: [...liveKeys.agents, 'info', userId] as const,
    enabled: userId !== null,
    queryFn: () => apiRequest(`/api/supervisor/agents/${encodeURIComponent(userId ?? '')}`, agentInfoSchema),
  });
}

/** Spy: the agent's open interactions (re-read on every queue or agent push). */
export function useAgentInteractions(userId: string | null) {
  return useQuery({
    queryKey: [...liveKeys.queues, 'spy', userId] as const,
    enabled: userId !== null,
    queryFn: async () => (await apiRequest(`/api/supervisor/agents/${encodeURIComponent(userId ?? '')}/interactions`, assignedInteractionListSchema)).items,
  });
}

/** Pause (with a reason) or unpause an agent from the monitor. */
export function useSetAgentPresence() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ userId, state, pauseReasonId }: { userId: string; state: 'available' | 'paused'; pauseReasonId?: string }) =>
      apiRequest(`/api/supervisor/agents/${encodeURIComponent(userId)}/presence`, presenceSchema, { method: 'PUT', body: { state, pauseReasonId: pauseReasonId ?? null } }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: liveKeys.agents }),
  });
}
