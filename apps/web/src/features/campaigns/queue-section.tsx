import { Group, NumberInput, Radio, Select, SimpleGrid, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { closedReplyActionSchema, fetchedMailActionSchema, strategySchema } from '@postdesk/contracts';
import { FormSection } from '../../components/form-section.tsx';
import { SecondsInput } from '../../components/seconds-input.tsx';
import { useFieldProps } from './campaign-form-context.ts';
import { WAIT_LIMITS } from './campaign-form-values.ts';

/** Routing strategy, capacity, sticky-agent waits, transfers and what happens to mail after import. */
export function QueueSection() {
  const { t } = useTranslation();
  const { form, field, checkbox } = useFieldProps();
  const queue = form.values.queue;
  const pop3 = form.values.inbound.protocol === 'pop3';
  return (
    <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
      <FormSection title={t('campaign.queue.routing')} description={t('campaign.queue.routingHint')}>
        <Select
          label={t('campaign.fields.strategy')}
          description={t(`campaign.strategies.${queue.strategy}.hint`)}
          data={strategySchema.options.map((value) => ({ value, label: t(`campaign.strategies.${value}.label`) }))}
          {...field('queue.strategy')}
        />
        <SimpleGrid cols={2} spacing="sm">
          <SecondsInput
            label={t('campaign.fields.serviceLevel')}
            description={t('campaign.fields.serviceLevelHint')}
            min={1}
            {...field('queue.serviceLevelSec')}
          />
          <NumberInput
            label={t('campaign.fields.maxInteractions')}
            description={t('campaign.fields.maxInteractionsHint')}
            min={1}
            max={1000}
            allowDecimal={false}
            allowNegative={false}
            {...field('queue.maxInteractionsPerAgent')}
          />
          <SecondsInput
            label={t('campaign.fields.offerTimeout')}
            description={t('campaign.fields.offerTimeoutHint')}
            min={5}
            max={3600}
            disabled={queue.autoAssign}
            {...field('queue.offerTimeoutSec')}
          />
          <Switch label={t('campaign.fields.autoAssign')} description={t('campaign.fields.autoAssignHint')} pt={24} {...checkbox('queue.autoAssign')} />
          <NumberInput
            label={t('campaign.fields.offerRounds')}
            description={t('campaign.fields.offerRoundsHint')}
            min={1}
            max={100}
            allowDecimal={false}
            allowNegative={false}
            disabled={queue.autoAssign}
            {...field('queue.offerRounds')}
          />
          <NumberInput
            label={t('campaign.fields.missedOffersPause')}
            description={t('campaign.fields.missedOffersPauseHint')}
            min={0}
            max={100}
            allowDecimal={false}
            allowNegative={false}
            disabled={queue.autoAssign}
            {...field('queue.missedOffersPause')}
          />
        </SimpleGrid>
      </FormSection>

      <FormSection title={t('campaign.queue.sticky')} description={t('campaign.queue.stickyHint', WAIT_LIMITS)}>
        <SimpleGrid cols={2} spacing="sm">
          <SecondsInput
            label={t('campaign.fields.waitAssignedAgent')}
            description={t('campaign.fields.waitAssignedAgentHint')}
            min={WAIT_LIMITS.min}
            max={WAIT_LIMITS.max}
            {...field('queue.waitAssignedAgentSec')}
          />
          <SecondsInput
            label={t('campaign.fields.waitAssignedQueue')}
            description={t('campaign.fields.waitAssignedQueueHint')}
            min={WAIT_LIMITS.min}
            max={WAIT_LIMITS.max}
            {...field('queue.waitAssignedQueueSec')}
          />
        </SimpleGrid>
      </FormSection>

      <FormSection title={t('campaign.queue.transfers')} description={t('campaign.queue.transfersHint')}>
        <Group align="flex-end" gap="sm" wrap="nowrap">
          <Switch label={t('campaign.fields.transferToAgent')} flex={1} pb={8} {...checkbox('queue.transferToAgent')} />
          <SecondsInput
            label={t('campaign.fields.transferTimeout')}
            w={150}
            min={1}
            disabled={!queue.transferToAgent}
            {...field('queue.transferToAgentTimeoutSec')}
          />
        </Group>
        <Group align="flex-end" gap="sm" wrap="nowrap">
          <Switch label={t('campaign.fields.transferToQueue')} flex={1} pb={8} {...checkbox('queue.transferToQueue')} />
          <SecondsInput
            label={t('campaign.fields.transferTimeout')}
            w={150}
            min={1}
            disabled={!queue.transferToQueue}
            {...field('queue.transferToQueueTimeoutSec')}
          />
        </Group>
      </FormSection>

      <FormSection title={t('campaign.queue.handling')} description={t('campaign.queue.handlingHint')}>
        <Switch
          label={t('campaign.fields.mandatoryDisposition')}
          description={t('campaign.fields.mandatoryDispositionHint')}
          {...checkbox('queue.mandatoryDisposition')}
        />
        <Switch
          label={t('campaign.fields.pauseWhileDisposing')}
          description={t('campaign.fields.pauseWhileDisposingHint')}
          {...checkbox('queue.pauseWhileDisposing')}
        />
        <Switch
          label={t('campaign.fields.markAsUnread')}
          description={t('campaign.fields.markAsUnreadHint')}
          {...checkbox('queue.markAsUnread')}
        />
      </FormSection>

      <FormSection title={t('campaign.queue.fetched')} description={t('campaign.queue.fetchedHint')}>
        <Radio.Group {...field('queue.fetchedMailAction')}>
          <Stack gap={8}>
            {fetchedMailActionSchema.options.map((value) => (
              <Radio
                key={value}
                value={value}
                label={t(`campaign.fetchedActions.${value}.label`)}
                description={t(`campaign.fetchedActions.${value}.hint`)}
                disabled={pop3 && (value === 'mark_seen' || value === 'move')}
                data-testid={`campaign-fetched-${value}`}
              />
            ))}
          </Stack>
        </Radio.Group>
        {queue.fetchedMailAction === 'move' ? (
          <TextInput
            label={t('campaign.fields.moveToFolder')}
            placeholder={t('campaign.fields.moveToFolderPlaceholder')}
            required
            maw={320}
            {...field('queue.moveToFolder')}
          />
        ) : null}
        {!pop3 ? (
          <TextInput
            label={t('campaign.fields.sentFolder')}
            description={t('campaign.fields.sentFolderHint')}
            placeholder={t('campaign.fields.sentFolderPlaceholder')}
            maw={320}
            {...field('queue.sentFolder')}
            data-testid="campaign-sent-folder"
          />
        ) : null}
        {pop3 ? (
          <Text size="xs" c="dimmed">
            {t('campaign.queue.pop3Limits')}
          </Text>
        ) : null}
      </FormSection>

      <FormSection title={t('campaign.queue.closedReply')} description={t('campaign.queue.closedReplyHint')}>
        <Radio.Group {...field('queue.closedReplyAction')}>
          <Stack gap={8}>
            {closedReplyActionSchema.options.map((value) => (
              <Radio
                key={value}
                value={value}
                label={t(`campaign.closedReplyActions.${value}.label`)}
                description={t(`campaign.closedReplyActions.${value}.hint`)}
                data-testid={`campaign-closed-reply-${value}`}
              />
            ))}
          </Stack>
        </Radio.Group>
      </FormSection>
    </SimpleGrid>
  );
}
