import { Select, SimpleGrid, Stack, Switch, Textarea, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { FormSection } from '../../components/form-section.tsx';
import { useFieldProps } from './campaign-form-context.ts';
import { KEY_MAX_LENGTH } from './campaign-form-values.ts';
import { timeZoneOptions } from './time-zones.ts';

/** Name, key, sender identity, switches and defaults of a campaign. */
export function GeneralSection() {
  const { t } = useTranslation();
  const { form, field, checkbox } = useFieldProps();
  return (
    <Stack gap="md">
      <FormSection title={t('campaign.general.identity')} description={t('campaign.general.identityHint')}>
        <SimpleGrid cols={{ base: 1, md: 3 }} spacing="sm" verticalSpacing="sm">
          <TextInput
            label={t('campaign.fields.name')}
            description={t('campaign.fields.nameHint')}
            required
            data-autofocus
            {...field('name')}
          />
          <TextInput
            label={t('campaign.fields.key')}
            description={t('campaign.fields.keyHint', { max: KEY_MAX_LENGTH })}
            required
            maxLength={KEY_MAX_LENGTH}
            styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', textTransform: 'uppercase' } }}
            {...field('key')}
            onChange={(event) => form.setFieldValue('key', event.currentTarget.value.toUpperCase())}
          />
          <TextInput
            label={t('campaign.fields.defaultListName')}
            description={t('campaign.fields.defaultListNameHint')}
            {...field('defaultListName')}
          />
          <TextInput
            label={t('campaign.fields.fromAddress')}
            description={t('campaign.fields.fromAddressHint')}
            type="email"
            required
            {...field('fromAddress')}
          />
          <TextInput
            label={t('campaign.fields.fromName')}
            description={t('campaign.fields.fromNameHint')}
            {...field('fromName')}
          />
          <Select
            label={t('campaign.fields.timezone')}
            description={t('campaign.fields.timezoneHint')}
            data={timeZoneOptions(form.values.timezone)}
            searchable
            limit={60}
            nothingFoundMessage={t('common.noMatches')}
            {...field('timezone')}
          />
        </SimpleGrid>
        <Textarea
          label={t('campaign.fields.description')}
          autosize
          minRows={2}
          maxRows={5}
          {...field('description')}
        />
      </FormSection>
      <FormSection title={t('campaign.general.status')}>
        <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
          <Switch
            label={t('campaign.fields.enabled')}
            description={t('campaign.fields.enabledHint')}
            {...checkbox('enabled')}
          />
          <Switch
            label={t('campaign.fields.receiveEmails')}
            description={t('campaign.fields.receiveEmailsHint')}
            {...checkbox('receiveEmails')}
          />
        </SimpleGrid>
      </FormSection>
    </Stack>
  );
}
