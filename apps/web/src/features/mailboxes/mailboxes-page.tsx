import { ActionIcon, Alert, Anchor, Badge, Group, Paper, Stack, Table, Text, Tooltip } from '@mantine/core';
import { IconAlertTriangle, IconRefresh } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type { Mailbox } from '@postdesk/contracts';
import { can } from '../../app/policy.ts';
import { describeError } from '../../components/describe-error.ts';
import { EmptyRow } from '../../components/empty-row.tsx';
import { FilterInput, matchesFilter } from '../../components/filter-input.tsx';
import { LiveIndicator } from '../../components/live-indicator.tsx';
import { notifyError, notifySuccess } from '../../components/notify.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { QueryState } from '../../components/query-state.tsx';
import { RelativeTime } from '../../components/relative-time.tsx';
import { TruncatedText } from '../../components/truncated-text.tsx';
import { useCurrentUser } from '../auth/session.ts';
import { MAILBOXES_REFRESH_MS, useMailboxes, useRetryMailbox } from './mailboxes-api.ts';
import { MailboxStateBadge } from './mailbox-state-badge.tsx';

/** States an admin may cut short with "retry now". */
const RETRYABLE = new Set<Mailbox['state']>(['backoff', 'needs_attention']);

/** One row per receiving campaign: is its mailbox being read, what failed, what waits. Polled live. */
export function MailboxesPage() {
  const { t, i18n } = useTranslation();
  const user = useCurrentUser();
  const manage = can(user.role, 'mailboxes.manage');
  const mailboxes = useMailboxes();
  const [filter, setFilter] = useState('');

  const all = mailboxes.data ?? [];
  const rows = all.filter((mailbox) => matchesFilter(filter, mailbox.campaignName, mailbox.campaignKey, mailbox.folder));
  const number = new Intl.NumberFormat(i18n.language);
  // A failed poll keeps the last answer on screen and says so, instead of blanking the table every 3 s.
  const staleError = mailboxes.data && mailboxes.error ? describeError(t, mailboxes.error) : null;

  return (
    <>
      <PageHeader
        title={t('mailboxes.title')}
        description={t('mailboxes.description')}
        actions={
          <LiveIndicator
            testId="mailboxes-live"
            paused={staleError !== null}
            label={staleError !== null ? t('mailboxes.livePaused') : t('mailboxes.live', { seconds: MAILBOXES_REFRESH_MS / 1000 })}
          />
        }
      />
      <QueryState
        isPending={mailboxes.isPending}
        error={mailboxes.data ? null : mailboxes.error}
        onRetry={() => void mailboxes.refetch()}
      >
        {staleError ? (
          <Alert
            color="yellow"
            variant="light"
            icon={<IconAlertTriangle size={16} />}
            title={t('mailboxes.stale')}
            mb="sm"
            py={8}
            data-testid="mailboxes-stale"
          >
            {staleError.title}: {staleError.message}
          </Alert>
        ) : null}
        {all.length > 0 ? <Summary mailboxes={all} number={number} /> : null}
        <Group justify="space-between" mb="sm">
          <FilterInput value={filter} onChange={setFilter} placeholder={t('mailboxes.filter')} />
          <Text size="xs" c="dimmed">
            {t('mailboxes.count', { count: rows.length })}
          </Text>
        </Group>
        <Paper withBorder radius="sm">
          {/* Fixed layout: long server errors and folder names are cut, never widen the table. */}
          <Table className="pd-table pd-table-fixed" layout="fixed" data-testid="mailboxes-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={176}>{t('mailboxes.columns.campaign')}</Table.Th>
                <Table.Th w={110}>{t('mailboxes.columns.mailbox')}</Table.Th>
                <Table.Th w={196}>{t('mailboxes.columns.state')}</Table.Th>
                <Table.Th w={150}>{t('mailboxes.columns.lastSync')}</Table.Th>
                <Table.Th>{t('mailboxes.columns.lastError')}</Table.Th>
                <Table.Th w={104} ta="right">
                  {t('mailboxes.columns.waiting')}
                </Table.Th>
                <Table.Th w={128} ta="right">
                  {t('mailboxes.columns.quarantined')}
                </Table.Th>
                {manage ? <Table.Th w={56} aria-label={t('common.actions')} /> : null}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.length === 0 ? (
                <EmptyRow
                  colSpan={manage ? 8 : 7}
                  filtered={Boolean(filter)}
                  text={filter ? undefined : t('mailboxes.empty')}
                />
              ) : (
                rows.map((mailbox) => (
                  <MailboxRow key={mailbox.campaignId} mailbox={mailbox} manage={manage} number={number} />
                ))
              )}
            </Table.Tbody>
          </Table>
        </Paper>
      </QueryState>
    </>
  );
}

function Summary({ mailboxes, number }: { mailboxes: readonly Mailbox[]; number: Intl.NumberFormat }) {
  const { t } = useTranslation();
  const count = (predicate: (mailbox: Mailbox) => boolean) => mailboxes.filter(predicate).length;
  const sum = (pick: (mailbox: Mailbox) => number) => mailboxes.reduce((total, mailbox) => total + pick(mailbox), 0);
  const connected = count((m) => m.state === 'connected');
  const retrying = count((m) => m.state === 'backoff');
  const attention = count((m) => m.state === 'needs_attention');
  const quarantined = sum((m) => m.quarantined);
  return (
    <Group gap="xs" mb="md" data-testid="mailboxes-summary">
      <Stat
        label={t('mailboxes.summary.connected')}
        testId="mailboxes-summary-connected"
        value={
          <>
            {number.format(connected)}
            <Text span c="dimmed" fw={400} size="sm">
              {' / '}
              {number.format(mailboxes.length)}
            </Text>
          </>
        }
        color={connected > 0 ? 'teal' : undefined}
      />
      <Stat
        label={t('mailboxes.summary.retrying')}
        testId="mailboxes-summary-retrying"
        value={number.format(retrying)}
        color={retrying > 0 ? 'yellow.8' : undefined}
      />
      <Stat
        label={t('mailboxes.summary.needsAttention')}
        testId="mailboxes-summary-attention"
        value={number.format(attention)}
        color={attention > 0 ? 'red' : undefined}
      />
      <Stat
        label={t('mailboxes.summary.waiting')}
        testId="mailboxes-summary-waiting"
        value={number.format(sum((m) => m.waiting))}
      />
      <Stat
        label={t('mailboxes.summary.quarantined')}
        testId="mailboxes-summary-quarantined"
        value={
          quarantined > 0 ? (
            <Anchor component={Link} to="/quarantine" inherit c="orange.8">
              {number.format(quarantined)}
            </Anchor>
          ) : (
            number.format(0)
          )
        }
      />
    </Group>
  );
}

function Stat({ label, value, color, testId }: { label: string; value: ReactNode; color?: string; testId: string }) {
  return (
    <Paper withBorder radius="sm" px="sm" py={6} miw={132} data-testid={testId}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600} lts={0.3}>
        {label}
      </Text>
      <Text size="lg" fw={600} lh={1.3} c={color}>
        {value}
      </Text>
    </Paper>
  );
}

function MailboxRow({ mailbox, manage, number }: { mailbox: Mailbox; manage: boolean; number: Intl.NumberFormat }) {
  const { t } = useTranslation();
  const retry = useRetryMailbox();
  const key = mailbox.campaignKey;

  const runRetry = () =>
    retry.mutate(mailbox.campaignId, {
      onSuccess: () => notifySuccess(t('mailboxes.retryStarted', { name: mailbox.campaignName })),
      onError: (error) => notifyError(t, error),
    });

  return (
    <Table.Tr data-testid={`mailbox-row-${key}`} data-campaign-id={mailbox.campaignId} data-state={mailbox.state}>
      <Table.Td>
        <TruncatedText text={mailbox.campaignName} fw={500} />
        <Text size="xs" c="dimmed" ff="monospace" fw={600} data-testid={`mailbox-key-${key}`}>
          {key}
        </Text>
      </Table.Td>
      <Table.Td>
        <Badge variant="default" size="sm" data-testid={`mailbox-protocol-${key}`}>
          {t(`protocols.${mailbox.protocol}`)}
        </Badge>
        {mailbox.folder ? <TruncatedText text={mailbox.folder} size="xs" c="dimmed" ff="monospace" /> : null}
      </Table.Td>
      <Table.Td>
        <MailboxStateBadge mailbox={mailbox} />
        {mailbox.oauth?.state === 'sign_in_needed' ? (
          // the grant is gone: only an admin signing in again on the campaign's mail account helps (retrying cannot)
          <Anchor component={Link} to={`/campaigns/${encodeURIComponent(mailbox.campaignId)}?tab=mail`} size="xs" c="red.8" fw={600} display="block" data-testid={`mailbox-sign-in-again-${key}`}>
            {t('oauth.signInAgainFor', { email: mailbox.oauth.email })}
          </Anchor>
        ) : null}
      </Table.Td>
      <Table.Td data-testid={`mailbox-last-sync-${key}`}>
        <Stack gap={0}>
          {mailbox.lastSyncAt ? (
            <Text size="sm" truncate="end">
              <RelativeTime iso={mailbox.lastSyncAt} />
            </Text>
          ) : (
            <Text size="sm" c="dimmed">
              {t('common.never')}
            </Text>
          )}
          <Text size="xs" c="dimmed">
            {t('mailboxes.ingested', { count: mailbox.ingested, formatted: number.format(mailbox.ingested) })}
          </Text>
        </Stack>
      </Table.Td>
      <Table.Td data-testid={`mailbox-last-error-${key}`}>
        {mailbox.lastError ? (
          <Stack gap={0}>
            <TruncatedText
              text={mailbox.lastError}
              c={mailbox.state === 'needs_attention' || mailbox.state === 'backoff' ? 'red.8' : undefined}
            />
            {mailbox.lastErrorAt ? (
              <Text size="xs" c="dimmed" truncate="end">
                <RelativeTime iso={mailbox.lastErrorAt} />
              </Text>
            ) : null}
          </Stack>
        ) : (
          <Text size="sm" c="dimmed">
            —
          </Text>
        )}
      </Table.Td>
      <Table.Td ta="right" data-testid={`mailbox-waiting-${key}`}>
        <Tooltip label={t('mailboxes.waitingHint')}>
          <Text span size="sm" fw={mailbox.waiting > 0 ? 600 : 400} c={mailbox.waiting > 0 ? undefined : 'dimmed'}>
            {number.format(mailbox.waiting)}
          </Text>
        </Tooltip>
      </Table.Td>
      <Table.Td ta="right">
        {mailbox.quarantined > 0 ? (
          <Tooltip label={t('mailboxes.quarantinedLink', { name: mailbox.campaignName })}>
            <Anchor
              component={Link}
              to={`/quarantine?campaignId=${encodeURIComponent(mailbox.campaignId)}`}
              size="sm"
              fw={600}
              c="orange.8"
              data-testid={`mailbox-quarantined-${key}`}
            >
              {number.format(mailbox.quarantined)}
            </Anchor>
          </Tooltip>
        ) : (
          <Text span size="sm" c="dimmed" data-testid={`mailbox-quarantined-${key}`}>
            {number.format(0)}
          </Text>
        )}
      </Table.Td>
      {manage ? (
        <Table.Td>
          <Group justify="flex-end" wrap="nowrap">
            {RETRYABLE.has(mailbox.state) ? (
              <Tooltip label={t('mailboxes.retry')}>
                <ActionIcon
                  variant="light"
                  color={mailbox.state === 'needs_attention' ? 'red' : 'yellow'}
                  onClick={runRetry}
                  loading={retry.isPending}
                  aria-label={t('mailboxes.retry')}
                  data-testid={`mailbox-retry-${key}`}
                  data-busy={retry.isPending ? 'true' : 'false'}
                >
                  <IconRefresh size={16} stroke={1.7} />
                </ActionIcon>
              </Tooltip>
            ) : null}
          </Group>
        </Table.Td>
      ) : null}
    </Table.Tr>
  );
}
