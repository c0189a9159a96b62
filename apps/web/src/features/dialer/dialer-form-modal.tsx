import { ActionIcon, Alert, Button, Chip, Divider, Group, Modal, NumberInput, Select, SimpleGrid, Stack, Switch, Text, Textarea, TextInput, Tooltip } from '@mantine/core';
import { IconMinus, IconPlus } from '@tabler/icons-react';
import { useForm } from '@mantine/form';
import { useTranslation } from 'react-i18next';
import type { Dialer, DialerInput } from '@postdesk/contracts';
import { isApiError, type ApiErrorDetail } from '../../app/api.ts';
import { splitFieldErrors } from '../../components/form-errors.ts';
import { submitOnModEnter } from '../../components/keyboard.ts';
import { notifyError, notifySuccess } from '../../components/notify.ts';
import { useCampaigns } from '../campaigns/campaigns-api.ts';
import { useTemplates } from '../templates/templates-api.ts';
import { browserTimeZone } from '../campaigns/campaign-form-values.ts';
import { WEEK_ORDER } from '../campaigns/schedule-section.tsx';
import { timeZoneOptions } from '../campaigns/time-zones.ts';
import { useSaveDialer } from './dialer-api.ts';
import {
  formPathOf,
  framesToRows,
  inviteEndError,
  inviteInput,
  inviteTimeError,
  inviteValues,
  newScheduleKey,
  rowsToFrames,
  scheduleRowError,
  type InviteValues,
  type ScheduleRowValue,
} from './dialer-form-values.ts';
import { useState } from 'react';

interface DialerFormValues {
  name: string;
  campaignId: string | null;
  templateId: string | null;
  subject: string;
  maxPerSecond: number;
  intervalMs: number;
  defaultDomainPerMinute: number;
  /** One `domain perMinute` a line. */
  domainLimits: string;
  timezone: string;
  schedule: ScheduleRowValue[];
  inviteOn: boolean;
  invite: InviteValues;
  enabled: boolean;
}

const FIELDS = new Set(['name', 'campaignId', 'templateId', 'subject', 'maxPerSecond', 'intervalMs', 'defaultDomainPerMinute', 'domainLimits', 'timezone', 'schedule', 'invite', 'enabled']);

/** `gmail.com 600` lines into limits; a line that is not one is reported by its number. */
export function parseDomainLimits(text: string): { limits: Array<{ domain: string; perMinute: number }>; badLine: number | null } {
  const limits: Array<{ domain: string; perMinute: number }> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    const m = /^(\S+)\s*[ =:]\s*(\d+)$/.exec(line);
    if (!m) return { limits, badLine: i + 1 };
    limits.push({ domain: m[1]!, perMinute: Number(m[2]) });
  }
  return { limits, badLine: null };
}

/** Create or edit a dialer: campaign (whose SMTP account sends), template, subject, pacing and per-domain limits, weekly schedule, calendar invitation. */
export function DialerFormModal({ dialer, opened, onClose }: { dialer: Dialer | null; opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Modal opened={opened} onClose={onClose} title={dialer ? t('dialer.editTitle', { name: dialer.name }) : t('dialer.createTitle')} size="xl">
      {opened ? <DialerForm key={dialer?.id ?? 'new'} dialer={dialer} onDone={onClose} /> : null}
    </Modal>
  );
}

/** Dates and ${variables} read best in a fixed-width font: the input only, not its label. */
const MONO_INPUT = { input: { fontFamily: 'var(--mantine-font-family-monospace)' } };

/** The line numbers of the non-empty lines of the limits box: the server's domainLimits.N is line lines[N]. */
const limitLines = (text: string): number[] =>
  text.split('\n').flatMap((l, i) => (l.trim() ? [i + 1] : []));

function DialerForm({ dialer, onDone }: { dialer: Dialer | null; onDone: () => void }) {
  const { t } = useTranslation();
  const save = useSaveDialer();
  const campaigns = useCampaigns();
  const [other, setOther] = useState<ApiErrorDetail[]>([]);
  const form = useForm<DialerFormValues>({
    initialValues: {
      name: dialer?.name ?? '',
      campaignId: dialer?.campaignId ?? null,
      templateId: dialer?.templateId ?? null,
      subject: dialer?.subject ?? '',
      maxPerSecond: dialer?.maxPerSecond ?? 0,
      intervalMs: dialer?.intervalMs ?? 0,
      defaultDomainPerMinute: dialer?.defaultDomainPerMinute ?? 0,
      domainLimits: (dialer?.domainLimits ?? []).map((l) => `${l.domain} ${l.perMinute}`).join('\n'),
      timezone: dialer?.timezone ?? browserTimeZone(),
      schedule: framesToRows(dialer?.schedule ?? []),
      inviteOn: Boolean(dialer?.invite),
      invite: inviteValues(dialer?.invite ?? null),
      enabled: dialer?.enabled ?? true,
    },
    validate: {
      name: (v) => (v.trim() ? null : t('validation.required')),
      campaignId: (v) => (v ? null : t('validation.required')),
      templateId: (v) => (v ? null : t('validation.required')),
      subject: (v) => (v.trim() ? null : t('validation.required')),
      domainLimits: (v) => {
        const bad = parseDomainLimits(v).badLine;
        return bad === null ? null : t('dialer.domainLimitsLine', { line: bad });
      },
      timezone: (v) => (v ? null : t('validation.required')),
      invite: {
        summary: (v, values) => (values.inviteOn && !v.trim() ? t('validation.required') : null),
        organizerEmail: (v, values) => (values.inviteOn && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v.trim()) ? t('dialer.invite.badEmail') : null),
        start: (v, values) => {
          const e = values.inviteOn ? inviteTimeError(v) : null;
          return e ? t(e as 'validation.required') : null;
        },
        end: (v, values) => {
          const e = values.inviteOn ? inviteEndError(values.invite.start, v) : null;
          return e ? t(e as 'validation.required') : null;
        },
      },
    },
  });
  const templates = useTemplates(form.values.campaignId);
  // a schedule row's problem shows on its field (checked on submit, with the rows before it for overlaps)
  const scheduleErrors = (values: DialerFormValues): Record<string, string> => {
    const errors: Record<string, string> = {};
    values.schedule.forEach((row, i) => {
      const e = scheduleRowError(row, values.schedule.slice(0, i));
      if (e) errors[`schedule.${i}.${e.field}`] = t(e.key as 'validation.required', { n: e.n });
    });
    return errors;
  };

  const submit = form.onSubmit((values) => {
    setOther([]);
    const rowErrors = scheduleErrors(values);
    if (Object.keys(rowErrors).length > 0) {
      form.setErrors(rowErrors);
      return;
    }
    const input: DialerInput = {
      name: values.name.trim(),
      campaignId: values.campaignId!,
      templateId: values.templateId,
      subject: values.subject.trim(),
      maxPerSecond: values.maxPerSecond,
      intervalMs: values.intervalMs,
      defaultDomainPerMinute: values.defaultDomainPerMinute,
      domainLimits: parseDomainLimits(values.domainLimits).limits,
      schedule: rowsToFrames(values.schedule),
      timezone: values.timezone,
      invite: values.inviteOn ? inviteInput(values.invite) : null,
      enabled: values.enabled,
    };
    save.mutate(
      { id: dialer?.id ?? null, input },
      {
        onSuccess: () => {
          notifySuccess(t('dialer.saved'));
          onDone();
        },
        onError: (error) => {
          if (isApiError(error, 'validation_failed') || isApiError(error, 'conflict')) {
            const { fieldErrors, otherErrors } = splitFieldErrors(error.details, (path) => FIELDS.has(path.split('.')[0]!));
            const mapped: Record<string, string> = {};
            const lines = limitLines(values.domainLimits);
            for (const [path, message] of Object.entries(fieldErrors)) {
              const at = formPathOf(path, values.schedule);
              mapped[at.field] = at.line === undefined ? message : `${t('dialer.line')} ${lines[at.line - 1] ?? at.line}: ${message}`;
            }
            form.setErrors(mapped);
            setOther(otherErrors);
            if (error.details.length > 0) return;
          }
          notifyError(t, error);
        },
      },
    );
  });

  const dayOptions = WEEK_ORDER.map((value) => ({ value, label: t(`days.${value}`).slice(0, 3) }));
  const addRow = () => {
    const last = form.values.schedule[form.values.schedule.length - 1];
    form.insertListItem('schedule', { key: newScheduleKey(), days: last ? [] : ['1', '2', '3', '4', '5'], start: last?.start ?? '13:00', end: last?.end ?? '18:00' } satisfies ScheduleRowValue);
  };
  const variables = dialer?.requiredVariables ?? [];

  return (
    <form onSubmit={submit} onKeyDown={submitOnModEnter} noValidate data-testid="dialer-form">
      <Stack gap="sm">
        {other.length > 0 ? (
          <Alert color="red" variant="light">
            {other.map((d) => `${d.path}: ${d.message}`).join('; ')}
          </Alert>
        ) : null}
        <SimpleGrid cols={2} spacing="sm">
          <TextInput label={t('dialer.name')} required data-autofocus data-testid="dialer-name" {...form.getInputProps('name')} />
          <Switch mt={30} label={t('dialer.enabled')} {...form.getInputProps('enabled', { type: 'checkbox' })} />
          <Select
            label={t('dialer.campaign')}
            description={t('dialer.campaignHint')}
            required
            searchable
            data={(campaigns.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
            data-testid="dialer-campaign"
            {...form.getInputProps('campaignId')}
          />
          <Select
            label={t('dialer.template')}
            description={t('dialer.templateHint')}
            required
            searchable
            disabled={!form.values.campaignId}
            data={(templates.data ?? []).map((tp) => ({ value: tp.id, label: tp.name }))}
            data-testid="dialer-template"
            {...form.getInputProps('templateId')}
          />
        </SimpleGrid>
        <TextInput label={t('dialer.subject')} description={t('dialer.subjectHint')} required data-testid="dialer-subject" {...form.getInputProps('subject')} />

        <Divider label={t('dialer.section.pacing')} labelPosition="left" mt="xs" />
        <SimpleGrid cols={3} spacing="sm">
          <NumberInput label={t('dialer.maxPerSecond')} description={t('dialer.zeroNoLimit')} min={0} max={100000} allowDecimal={false} data-testid="dialer-max-per-second" {...form.getInputProps('maxPerSecond')} />
          <NumberInput label={t('dialer.intervalMs')} description={t('dialer.zeroNoLimit')} min={0} max={3600000} allowDecimal={false} data-testid="dialer-interval" {...form.getInputProps('intervalMs')} />
          <NumberInput label={t('dialer.defaultDomainPerMinute')} description={t('dialer.zeroNoLimit')} min={0} max={1000000} allowDecimal={false} data-testid="dialer-domain-default" {...form.getInputProps('defaultDomainPerMinute')} />
        </SimpleGrid>
        <Textarea label={t('dialer.domainLimits')} description={t('dialer.domainLimitsHint')} autosize minRows={2} maxRows={6} placeholder="gmail.com 600" data-testid="dialer-domain-limits" {...form.getInputProps('domainLimits')} />

        <Divider label={t('dialer.section.schedule')} labelPosition="left" mt="xs" />
        <Group align="flex-end" gap="sm" wrap="nowrap">
          <Select
            label={t('dialer.timezone')}
            w={260}
            data={timeZoneOptions(form.values.timezone)}
            searchable
            limit={60}
            nothingFoundMessage={t('common.noMatches')}
            data-testid="dialer-timezone"
            {...form.getInputProps('timezone')}
          />
          <Text size="xs" c="dimmed" pb={8}>
            {form.values.schedule.length === 0 ? t('dialer.schedule.always') : t('dialer.schedule.hint')}
          </Text>
        </Group>
        {form.values.schedule.map((row, i) => (
          <Group key={row.key} gap="sm" align="flex-start" wrap="nowrap" data-testid={`dialer-schedule-row-${i}`}>
            <Stack gap={2}>
              <Chip.Group multiple value={row.days} onChange={(v) => form.setFieldValue(`schedule.${i}.days`, v)}>
                <Group gap={4} wrap="nowrap">
                  {dayOptions.map((d) => (
                    <Chip key={d.value} value={d.value} size="xs" data-testid={`dialer-day-${d.value}`}>
                      {d.label}
                    </Chip>
                  ))}
                </Group>
              </Chip.Group>
              {form.errors[`schedule.${i}.days`] ? (
                <Text size="xs" c="red">
                  {form.errors[`schedule.${i}.days`]}
                </Text>
              ) : null}
            </Stack>
            <TextInput type="time" w={120} size="xs" aria-label={t('dialer.schedule.from')} data-testid="dialer-schedule-start" {...form.getInputProps(`schedule.${i}.start`)} />
            <TextInput type="time" w={120} size="xs" aria-label={t('dialer.schedule.to')} data-testid="dialer-schedule-end" {...form.getInputProps(`schedule.${i}.end`)} />
            <Tooltip label={t('dialer.schedule.remove')}>
              <ActionIcon color="red" variant="subtle" onClick={() => form.removeListItem('schedule', i)} aria-label={t('dialer.schedule.remove')}>
                <IconMinus size={16} />
              </ActionIcon>
            </Tooltip>
          </Group>
        ))}
        {form.errors.schedule ? (
          <Text size="xs" c="red">
            {form.errors.schedule}
          </Text>
        ) : null}
        <Group gap="xs">
          <Button variant="light" size="xs" leftSection={<IconPlus size={14} />} onClick={addRow} data-testid="dialer-schedule-add">
            {t('dialer.schedule.add')}
          </Button>
        </Group>

        <Divider label={t('dialer.section.invite')} labelPosition="left" mt="xs" />
        <Switch label={t('dialer.invite.on')} description={t('dialer.invite.onHint')} data-testid="dialer-invite-on" {...form.getInputProps('inviteOn', { type: 'checkbox' })} />
        {form.values.inviteOn ? (
          <SimpleGrid cols={2} spacing="sm" data-testid="dialer-invite">
            <TextInput label={t('dialer.invite.summary')} required data-testid="dialer-invite-summary" {...form.getInputProps('invite.summary')} />
            <TextInput label={t('dialer.invite.location')} {...form.getInputProps('invite.location')} />
            <TextInput label={t('dialer.invite.organizerEmail')} required data-testid="dialer-invite-organizer" {...form.getInputProps('invite.organizerEmail')} />
            <TextInput label={t('dialer.invite.organizerName')} {...form.getInputProps('invite.organizerName')} />
            <TextInput label={t('dialer.invite.start')} description={t('dialer.invite.timeHint')} placeholder="2026-03-01T10:00:00+01:00" required styles={MONO_INPUT} data-testid="dialer-invite-start" {...form.getInputProps('invite.start')} />
            <TextInput label={t('dialer.invite.end')} description={t('dialer.invite.timeHint')} placeholder="${ends}" required styles={MONO_INPUT} data-testid="dialer-invite-end" {...form.getInputProps('invite.end')} />
            <Textarea label={t('dialer.invite.description')} autosize minRows={2} maxRows={5} style={{ gridColumn: '1 / -1' }} {...form.getInputProps('invite.description')} />
          </SimpleGrid>
        ) : null}
        {variables.length > 0 ? (
          <Text size="xs" c="dimmed" data-testid="dialer-required-variables">
            {t('dialer.requiredVariables', { names: variables.join(', ') })}
          </Text>
        ) : null}
        <Group justify="flex-end" gap="xs" mt="sm">
          <Button variant="default" onClick={onDone}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" loading={save.isPending} data-testid="dialer-save">
            {dialer ? t('common.save') : t('common.create')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
