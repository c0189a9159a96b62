import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest, apiSend, withQuery } from '../../app/api.ts';
import { type Template, templateListSchema, templatePreviewSchema, templateSchema } from '@postdesk/contracts';

/** Cache keys of this feature. */
export const templatesKeys = { all: ['templates'] as const };

/** What the editor sends when creating or saving a template. */
export interface TemplateInput {
  name: string;
  campaignId: string | null;
  html: string;
}

/** Templates, all of them or those usable in one campaign. */
export function useTemplates(campaignId?: string | null) {
  return useQuery({
    queryKey: [...templatesKeys.all, campaignId ?? 'all'],
    queryFn: async () =>
      (await apiRequest(withQuery('/api/templates', { campaignId: campaignId ?? undefined }), templateListSchema)).items,
  });
}

/** Creates or saves a template. */
export function useSaveTemplate() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, input }: { id: string | null; input: TemplateInput }) =>
      id === null
        ? apiRequest('/api/templates', templateSchema, { method: 'POST', body: input })
        : apiRequest(`/api/templates/${encodeURIComponent(id)}`, templateSchema, { method: 'PUT', body: input }),
    onSuccess: (saved) => {
      // Put the saved template in the full list at once, so the editor does not blink while the list reloads.
      queryClient.setQueryData<Template[]>([...templatesKeys.all, 'all'], (items) =>
        items ? [...items.filter((item) => item.id !== saved.id), saved] : items,
      );
      return queryClient.invalidateQueries({ queryKey: templatesKeys.all });
    },
  });
}

/** Deletes a template. */
export function useDeleteTemplate() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => apiSend(`/api/templates/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: templatesKeys.all }),
  });
}

/** Renders HTML with sample values on the server, exactly as mail would be rendered. */
export function usePreviewTemplate() {
  return useMutation({
    mutationFn: (input: { html: string; values: Record<string, string> }) =>
      apiRequest('/api/templates/preview', templatePreviewSchema, { method: 'POST', body: input }),
  });
}

/** `${name}` fields in a template body, in order of first appearance. */
export function extractVariables(html: string): string[] {
  const found = new Set<string>();
  for (const match of html.matchAll(/\$\{\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\}/g)) {
    if (match[1]) found.add(match[1]);
  }
  return [...found];
}
