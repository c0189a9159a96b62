import {
  Button,
  Group,
  NumberInput,
  PasswordInput,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  Textarea,
  TextInput,
  ThemeIcon,
} from '@mantine/core';
import { IconCheck, IconPlugConnected, IconX } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { type Connection, type InboundProtocol, type OAuthAccount, type Preset, securitySchema, serviceSchema } from '@postdesk/contracts';
import { OAuthSignIn } from '../oauth/oauth-sign-in.tsx';
import { FormSection } from '../../components/form-section.tsx';
import { SecondsInput } from '../../components/seconds-input.tsx';
import { useFieldProps } from './campaign-form-context.ts';
import { followPort, presetEndpoints } from './campaign-form-values.ts';
import { connectionErrorTitle, withoutProtocolPrefix } from './connection-badges.tsx';

/** What the mail tab needs from the page: presets, stored password flags and the connection test. */
export interface MailAccountSectionProps {
  presets: readonly Preset[];
  inboundHasPassword: boolean;
  smtpHasPassword: boolean;
  onTest: () => void;
  testing: boolean;
  testResults: readonly Connection[] | null;
  /** The OAuth2 account the stored campaign signs in with (its state: ok, or "sign in again"). */
  oauth: OAuthAccount | null;
}

/** Service preset, inbound (IMAP/POP3) and outbound (SMTP) connection settings, and the live test. */
export function MailAccountSection(props: MailAccountSectionProps) {
  const { t } = useTranslation();
  const { form, field, checkbox } = useFieldProps();
  const values = form.values;
  const preset = props.presets.find((candidate) => candidate.id === values.service) ?? null;
  const fromPreset = preset !== null;

  const securityOptions = securitySchema.options.map((value) => ({ value, label: t(`campaign.security.${value}`) }));

  const chooseService = (value: string | null) => {
    const service = serviceSchema.safeParse(value);
    if (!service.success) return;
    form.setFieldValue('service', service.data);
    const chosen = props.presets.find((candidate) => candidate.id === service.data);
    if (!chosen) return;
    const endpoints = presetEndpoints(chosen, values.inbound.protocol);
    form.setValues({
      inbound: { ...form.values.inbound, ...endpoints.inbound },
      smtp: { ...form.values.smtp, ...endpoints.smtp },
    });
  };

  const chooseProtocol = (value: string) => {
    const protocol: InboundProtocol = value === 'pop3' ? 'pop3' : 'imap';
    const current = form.values.inbound;
    if (protocol === current.protocol) return;
    // POP3 has no folders or flags: only "leave" and "delete" apply there.
    const action = form.values.queue.fetchedMailAction;
    if (protocol === 'pop3' && (action === 'mark_seen' || action === 'move')) {
      form.setFieldValue('queue.fetchedMailAction', 'leave');
    }
    if (preset) {
      form.setFieldValue('inbound', { ...current, protocol, ...presetEndpoints(preset, protocol).inbound });
      return;
    }
    form.setFieldValue('inbound', {
      ...current,
      protocol,
      port: followPort(current.port, current, { protocol, security: current.security }),
    });
  };

  const chooseSecurity = (target: 'inbound' | 'smtp', value: string | null) => {
    const security = securitySchema.safeParse(value);
    if (!security.success) return;
    if (target === 'inbound') {
      const current = form.values.inbound;
      form.setFieldValue('inbound', {
        ...current,
        security: security.data,
        port: followPort(current.port, current, { protocol: current.protocol, security: security.data }),
      });
    } else {
      const current = form.values.smtp;
      form.setFieldValue('smtp', {
        ...current,
        security: security.data,
        port: followPort(current.port, { protocol: 'smtp', security: current.security }, {
          protocol: 'smtp',
          security: security.data,
        }),
      });
    }
  };

  const passwordPlaceholder = (hasPassword: boolean) => (hasPassword ? t('campaign.mail.passwordUnchanged') : undefined);

  return (
    <Stack gap="md">
      <FormSection
        title={t('campaign.mail.account')}
        description={t('campaign.mail.accountHint')}
        aside={
          <Button
            variant="light"
            leftSection={<IconPlugConnected size={16} />}
            onClick={props.onTest}
            loading={props.testing}
            data-testid="test-connection-button"
          >
            {t('campaign.mail.testConnection')}
          </Button>
        }
      >
        <Group align="flex-end" gap="sm" wrap="wrap">
          <Select
            label={t('campaign.fields.service')}
            w={260}
            data={serviceSchema.options.map((value) => ({
              value,
              label: value === 'custom' ? t('campaign.mail.serviceCustom') : (props.presets.find((p) => p.id === value)?.label ?? t(`campaign.mail.services.${value}`)),
            }))}
            {...field('service')}
            onChange={chooseService}
          />
          {fromPreset ? (
            <Text size="xs" c="dimmed" pb={8}>
              {t('campaign.mail.presetHint', { service: preset.label })}
            </Text>
          ) : null}
        </Group>
        <OAuthSignIn stored={props.oauth} accountId={values.oauthAccountId} onChange={(id) => form.setFieldValue('oauthAccountId', id)} />
        {props.testResults ? <TestResults results={props.testResults} /> : null}
      </FormSection>

      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md">
        <FormSection
          title={t('campaign.mail.inbound')}
          description={t('campaign.mail.inboundHint')}
          aside={
            <SegmentedControl
              size="xs"
              value={values.inbound.protocol}
              onChange={chooseProtocol}
              data={[
                { value: 'imap', label: t('protocols.imap') },
                { value: 'pop3', label: t('protocols.pop3') },
              ]}
              aria-label={t('campaign.fields.inboundProtocol')}
              data-testid="campaign-field-inbound.protocol"
            />
          }
        >
          <Group gap="sm" align="flex-start" wrap="nowrap">
            <TextInput
              label={t('campaign.fields.host')}
              placeholder={values.inbound.protocol === 'imap' ? 'imap.example.com' : 'pop.example.com'}
              required
              flex={1}
              disabled={fromPreset}
              {...field('inbound.host')}
            />
            <PortInput label={t('campaign.fields.port')} disabled={fromPreset} path="inbound.port" />
          </Group>
          <Select
            label={t('campaign.fields.security')}
            data={securityOptions}
            disabled={fromPreset}
            {...field('inbound.security')}
            onChange={(value) => chooseSecurity('inbound', value)}
          />
          <SimpleGrid cols={2} spacing="sm">
            <TextInput
              label={t('campaign.fields.username')}
              autoComplete="off"
              {...field('inbound.username')}
            />
            <PasswordInput
              label={t('campaign.fields.password')}
              placeholder={passwordPlaceholder(props.inboundHasPassword)}
              description={props.inboundHasPassword ? t('campaign.mail.passwordKeepHint') : undefined}
              inputWrapperOrder={['label', 'input', 'description', 'error']}
              autoComplete="new-password"
              disabled={values.oauthAccountId !== null}
              {...field('inbound.password')}
            />
          </SimpleGrid>
          {values.inbound.protocol === 'imap' ? (
            <TextInput
              label={t('campaign.fields.mailbox')}
              description={t('campaign.fields.mailboxHint')}
              placeholder="INBOX"
              {...field('inbound.mailbox')}
            />
          ) : null}
          <SimpleGrid cols={2} spacing="sm">
            <SecondsInput
              label={t('campaign.fields.connectionTimeout')}
              min={1}
              max={300}
              {...field('inbound.connectionTimeoutSec')}
            />
            <SecondsInput label={t('campaign.fields.authTimeout')} min={1} max={300} {...field('inbound.authTimeoutSec')} />
          </SimpleGrid>
        </FormSection>

        <FormSection title={t('campaign.mail.outbound')} description={t('campaign.mail.outboundHint')}>
          <Group gap="sm" align="flex-start" wrap="nowrap">
            <TextInput
              label={t('campaign.fields.host')}
              placeholder="smtp.example.com"
              required
              flex={1}
              disabled={fromPreset}
              {...field('smtp.host')}
            />
            <PortInput label={t('campaign.fields.port')} disabled={fromPreset} path="smtp.port" />
          </Group>
          <Select
            label={t('campaign.fields.security')}
            data={securityOptions}
            disabled={fromPreset}
            {...field('smtp.security')}
            onChange={(value) => chooseSecurity('smtp', value)}
          />
          <Switch
            label={t('campaign.fields.smtpAuth')}
            description={t('campaign.fields.smtpAuthHint')}
            {...checkbox('smtp.auth')}
          />
          <SimpleGrid cols={2} spacing="sm">
            <TextInput
              label={t('campaign.fields.username')}
              autoComplete="off"
              disabled={!values.smtp.auth}
              {...field('smtp.username')}
            />
            <PasswordInput
              label={t('campaign.fields.password')}
              placeholder={passwordPlaceholder(props.smtpHasPassword)}
              description={props.smtpHasPassword ? t('campaign.mail.passwordKeepHint') : undefined}
              inputWrapperOrder={['label', 'input', 'description', 'error']}
              autoComplete="new-password"
              disabled={!values.smtp.auth || values.oauthAccountId !== null}
              {...field('smtp.password')}
            />
          </SimpleGrid>
          {values.smtp.auth && values.inbound.username && !values.smtp.username ? (
            <Button
              variant="subtle"
              size="compact-xs"
              w="fit-content"
              onClick={() => form.setFieldValue('smtp.username', values.inbound.username)}
              data-testid="smtp-copy-username"
            >
              {t('campaign.mail.copyInboundUsername')}
            </Button>
          ) : null}
        </FormSection>
      </SimpleGrid>
      <Textarea
        label={t('campaign.mail.privateCa')}
        description={t('campaign.mail.privateCaHint')}
        placeholder="-----BEGIN CERTIFICATE-----"
        autosize
        minRows={2}
        maxRows={8}
        styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)', fontSize: 12 } }}
        {...field('mailCaPem')}
      />
    </Stack>
  );
}

function PortInput({ label, disabled, path }: { label: string; disabled: boolean; path: 'inbound.port' | 'smtp.port' }) {
  const { field } = useFieldProps();
  return (
    <NumberInput
      label={label}
      w={104}
      min={1}
      max={65535}
      allowDecimal={false}
      allowNegative={false}
      thousandSeparator={false}
      required
      disabled={disabled}
      {...field(path)}
    />
  );
}

function TestResults({ results }: { results: readonly Connection[] }) {
  const { t } = useTranslation();
  return (
    <Stack
      gap={6}
      p="xs"
      data-testid="test-connection-results"
      style={{ border: '1px solid var(--mantine-color-default-border)', borderRadius: 'var(--mantine-radius-sm)' }}
    >
      {results.map((result) => (
        <Group
          key={result.protocol}
          gap="xs"
          wrap="nowrap"
          align="flex-start"
          data-testid={`test-connection-result-${result.protocol}`}
          data-state={result.ok ? 'ok' : 'failed'}
        >
          <ThemeIcon size={20} radius="xl" variant="light" color={result.ok ? 'teal' : 'red'}>
            {result.ok ? <IconCheck size={13} stroke={2.2} /> : <IconX size={13} stroke={2.2} />}
          </ThemeIcon>
          <Text size="sm" fw={600} w={48}>
            {t(`protocols.${result.protocol}`)}
          </Text>
          <Text size="sm" c={result.ok ? 'dimmed' : 'red'} style={{ flex: 1, wordBreak: 'break-word' }}>
            {result.ok ? t('campaign.mail.testOk') : <Text span fw={600} size="sm">{connectionErrorTitle(t, result.code)}</Text>}
            {!result.ok && result.message ? (
              <Text span size="xs" c="dimmed">
                {' '}
                {withoutProtocolPrefix(result.message)}
              </Text>
            ) : null}
          </Text>
        </Group>
      ))}
    </Stack>
  );
}
