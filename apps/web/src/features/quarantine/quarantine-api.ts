import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { apiRequest, withQuery } from '../../app/api.ts';
import { quarantineListSchema, reprocessResultSchema } from '@postdesk/contracts';
import { mailboxesKeys } from '../mailboxes/mailboxes-api.ts';

/** Cache keys of this feature. */
export const quarantineKeys = {
  all: ['quarantine'] as const,
  list: (campaignId: string | null) => ['quarantine', campaignId ?? 'all'] as const,
};

/** Rows per page; "load more" asks for the next page before the oldest row shown. */
export const QUARANTINE_PAGE_SIZE = 50;

/** The link that downloads one message exactly as received (served as an attachment). */
export function rawMessageUrl(id: string): string {
  return `/api/quarantine/${encodeURIComponent(id)}/raw`;
}

/** Quarantined messages, newest first, optionally of one campaign; paged by `before` = createdAt of the last row. */
export function useQuarantine(campaignId: string | null) {
  return useInfiniteQuery({
    queryKey: quarantineKeys.list(campaignId),
    initialPageParam: null as string | null,
    queryFn: async ({ pageParam, signal }) =>
      (
        await apiRequest(
          withQuery('/api/quarantine', { campaignId, before: pageParam, limit: String(QUARANTINE_PAGE_SIZE) }),
          quarantineListSchema,
          { signal },
        )
      ).items,
    getNextPageParam: (lastPage) =>
      lastPage.length < QUARANTINE_PAGE_SIZE ? undefined : (lastPage[lastPage.length - 1]?.createdAt ?? undefined),
  });
}

/** Runs one message through the importer again (admins); the list and the mailbox counts refresh after. */
export function useReprocessQuarantined() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      apiRequest(`/api/quarantine/${encodeURIComponent(id)}/reprocess`, reprocessResultSchema, { method: 'POST' }),
    onSettled: () =>
      Promise.all([
        queryClient.invalidateQueries({ queryKey: quarantineKeys.all }),
        queryClient.invalidateQueries({ queryKey: mailboxesKeys.all }),
      ]),
  });
}
