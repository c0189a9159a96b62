import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest, apiSend } from '../../app/api.ts';
import { mailboxListSchema } from '@postdesk/contracts';

/** Cache keys of this feature. */
export const mailboxesKeys = { all: ['mailboxes'] as const };

/** How often the list is polled until the realtime socket pushes changes. */
export const MAILBOXES_REFRESH_MS = 3_000;

/** Every receiving campaign's mailbox with its live reader state, polled while the screen is open. */
export function useMailboxes() {
  return useQuery({
    queryKey: mailboxesKeys.all,
    queryFn: async () => (await apiRequest('/api/mailboxes', mailboxListSchema)).items,
    refetchInterval: MAILBOXES_REFRESH_MS,
  });
}

/** Asks the server to reconnect a mailbox now instead of waiting for its next attempt (admins). */
export function useRetryMailbox() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (campaignId: string) =>
      apiSend(`/api/mailboxes/${encodeURIComponent(campaignId)}/retry`, { method: 'POST' }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: mailboxesKeys.all }),
  });
}
