import { ActionIcon, Alert, Badge, Box, Button, Group, List, Stack, Tabs, Text, Title, Tooltip } from '@mantine/core';
import { modals } from '@mantine/modals';
import {
  IconAdjustmentsHorizontal,
  IconAlertTriangle,
  IconArrowLeft,
  IconCalendarTime,
  IconDeviceFloppy,
  IconGauge,
  IconMail,
  IconMessages,
  IconPlugConnectedX,
  IconSettings,
} from '@tabler/icons-react';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useBlocker, useNavigate, useParams } from 'react-router-dom';
import { type ApiErrorDetail, isApiError } from '../../app/api.ts';
import type { Campaign, Connection } from '@postdesk/contracts';
import { splitFieldErrors } from '../../components/form-errors.ts';
import { submitOnModEnter } from '../../components/keyboard.ts';
import { notifyError, notifyFailure, notifySuccess } from '../../components/notify.ts';
import { QueryState } from '../../components/query-state.tsx';
import { useTemplates } from '../templates/templates-api.ts';
import { CampaignFormProvider, useCampaignForm } from './campaign-form-context.ts';
import {
  type CampaignFormValues,
  type CampaignTab,
  campaignToValues,
  emptyCampaignValues,
  hasFormField,
  isClockTime,
  KEY_MAX_LENGTH,
  tabOfPath,
  toInteger,
  valuesToInput,
  WAIT_LIMITS,
} from './campaign-form-values.ts';
import { useCampaign, usePresets, useSaveCampaign, useVerifyDraft } from './campaigns-api.ts';
import { ConnectionBadges, withoutProtocolPrefix } from './connection-badges.tsx';
import { GeneralSection } from './general-section.tsx';
import { MailAccountSection } from './mail-account-section.tsx';
import { MessagesSection } from './messages-section.tsx';
import { QueueSection } from './queue-section.tsx';
import { ScheduleSection } from './schedule-section.tsx';
import { ThresholdsSection } from './thresholds-section.tsx';

const TABS: readonly { id: CampaignTab; icon: ReactNode }[] = [
  { id: 'general', icon: <IconSettings size={15} /> },
  { id: 'mail', icon: <IconMail size={15} /> },
  { id: 'queue', icon: <IconAdjustmentsHorizontal size={15} /> },
  { id: 'schedule', icon: <IconCalendarTime size={15} /> },
  { id: 'thresholds', icon: <IconGauge size={15} /> },
  { id: 'messages', icon: <IconMessages size={15} /> },
];

/** `/campaigns/new` and `/campaigns/:id`: the whole campaign on one page, in tabs. */
export function CampaignFormPage() {
  const { id } = useParams();
  const campaign = useCampaign(id);
  if (id === undefined) return <CampaignForm campaign={null} />;
  return (
    <QueryState isPending={campaign.isPending} error={campaign.error} onRetry={() => void campaign.refetch()}>
      {campaign.data ? <CampaignForm key={campaign.data.id} campaign={campaign.data} /> : null}
    </QueryState>
  );
}

function inRange(value: CampaignFormValues['inbound']['port'], min: number, max: number): boolean {
  const number = toInteger(value);
  return Number.isInteger(number) && number >= min && number <= max;
}

function CampaignForm({ campaign }: { campaign: Campaign | null }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const presets = usePresets();
  const templates = useTemplates();
  const save = useSaveCampaign();
  const verifyDraft = useVerifyDraft();
  // the mailboxes screen's "sign in again" link opens the mail account directly
  const [tab, setTab] = useState<CampaignTab>(() => (new URLSearchParams(window.location.search).get('tab') === 'mail' ? 'mail' : 'general'));
  const [connectionErrors, setConnectionErrors] = useState<ApiErrorDetail[] | null>(null);
  const [otherErrors, setOtherErrors] = useState<ApiErrorDetail[]>([]);
  const [testResults, setTestResults] = useState<Connection[] | null>(null);
  const leaving = useRef(false);

  const required = (value: string) => (value.trim() ? null : t('validation.required'));
  const seconds = (min: number, max: number) => (value: CampaignFormValues['inbound']['port']) =>
    inRange(value, min, max) ? null : t('validation.range', { min, max });

  const form = useCampaignForm({
    mode: 'controlled',
    initialValues: campaign ? campaignToValues(campaign) : emptyCampaignValues(),
    validate: {
      name: required,
      key: (value) =>
        !value.trim()
          ? t('validation.required')
          : value.trim().length > KEY_MAX_LENGTH
            ? t('validation.maxLength', { max: KEY_MAX_LENGTH })
            : /^[A-Za-z0-9]+$/.test(value.trim())
              ? null
              : t('validation.lettersDigits'),
      fromAddress: (value) =>
        !value.trim() ? t('validation.required') : /^[^\s@]+@[^\s@]+$/.test(value.trim()) ? null : t('validation.email'),
      inbound: {
        host: (value, values) => (values.receiveEmails ? required(value) : null),
        username: (value, values) => (values.receiveEmails ? required(value) : null),
        // Write-only: required only while no password is stored yet, and never when the mailbox signs in with OAuth2.
        password: (value, values) => (values.receiveEmails && !values.oauthAccountId && !campaign?.inbound?.hasPassword ? required(value) : null),
        port: seconds(1, 65535),
        connectionTimeoutSec: seconds(1, 3600),
        authTimeoutSec: seconds(1, 3600),
      },
      smtp: {
        host: required,
        port: seconds(1, 65535),
        username: (value, values) => (values.smtp.auth ? required(value) : null),
        password: (value, values) => (values.smtp.auth && !values.oauthAccountId && !campaign?.smtp?.hasPassword ? required(value) : null),
      },
      queue: {
        serviceLevelSec: seconds(1, WAIT_LIMITS.max),
        maxInteractionsPerAgent: seconds(1, 1000),
        waitAssignedAgentSec: seconds(WAIT_LIMITS.min, WAIT_LIMITS.max),
        waitAssignedQueueSec: seconds(WAIT_LIMITS.min, WAIT_LIMITS.max),
        transferToAgentTimeoutSec: (value, values) =>
          values.queue.transferToAgent ? seconds(1, WAIT_LIMITS.max)(value) : null,
        transferToQueueTimeoutSec: (value, values) =>
          values.queue.transferToQueue ? seconds(1, WAIT_LIMITS.max)(value) : null,
        moveToFolder: (value, values) => (values.queue.fetchedMailAction === 'move' ? required(value) : null),
      },
      schedule: {
        start: (value) => (isClockTime(value) ? null : t('validation.time')),
        end: (value, values, path) => {
          if (!isClockTime(value)) return t('validation.time');
          const index = Number(path.split('.')[1]);
          const row = values.schedule[index];
          return row && isClockTime(row.start) && row.start >= value ? t('validation.endAfterStart') : null;
        },
      },
      thresholds: {
        serviceLevelSec: seconds(0, WAIT_LIMITS.max),
        dropoutSec: seconds(0, WAIT_LIMITS.max),
        chatTimeSec: seconds(0, WAIT_LIMITS.max),
        acdSec: seconds(0, WAIT_LIMITS.max),
      },
      confirmation: {
        templateId: (value, values) => (values.confirmation.enabled && !value ? t('validation.required') : null),
      },
      qualification: {
        motivationTitle: (value, values) => (values.qualification.enabled ? required(value) : null),
      },
    },
  });

  const blocker = useBlocker(
    ({ currentLocation, nextLocation }) =>
      !leaving.current && form.isDirty() && currentLocation.pathname !== nextLocation.pathname,
  );
  const prompted = useRef(false);
  useEffect(() => {
    if (blocker.state !== 'blocked') {
      prompted.current = false;
      return;
    }
    if (prompted.current) return;
    prompted.current = true;
    modals.openConfirmModal({
      title: t('campaign.unsavedTitle'),
      children: t('campaign.unsavedText'),
      labels: { confirm: t('campaign.discard'), cancel: t('campaign.keepEditing') },
      confirmProps: { color: 'red', 'data-testid': 'discard-changes' },
      cancelProps: { variant: 'default' },
      onConfirm: () => blocker.proceed?.(),
      onCancel: () => blocker.reset?.(),
    });
  }, [blocker, t]);

  const errorTabs = new Map<CampaignTab, number>();
  for (const [path, message] of Object.entries(form.errors)) {
    if (message === null || message === undefined) continue;
    const where = tabOfPath(path);
    errorTabs.set(where, (errorTabs.get(where) ?? 0) + 1);
  }

  const jumpToFirstError = (paths: readonly string[]) => {
    const first = TABS.find((candidate) => paths.some((path) => tabOfPath(path) === candidate.id));
    if (first) setTab(first.id);
  };

  const handleSaveError = (error: unknown) => {
    if (isApiError(error, 'connection_failed')) {
      setConnectionErrors([...error.details]);
      setTab('mail');
      return;
    }
    if (isApiError(error, 'validation_failed')) {
      const details = error.details.map((detail) => ({
        ...detail,
        path: /^schedule\.\d+$/.test(detail.path) ? `${detail.path}.end` : detail.path,
      }));
      const split = splitFieldErrors(details, (path) => hasFormField(form.values, path));
      form.setErrors(split.fieldErrors);
      setOtherErrors(split.otherErrors);
      jumpToFirstError(Object.keys(split.fieldErrors));
      notifyFailure(t('errors.validation_failed'), t('campaign.fixFields'));
      return;
    }
    if (isApiError(error, 'conflict')) {
      form.setFieldError('key', error.message);
      setTab('general');
    }
    notifyError(t, error);
  };

  const submit = form.onSubmit(
    (values) => {
      setConnectionErrors(null);
      setOtherErrors([]);
      save.mutate(
        { id: campaign?.id ?? null, input: valuesToInput(values) },
        {
          onSuccess: (saved) => {
            notifySuccess(t(campaign ? 'campaign.saved' : 'campaign.created', { name: saved.name }));
            const next = campaignToValues(saved);
            form.setInitialValues(next);
            form.setValues(next);
            form.resetDirty(next);
            setTestResults(null);
            if (!campaign) {
              leaving.current = true;
              void navigate('/campaigns');
            }
          },
          onError: handleSaveError,
        },
      );
    },
    (errors) => jumpToFirstError(Object.keys(errors)),
  );

  const testConnection = () => {
    const paths = [
      'inbound.host',
      'inbound.port',
      'inbound.username',
      'inbound.password',
      'inbound.connectionTimeoutSec',
      'inbound.authTimeoutSec',
      'smtp.host',
      'smtp.port',
      'smtp.username',
      'smtp.password',
    ];
    const invalid = paths.filter((path) => form.validateField(path).hasError);
    if (invalid.length > 0) return;
    setTestResults(null);
    verifyDraft.mutate(
      { id: campaign?.id ?? null, input: valuesToInput(form.getValues()) },
      {
        onSuccess: ({ connections }) => {
          setTestResults(connections);
          if (connections.every((connection) => connection.ok)) setConnectionErrors(null);
        },
        onError: (error) => {
          if (isApiError(error, 'connection_failed') && error.details.length > 0) {
            setTestResults(
              error.details.map((detail) => ({
                protocol: detail.path === 'pop3' ? 'pop3' : detail.path === 'smtp' ? 'smtp' : 'imap',
                ok: false,
                code: null,
                message: detail.message,
                checkedAt: new Date().toISOString(),
              })),
            );
            return;
          }
          if (isApiError(error, 'validation_failed')) {
            const split = splitFieldErrors(error.details, (path) => hasFormField(form.values, path));
            form.setErrors(split.fieldErrors);
          }
          notifyError(t, error);
        },
      },
    );
  };

  const title = campaign ? campaign.name : t('campaign.newTitle');

  return (
    <CampaignFormProvider form={form}>
      <form onSubmit={submit} onKeyDown={submitOnModEnter} noValidate data-testid="campaign-form">
        <Box className="pd-sticky-bar" mx="calc(var(--mantine-spacing-lg) * -1)" px="lg" pt="xs" pb="sm" mt="calc(var(--mantine-spacing-lg) * -1)">
          <Group justify="space-between" wrap="nowrap" pt="sm">
            <Group gap="sm" wrap="nowrap" miw={0}>
              <Tooltip label={t('campaign.backToList')}>
                <ActionIcon component={Link} to="/campaigns" size="lg" aria-label={t('campaign.backToList')}>
                  <IconArrowLeft size={18} />
                </ActionIcon>
              </Tooltip>
              <Stack gap={0} miw={0}>
                <Group gap="xs" wrap="nowrap">
                  <Title order={3} fw={600} lineClamp={1} data-testid="campaign-form-title">
                    {title}
                  </Title>
                  {campaign ? (
                    <Badge variant="default" ff="monospace">
                      {campaign.key}
                    </Badge>
                  ) : null}
                  {form.isDirty() ? (
                    <Badge color="yellow" variant="light" size="sm" data-testid="campaign-unsaved">
                      {t('campaign.unsaved')}
                    </Badge>
                  ) : null}
                </Group>
                <Text size="xs" c="dimmed">
                  {campaign ? t('campaign.editSubtitle') : t('campaign.newSubtitle')}
                </Text>
              </Stack>
            </Group>
            <Group gap="xs" wrap="nowrap">
              {campaign?.inbound ? (
                <ConnectionBadges protocols={[campaign.inbound.protocol, 'smtp']} connections={campaign.connections ?? []} />
              ) : null}
              <Button variant="default" component={Link} to="/campaigns">
                {t('common.cancel')}
              </Button>
              <Tooltip label={t('common.saveShortcut')} position="bottom">
                <Button
                  type="submit"
                  loading={save.isPending}
                  leftSection={<IconDeviceFloppy size={16} />}
                  data-testid="campaign-save"
                >
                  {campaign ? t('common.save') : t('campaign.createButton')}
                </Button>
              </Tooltip>
            </Group>
          </Group>
        </Box>

        {connectionErrors ? (
          <Alert
            color="red"
            variant="light"
            mb="md"
            icon={<IconPlugConnectedX size={20} />}
            title={t('campaign.connectionFailedTitle')}
            withCloseButton
            closeButtonLabel={t('common.close')}
            onClose={() => setConnectionErrors(null)}
            data-testid="connection-errors"
            role="alert"
          >
            <Text size="sm" mb={6}>
              {t('campaign.connectionFailedText')}
            </Text>
            <List size="sm" spacing={4}>
              {connectionErrors.map((detail) => (
                <List.Item key={`${detail.path}:${detail.message}`} data-testid={`connection-error-${detail.path}`}>
                  <Text span fw={600} size="sm">
                    {detail.path === 'imap' || detail.path === 'pop3' || detail.path === 'smtp'
                      ? t(`protocols.${detail.path}`)
                      : detail.path}
                    :
                  </Text>{' '}
                  {withoutProtocolPrefix(detail.message)}
                </List.Item>
              ))}
            </List>
          </Alert>
        ) : null}

        {otherErrors.length > 0 ? (
          <Alert color="red" variant="light" mb="md" icon={<IconAlertTriangle size={20} />} title={t('errors.validation_failed')} data-testid="form-errors">
            <List size="sm">
              {otherErrors.map((detail) => (
                <List.Item key={`${detail.path}:${detail.message}`}>
                  {detail.path ? `${detail.path}: ` : ''}
                  {detail.message}
                </List.Item>
              ))}
            </List>
          </Alert>
        ) : null}

        <Tabs
          value={tab}
          onChange={(value) => {
            const next = TABS.find((candidate) => candidate.id === value);
            if (next) setTab(next.id);
          }}
          variant="outline"
        >
          <Tabs.List mb="md">
            {TABS.map(({ id, icon }) => {
              const count = errorTabs.get(id) ?? 0;
              return (
                <Tabs.Tab
                  key={id}
                  value={id}
                  leftSection={icon}
                  rightSection={
                    count > 0 ? (
                      <Badge color="red" size="xs" circle variant="filled" data-testid={`campaign-tab-errors-${id}`}>
                        {count}
                      </Badge>
                    ) : null
                  }
                  data-testid={`campaign-tab-${id}`}
                >
                  {t(`campaign.tabs.${id}`)}
                </Tabs.Tab>
              );
            })}
          </Tabs.List>
          <Tabs.Panel value="general">
            <GeneralSection />
          </Tabs.Panel>
          <Tabs.Panel value="mail">
            <MailAccountSection
              presets={presets.data ?? []}
              inboundHasPassword={campaign?.inbound?.hasPassword ?? false}
              smtpHasPassword={campaign?.smtp?.hasPassword ?? false}
              onTest={testConnection}
              testing={verifyDraft.isPending}
              testResults={testResults}
              oauth={campaign?.oauth ?? null}
            />
          </Tabs.Panel>
          <Tabs.Panel value="queue">
            <QueueSection />
          </Tabs.Panel>
          <Tabs.Panel value="schedule">
            <ScheduleSection />
          </Tabs.Panel>
          <Tabs.Panel value="thresholds">
            <ThresholdsSection />
          </Tabs.Panel>
          <Tabs.Panel value="messages">
            <MessagesSection
              templates={(templates.data ?? []).filter(
                (template) => template.campaignId === null || template.campaignId === campaign?.id,
              )}
            />
          </Tabs.Panel>
        </Tabs>
      </form>
    </CampaignFormProvider>
  );
}
