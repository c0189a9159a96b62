import { Alert, Button, Group, Modal, NumberInput, Select, SimpleGrid, Stack, Switch, Textarea, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useTranslation } from 'react-i18next';
import type { Dialer, DialerInput } from '@postdesk/contracts';
import { isApiError, type ApiErrorDetail } from '../../app/api.ts';
import { splitFieldErrors } from '../../components/form-errors.ts';
import { submitOnModEnter } from '../../components/keyboard.ts';
import { notifyError, notifySuccess } from '../../components/notify.ts';
import { useCampaigns } from '../campaigns/campaigns-api.ts';
import { useTemplates } from '../templates/templates-api.ts';
import { useSaveDialer } from './dialer-api.ts';
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
  enabled: boolean;
}

const FIELDS = new Set(['name', 'campaignId', 'templateId', 'subject', 'maxPerSecond', 'intervalMs', 'defaultDomainPerMinute', 'domainLimits', 'enabled']);

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

/** Create or edit a dialer: its campaign (whose SMTP account sends), template, subject and pacing. */
export function DialerFormModal({ dialer, opened, onClose }: { dialer: Dialer | null; opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Modal opened={opened} onClose={onClose} title={dialer ? t('dialer.editTitle', { name: dialer.name }) : t('dialer.createTitle')} size="lg">
      {opened ? <DialerForm key={dialer?.id ?? 'new'} dialer={dialer} onDone={onClose} /> : null}
    </Modal>
  );
}

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
    },
  });
  const templates = useTemplates(form.values.campaignId);

  const submit = form.onSubmit((values) => {
    setOther([]);
    const input: DialerInput = {
      name: values.name.trim(),
      campaignId: values.campaignId!,
      templateId: values.templateId,
      subject: values.subject.trim(),
      maxPerSecond: values.maxPerSecond,
      intervalMs: values.intervalMs,
      defaultDomainPerMinute: values.defaultDomainPerMinute,
      domainLimits: parseDomainLimits(values.domainLimits).limits,
      enabled: values.enabled,
      // kept as they are: this form does not edit them yet
      schedule: dialer?.schedule ?? [],
      timezone: dialer?.timezone ?? 'UTC',
      invite: dialer?.invite ?? null,
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
            for (const [path, message] of Object.entries(fieldErrors)) mapped[path.split('.')[0]!] = message;
            form.setErrors(mapped);
            setOther(otherErrors);
            if (error.details.length > 0) return;
          }
          notifyError(t, error);
        },
      },
    );
  });

  return (
    <form onSubmit={submit} onKeyDown={submitOnModEnter} noValidate data-testid="dialer-form">
      <Stack gap="sm">
        {other.length > 0 ? (
          <Alert color="red" variant="light">
            {other.map((d) => `${d.path}: ${d.message}`).join('; ')}
          </Alert>
        ) : null}
        <TextInput label={t('dialer.name')} required data-autofocus data-testid="dialer-name" {...form.getInputProps('name')} />
        <SimpleGrid cols={2} spacing="sm">
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
            required
            searchable
            disabled={!form.values.campaignId}
            data={(templates.data ?? []).map((tp) => ({ value: tp.id, label: tp.name }))}
            data-testid="dialer-template"
            {...form.getInputProps('templateId')}
          />
        </SimpleGrid>
        <TextInput label={t('dialer.subject')} description={t('dialer.subjectHint')} required data-testid="dialer-subject" {...form.getInputProps('subject')} />
        <SimpleGrid cols={3} spacing="sm">
          <NumberInput label={t('dialer.maxPerSecond')} description={t('dialer.zeroNoLimit')} min={0} max={100000} allowDecimal={false} data-testid="dialer-max-per-second" {...form.getInputProps('maxPerSecond')} />
          <NumberInput label={t('dialer.intervalMs')} description={t('dialer.zeroNoLimit')} min={0} max={3600000} allowDecimal={false} data-testid="dialer-interval" {...form.getInputProps('intervalMs')} />
          <NumberInput label={t('dialer.defaultDomainPerMinute')} description={t('dialer.zeroNoLimit')} min={0} allowDecimal={false} data-testid="dialer-domain-default" {...form.getInputProps('defaultDomainPerMinute')} />
        </SimpleGrid>
        <Textarea label={t('dialer.domainLimits')} description={t('dialer.domainLimitsHint')} autosize minRows={2} placeholder="gmail.com 600" data-testid="dialer-domain-limits" {...form.getInputProps('domainLimits')} />
        <Switch label={t('dialer.enabled')} {...form.getInputProps('enabled', { type: 'checkbox' })} />
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
