import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, apiRequest, apiSend } from '../../app/api.ts';
import { type Language, type User, userEnvelopeSchema } from '@postdesk/contracts';
import { changeLanguage } from '../../i18n/i18n.ts';

/** Query key of the signed-in user; `null` data means "nobody is signed in". */
export const ME_KEY = ['auth', 'me'] as const;

async function fetchMe(): Promise<User | null> {
  try {
    const { user } = await apiRequest('/api/auth/me', userEnvelopeSchema, { redirectOn401: false });
    await changeLanguage(user.language);
    return user;
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

/** The signed-in user (or null), probed once and then kept in the cache. */
export function useMe() {
  return useQuery({
    queryKey: ME_KEY,
    queryFn: fetchMe,
    staleTime: Number.POSITIVE_INFINITY,
    retry: false,
  });
}

/** The signed-in user; only call below the authenticated routes, where one exists. */
export function useCurrentUser(): User {
  const { data } = useMe();
  if (!data) throw new Error('useCurrentUser called outside an authenticated route');
  return data;
}

/** Signs in and switches the UI to the user's language. */
export function useLogin() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { username: string; password: string }) =>
      apiRequest('/api/auth/login', userEnvelopeSchema, { method: 'POST', body: input, redirectOn401: false }),
    onSuccess: async ({ user }) => {
      await changeLanguage(user.language);
      queryClient.setQueryData(ME_KEY, user);
    },
  });
}

/** Signs out and forgets every cached answer, so the next user sees nothing of the last. */
export function useLogout() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => apiSend('/api/auth/logout', { method: 'POST', redirectOn401: false }),
    onSettled: () => {
      queryClient.clear();
      queryClient.setQueryData(ME_KEY, null);
    },
  });
}

/** Saves the user's own preferences (language, display name) or password. */
export function useUpdateMe() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: { language?: Language; displayName?: string; password?: { current: string; next: string } }) =>
      apiRequest('/api/auth/me', userEnvelopeSchema, { method: 'PATCH', body: input }),
    onSuccess: async ({ user }) => {
      await changeLanguage(user.language);
      queryClient.setQueryData(ME_KEY, user);
    },
  });
}
