import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  oauthProviderListSchema,
  oauthProviderSchema,
  oauthSignInSchema,
  oauthSignInStartedSchema,
  type OAuthProviderInput,
  type OAuthSignIn,
  type OAuthSignInInput,
} from '@postdesk/contracts';
import { apiRequest, apiSend } from '../../app/api.ts';

/** Cache keys of this feature. */
export const oauthKeys = { providers: ['oauth', 'providers'] as const };

/** The registered providers, the callback to register at them, and each kind's default scopes (admins). */
export function useOAuthProviders(enabled = true) {
  return useQuery({
    queryKey: oauthKeys.providers,
    queryFn: () => apiRequest('/api/oauth/providers', oauthProviderListSchema),
    enabled,
  });
}

/** Creates or updates a provider; the secret is sent only when typed (empty keeps the stored one). */
export function useSaveProvider() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id: string | null; input: OAuthProviderInput }) =>
      id === null
        ? apiRequest('/api/oauth/providers', oauthProviderSchema, { method: 'POST', body: input })
        : apiRequest(`/api/oauth/providers/${encodeURIComponent(id)}`, oauthProviderSchema, { method: 'PUT', body: input }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: oauthKeys.providers }),
  });
}

/** Deletes a provider no campaign signs in with. */
export function useDeleteProvider() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiSend(`/api/oauth/providers/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: oauthKeys.providers }),
  });
}

/** How often a sign-in is polled while the provider's pages are open. */
const POLL_MS = 1_000;

/**
 * Runs a sign-in: starts it, opens the provider's pages in a popup, and
 * polls until the callback completed or refused it (or it expired). The
 * popup is opened before the request so browsers do not block it.
 */
export async function runSignIn(input: OAuthSignInInput, signal: AbortSignal): Promise<OAuthSignIn> {
  const popup = window.open('about:blank', 'postdesk-oauth', 'popup,width=520,height=680');
  try {
    const started = await apiRequest('/api/oauth/sign-ins', oauthSignInStartedSchema, { method: 'POST', body: input, signal });
    if (popup) popup.location.href = started.url;
    else window.open(started.url, '_blank');
    for (;;) {
      await new Promise<void>((resolve) => setTimeout(resolve, POLL_MS));
      if (signal.aborted) throw new DOMException('stopped', 'AbortError');
      const status = await apiRequest(`/api/oauth/sign-ins/${encodeURIComponent(started.id)}`, oauthSignInSchema, { signal });
      if (status.state !== 'pending') return status;
    }
  } finally {
    // the callback's page says it may be closed; close it for the admin
    popup?.close();
  }
}
