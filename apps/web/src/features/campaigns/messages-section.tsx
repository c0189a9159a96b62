import { Select, SimpleGrid, Stack, Switch, Textarea, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Template } from '../../app/contract.ts';
import { FormSection } from '../../components/form-section.tsx';
import { useFieldProps } from './campaign-form-context.ts';

/** Signature, automatic confirmation reply and customer qualification (CSAT) of a campaign. */
export function MessagesSection({ templates }: { templates: readonly Template[] }) {
  const { t } = useTranslation();
  const { form, field, checkbox } = useFieldProps();
  const options = templates.map((template) => ({ value: template.id, label: template.name }));
  const confirmationOn = form.values.confirmation.enabled;
  const outOfHoursOn = form.values.outOfHours.enabled;
  const qualificationOn = form.values.qualification.enabled;

  return (
    <Stack gap="md">
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
        <FormSection title={t('campaign.messages.signature')} description={t('campaign.messages.signatureHint')}>
          <Select
            label={t('campaign.fields.signatureTemplate')}
            placeholder={t('campaign.messages.noSignature')}
            data={options}
            clearable
            allowDeselect
            searchable
            nothingFoundMessage={t('campaign.messages.noTemplates')}
            {...field('signatureTemplateId')}
          />
        </FormSection>
        <FormSection title={t('campaign.messages.confirmation')} description={t('campaign.messages.confirmationHint')}>
          <Switch label={t('campaign.fields.confirmationEnabled')} {...checkbox('confirmation.enabled')} />
          <Select
            label={t('campaign.fields.confirmationTemplate')}
            placeholder={t('campaign.messages.chooseTemplate')}
            data={options}
            clearable
            allowDeselect
            searchable
            required={confirmationOn}
            disabled={!confirmationOn}
            nothingFoundMessage={t('campaign.messages.noTemplates')}
            {...field('confirmation.templateId')}
          />
        </FormSection>
        <FormSection title={t('campaign.messages.outOfHours')} description={t('campaign.messages.outOfHoursHint')}>
          <Switch label={t('campaign.fields.outOfHoursEnabled')} {...checkbox('outOfHours.enabled')} />
          <Select
            label={t('campaign.fields.outOfHoursTemplate')}
            placeholder={t('campaign.messages.chooseTemplate')}
            data={options}
            clearable
            allowDeselect
            searchable
            required={outOfHoursOn}
            disabled={!outOfHoursOn}
            nothingFoundMessage={t('campaign.messages.noTemplates')}
            {...field('outOfHours.templateId')}
          />
        </FormSection>
      </SimpleGrid>
      <FormSection title={t('campaign.messages.qualification')} description={t('campaign.messages.qualificationHint')}>
        <Switch label={t('campaign.fields.qualificationEnabled')} {...checkbox('qualification.enabled')} />
        <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="sm">
          <TextInput
            label={t('campaign.fields.motivationTitle')}
            description={t('campaign.fields.motivationTitleHint')}
            placeholder={t('campaign.fields.motivationTitlePlaceholder')}
            disabled={!qualificationOn}
            required={qualificationOn}
            {...field('qualification.motivationTitle')}
          />
          <Textarea
            label={t('campaign.fields.thanksMessage')}
            description={t('campaign.fields.thanksMessageHint')}
            placeholder={t('campaign.fields.thanksMessagePlaceholder')}
            autosize
            minRows={2}
            maxRows={6}
            disabled={!qualificationOn}
            {...field('qualification.thanksMessage')}
          />
        </SimpleGrid>
      </FormSection>
    </Stack>
  );
}
