import { SimpleGrid } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { FormSection } from '../../components/form-section.tsx';
import { SecondsInput } from '../../components/seconds-input.tsx';
import { useFieldProps } from './campaign-form-context.ts';

/** Realtime statistics thresholds, all in seconds. */
export function ThresholdsSection() {
  const { t } = useTranslation();
  const { field } = useFieldProps();
  return (
    <FormSection title={t('campaign.thresholds.title')} description={t('campaign.thresholds.hint')}>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} spacing="md">
        <SecondsInput
          label={t('campaign.fields.thresholdServiceLevel')}
          description={t('campaign.fields.thresholdServiceLevelHint')}
          min={0}
          {...field('thresholds.serviceLevelSec')}
        />
        <SecondsInput
          label={t('campaign.fields.thresholdDropout')}
          description={t('campaign.fields.thresholdDropoutHint')}
          min={0}
          {...field('thresholds.dropoutSec')}
        />
        <SecondsInput
          label={t('campaign.fields.thresholdChatTime')}
          description={t('campaign.fields.thresholdChatTimeHint')}
          min={0}
          {...field('thresholds.chatTimeSec')}
        />
        <SecondsInput
          label={t('campaign.fields.thresholdAcd')}
          description={t('campaign.fields.thresholdAcdHint')}
          min={0}
          {...field('thresholds.acdSec')}
        />
      </SimpleGrid>
    </FormSection>
  );
}
