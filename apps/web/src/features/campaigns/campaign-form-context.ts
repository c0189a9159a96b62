import { createFormContext } from '@mantine/form';
import type { CampaignFormValues } from './campaign-form-values.ts';

/** The campaign form shared by its tab sections without prop drilling. */
export const [CampaignFormProvider, useCampaignFormContext, useCampaignForm] = createFormContext<CampaignFormValues>();

/** Props every campaign field gets: value binding plus a stable test id derived from its path. */
export function useFieldProps() {
  const form = useCampaignFormContext();
  return {
    form,
    field: (path: string) => ({
      ...form.getInputProps(path),
      'data-testid': `campaign-field-${path}`,
      'data-path': path,
    }),
    checkbox: (path: string) => ({
      ...form.getInputProps(path, { type: 'checkbox' }),
      'data-testid': `campaign-field-${path}`,
      'data-path': path,
    }),
  };
}
