import { Alert, Code, Select, SimpleGrid, Stack, Switch, Textarea, TextInput } from '@mantine/core';
import { IconLinkOff } from '@tabler/icons-react';
import { Trans, useTranslation } from 'react-i18next';
import type { Template } from '@postdesk/contracts';
import { FormSection } from '../../components/form-section.tsx';
import { useFieldProps } from './campaign-form-context.ts';
import { useRatingLinks } from './campaigns-api.ts';

/** Signature, automatic confirmation reply and customer qualification (CSAT) of a campaign. */
export function MessagesSection({ templates }: { templates: readonly Template[] }) {
  const { t } = useTranslation();
  const { form, field, checkbox } = useFieldProps();
  const options = templates.map((template) => ({ value: template.id, label: template.name }));
  const qualificationOn = form.values.qualification.enabled;
  const ratingLinks = useRatingLinks();

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
        <AutoReplySection kind="confirmation" options={options} />
        <AutoReplySection kind="outOfHours" options={options} />
      </SimpleGrid>
      <FormSection title={t('campaign.messages.qualification')} description={t('campaign.messages.qualificationHint')}>
        <Switch label={t('campaign.fields.qualificationEnabled')} {...checkbox('qualification.enabled')} />
        {qualificationOn && ratingLinks.data?.available === false ? (
          <Alert color="yellow" variant="light" icon={<IconLinkOff size={18} />} p="sm" data-testid="rating-links-unavailable">
            <Trans i18nKey="campaign.messages.noPublicUrl" components={{ code: <Code /> }} />
          </Alert>
        ) : null}
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

/** An automatic reply of the campaign: the confirmation, or the one sent while the schedule is closed. */
function AutoReplySection({ kind, options }: { kind: 'confirmation' | 'outOfHours'; options: { value: string; label: string }[] }) {
  const { t } = useTranslation();
  const { form, field, checkbox } = useFieldProps();
  const on = form.values[kind].enabled;
  return (
    <FormSection title={t(`campaign.messages.${kind}`)} description={t(`campaign.messages.${kind}Hint`)}>
      <Switch label={t(`campaign.fields.${kind}Enabled`)} {...checkbox(`${kind}.enabled`)} />
      <Select
        label={t(`campaign.fields.${kind}Template`)}
        placeholder={t('campaign.messages.chooseTemplate')}
        data={options}
        clearable
        allowDeselect
        searchable
        required={on}
        disabled={!on}
        nothingFoundMessage={t('campaign.messages.noTemplates')}
        {...field(`${kind}.templateId`)}
      />
    </FormSection>
  );
}
