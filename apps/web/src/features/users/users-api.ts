import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest, apiSend } from '../../app/api.ts';
import {
  apiTokenListSchema,
  createdApiTokenSchema,
  type Language,
  type Role,
  userListSchema,
  userSchema,
  supervisedCampaignsSchema,
} from '@postdesk/contracts';

/** Cache keys of this feature, so every mutation invalidates exactly what it changed. */
export const usersKeys = { all: ['users'] as const, tokens: ['tokens'] as const };

/** All console users. */
export function useUsers() {
  return useQuery({
    queryKey: usersKeys.all,
    queryFn: async () => (await apiRequest('/api/users', userListSchema)).items,
  });
}

/** What the create form sends. */
export interface CreateUserInput {
  username: string;
  displayName: string;
  email?: string;
  role: Role;
  language: Language;
  password: string;
}

/** What the edit form and the enabled toggle send; omitted fields stay as they are. */
export interface UpdateUserInput {
  displayName?: string;
  email?: string | null;
  role?: Role;
  language?: Language;
  enabled?: boolean;
  password?: string;
}

/** Creates a user. */
export function useCreateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: CreateUserInput) => apiRequest('/api/users', userSchema, { method: 'POST', body: input }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: usersKeys.all }),
  });
}

/** Changes a user (also enables or disables them). */
export function useUpdateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id: string; input: UpdateUserInput }) =>
      apiRequest(`/api/users/${encodeURIComponent(id)}`, userSchema, { method: 'PATCH', body: input }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: usersKeys.all }),
  });
}

/** API tokens, without their secrets. */
export function useTokens() {
  return useQuery({
    queryKey: usersKeys.tokens,
    queryFn: async () => (await apiRequest('/api/tokens', apiTokenListSchema)).items,
  });
}

/** Creates a token; the answer holds the secret, which the server never shows again. */
export function useCreateToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { name: string; role: Role }) =>
      apiRequest('/api/tokens', createdApiTokenSchema, { method: 'POST', body: input }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: usersKeys.tokens }),
  });
}

/** Revokes a token at once. */
export function useRevokeToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiSend(`/api/tokens/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: usersKeys.tokens }),
  });
}

/** The campaigns a supervisor supervises (admins only). */
export function useSupervisedCampaigns(userId: string | null) {
  return useQuery({
    queryKey: [...usersKeys.all, userId, 'supervised'] as const,
    enabled: userId !== null,
    queryFn: async () => (await apiRequest(`/api/users/${encodeURIComponent(userId ?? '')}/supervised-campaigns`, supervisedCampaignsSchema)).campaignIds,
  });
}

/** Sets the whole list of a supervisor's campaigns. */
export function useSetSupervisedCampaigns() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, campaignIds }: { id: string; campaignIds: string[] }) =>
      apiRequest(`/api/users/${encodeURIComponent(id)}/supervised-campaigns`, supervisedCampaignsSchema, { method: 'PUT', body: { campaignIds } }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: usersKeys.all }),
  });
}
