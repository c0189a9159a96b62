import { ActionIcon, Alert, Badge, Button, Center, Group, Loader, Paper, Select, Table, Text, Tooltip } from '@mantine/core';
import { IconAlertTriangle, IconDownload, IconRotateClockwise } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import type { QuarantineItem, QuarantineState } from '@postdesk/contracts';
import { can } from '../../app/policy.ts';
import { describeError } from '../../components/describe-error.ts';
import { EmptyRow } from '../../components/empty-row.tsx';
import { formatBytes } from '../../components/format-bytes.ts';
import { notifyError, notifySuccess, notifyWarning } from '../../components/notify.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { QueryState } from '../../components/query-state.tsx';
import { RelativeTime } from '../../components/relative-time.tsx';
import { TruncatedText } from '../../components/truncated-text.tsx';
import { useCurrentUser } from '../auth/session.ts';
import { useCampaigns } from '../campaigns/campaigns-api.ts';
import { rawMessageUrl, useQuarantine, useReprocessQuarantined } from './quarantine-api.ts';

const ALL = '__all__';

const STATE_COLORS: Record<QuarantineState, string> = { quarantined: 'gray', released: 'teal' };

/**
 * Messages the importer set aside, newest first. Sender and subject are whatever the message
 * claimed: they are shown as plain text only, and the raw message is offered as a download.
 */
export function QuarantinePage() {
  const { t } = useTranslation();
  const user = useCurrentUser();
  const manage = can(user.role, 'quarantine.manage');
  const campaigns = useCampaigns();
  const [params, setParams] = useSearchParams();
  const campaignId = params.get('campaignId') || null;
  const quarantine = useQuarantine(campaignId);

  const rows = quarantine.data?.pages.flat() ?? [];
  const campaignOptions = (campaigns.data ?? []).map((campaign) => ({
    value: campaign.id,
    label: `${campaign.name} (${campaign.key})`,
  }));
  // A link may name a campaign the list does not (yet) hold: keep it selectable rather than blank.
  if (campaignId && !campaignOptions.some((option) => option.value === campaignId)) {
    campaignOptions.push({ value: campaignId, label: rows[0]?.campaignName ?? campaignId });
  }
  const pageError = quarantine.data && quarantine.error ? describeError(t, quarantine.error) : null;
  const colSpan = 7;

  return (
    <>
      <PageHeader
        title={t('quarantine.title')}
        description={manage ? t('quarantine.description') : t('quarantine.descriptionReadOnly')}
      />
      <Group justify="space-between" mb="sm">
        <Select
          w={300}
          value={campaignId ?? ALL}
          onChange={(value) =>
            setParams(value && value !== ALL ? { campaignId: value } : {}, { replace: true })
          }
          data={[{ value: ALL, label: t('quarantine.allCampaigns') }, ...campaignOptions]}
          aria-label={t('quarantine.campaignFilter')}
          searchable
          data-testid="quarantine-campaign-filter"
        />
        <Group gap="xs">
          {quarantine.isFetching && !quarantine.isPending ? <Loader size={12} type="dots" /> : null}
          <Text size="xs" c="dimmed" data-testid="quarantine-count">
            {t('quarantine.shown', { count: rows.length })}
          </Text>
        </Group>
      </Group>
      <QueryState
        isPending={quarantine.isPending}
        error={quarantine.data ? null : quarantine.error}
        onRetry={() => void quarantine.refetch()}
      >
        <Paper withBorder radius="sm">
          {/* Fixed layout: hostile subjects and senders of any length are cut, never widen the table. */}
          <Table className="pd-table pd-table-fixed" layout="fixed" data-testid="quarantine-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={144}>{t('quarantine.columns.received')}</Table.Th>
                <Table.Th w={168}>{t('quarantine.columns.campaign')}</Table.Th>
                <Table.Th>{t('quarantine.columns.message')}</Table.Th>
                <Table.Th w={76} ta="right">
                  {t('quarantine.columns.size')}
                </Table.Th>
                <Table.Th w="21%">{t('quarantine.columns.reason')}</Table.Th>
                <Table.Th w={128}>{t('quarantine.columns.state')}</Table.Th>
                <Table.Th w={manage ? 80 : 52} aria-label={t('common.actions')} />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.length === 0 ? (
                <EmptyRow colSpan={colSpan} text={campaignId ? t('quarantine.emptyCampaign') : t('quarantine.empty')} />
              ) : (
                rows.map((item) => <QuarantineRow key={item.id} item={item} manage={manage} />)
              )}
            </Table.Tbody>
          </Table>
        </Paper>
        {pageError ? (
          <Alert
            color="red"
            variant="light"
            icon={<IconAlertTriangle size={16} />}
            title={pageError.title}
            mt="sm"
            py={8}
          >
            {pageError.message}
          </Alert>
        ) : null}
        {rows.length > 0 ? (
          <Center mt="sm">
            {quarantine.hasNextPage ? (
              <Button
                variant="default"
                size="xs"
                onClick={() => void quarantine.fetchNextPage()}
                loading={quarantine.isFetchingNextPage}
                data-testid="quarantine-load-more"
              >
                {t('quarantine.loadMore')}
              </Button>
            ) : (
              <Text size="xs" c="dimmed" data-testid="quarantine-end">
                {t('quarantine.end')}
              </Text>
            )}
          </Center>
        ) : null}
      </QueryState>
    </>
  );
}

function QuarantineRow({ item, manage }: { item: QuarantineItem; manage: boolean }) {
  const { t, i18n } = useTranslation();
  const reprocess = useReprocessQuarantined();
  const released = item.state === 'released';

  const runReprocess = () =>
    reprocess.mutate(item.id, {
      onSuccess: ({ outcome, reason }) => {
        if (outcome === 'ingested') notifySuccess(t('quarantine.reprocessed'));
        else notifyWarning(t('quarantine.stillQuarantined'), reason ?? t('quarantine.stillQuarantinedNoReason'));
      },
      onError: (error) => notifyError(t, error),
    });

  return (
    <Table.Tr data-testid={`quarantine-row-${item.id}`} data-state={item.state}>
      <Table.Td>
        <Text size="sm" truncate="end">
          <RelativeTime iso={item.createdAt} />
        </Text>
      </Table.Td>
      <Table.Td>
        <TruncatedText text={item.campaignName} />
      </Table.Td>
      <Table.Td>
        {item.subject ? (
          <TruncatedText text={item.subject} fw={500} testId="quarantine-subject" />
        ) : (
          <Text size="sm" c="dimmed" fs="italic" data-testid="quarantine-subject">
            {t('quarantine.noSubject')}
          </Text>
        )}
        {item.from ? (
          <TruncatedText text={item.from} size="xs" c="dimmed" testId="quarantine-from" />
        ) : (
          <Text size="xs" c="dimmed" fs="italic" data-testid="quarantine-from">
            {t('quarantine.noSender')}
          </Text>
        )}
      </Table.Td>
      <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
        <Text span size="sm" c="dimmed">
          {formatBytes(item.size, i18n.language)}
        </Text>
      </Table.Td>
      <Table.Td>
        <Badge
          color="orange"
          variant="outline"
          size="sm"
          maw="100%"
          data-testid={`quarantine-reason-${item.id}`}
          data-code={item.reasonCode}
        >
          {t(`quarantine.reasons.${item.reasonCode}`, { defaultValue: item.reasonCode })}
        </Badge>
        <TruncatedText text={item.reason} size="xs" c="dimmed" />
      </Table.Td>
      <Table.Td>
        <Badge color={STATE_COLORS[item.state]} size="sm" data-testid={`quarantine-state-${item.id}`}>
          {t(`quarantine.states.${item.state}`)}
        </Badge>
      </Table.Td>
      <Table.Td>
        <Group gap={2} wrap="nowrap" justify="flex-end">
          <Tooltip label={t('quarantine.download')}>
            <ActionIcon
              component="a"
              href={rawMessageUrl(item.id)}
              download
              aria-label={t('quarantine.download')}
              data-testid={`quarantine-download-${item.id}`}
            >
              <IconDownload size={16} stroke={1.6} />
            </ActionIcon>
          </Tooltip>
          {manage ? (
            <Tooltip label={released ? t('quarantine.alreadyReleased') : t('quarantine.reprocess')}>
              <ActionIcon
                onClick={runReprocess}
                disabled={released || reprocess.isPending}
                aria-label={t('quarantine.reprocess')}
                data-testid={`quarantine-reprocess-${item.id}`}
                data-busy={reprocess.isPending ? 'true' : 'false'}
              >
                {reprocess.isPending ? <Loader size={14} /> : <IconRotateClockwise size={16} stroke={1.6} />}
              </ActionIcon>
            </Tooltip>
          ) : null}
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}
