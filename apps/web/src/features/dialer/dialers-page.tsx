import { Alert, Badge, Box, Button, FileButton, Group, Modal, Paper, Progress, SimpleGrid, Stack, Table, Tabs, Text } from '@mantine/core';
import { IconAlertTriangle, IconBan, IconPencil, IconPlayerPause, IconPlayerPlay, IconPlayerStop, IconPlus, IconSend, IconUpload } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Dialer, DialerStatus, ListReport } from '@postdesk/contracts';
import { can } from '../../app/policy.ts';
import { useRealtimeMessages } from '../../app/realtime.tsx';
import { useCurrentUser } from '../auth/session.ts';
import { confirmAction } from '../../components/confirm.ts';
import { notifyError, notifySuccess } from '../../components/notify.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { QueryState } from '../../components/query-state.tsx';
import { dialerKeys, useDialerCommand, useDialerStatus, useDialers, useUploadList } from './dialer-api.ts';
import { BlacklistPanel } from './blacklist-panel.tsx';
import { DialerFormModal } from './dialer-form-modal.tsx';
import { minuteSeries } from './minute-series.ts';

const MinutesChart = lazy(() => import('./minutes-chart.tsx'));

/** The email dialers: each with its progress and live counters, its list upload and its controls. */
export function DialersPage() {
  const { t } = useTranslation();
  const dialers = useDialers();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState<Dialer | 'new' | null>(null);
  const manage = can(useCurrentUser().role, 'dialers.manage');
  const [tab, setTab] = useState<'dialers' | 'blacklist'>('dialers');
  // pushes are hints: the dashboard re-reads through the API
  useRealtimeMessages((m) => {
    if (m.type !== 'dialer.changed') return;
    void queryClient.invalidateQueries({ queryKey: dialerKeys.status(m.dialerId) });
    if (!(dialers.data ?? []).some((d) => d.id === m.dialerId)) void queryClient.invalidateQueries({ queryKey: dialerKeys.all, exact: true });
  });
  const list = (
    <QueryState isPending={dialers.isPending} error={dialers.error} onRetry={() => void dialers.refetch()}>
      <Stack gap="sm" data-testid="dialers-list">
        {(dialers.data ?? []).length === 0 ? (
          <Text c="dimmed" size="sm" ta="center" py="lg">
            {t('dialer.empty')}
          </Text>
        ) : (
          (dialers.data ?? []).map((d) => <DialerCard key={d.id} dialer={d} onEdit={manage ? () => setEditing(d) : null} />)
        )}
      </Stack>
    </QueryState>
  );
  return (
    <>
      <PageHeader
        title={t('dialer.title')}
        description={t('dialer.description')}
        actions={
          manage && tab === 'dialers' ? (
            <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing('new')} data-testid="dialer-create">
              {t('dialer.create')}
            </Button>
          ) : null
        }
      />
      {manage ? (
        <Tabs value={tab} onChange={(v) => setTab(v === 'blacklist' ? 'blacklist' : 'dialers')} keepMounted={false}>
          <Tabs.List mb="sm">
            <Tabs.Tab value="dialers" leftSection={<IconSend size={15} />} data-testid="dialer-tab-dialers">
              {t('dialer.tabs.dialers')}
            </Tabs.Tab>
            <Tabs.Tab value="blacklist" leftSection={<IconBan size={15} />} data-testid="dialer-tab-blacklist">
              {t('dialer.tabs.blacklist')}
            </Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="dialers">{list}</Tabs.Panel>
          <Tabs.Panel value="blacklist">
            <BlacklistPanel />
          </Tabs.Panel>
        </Tabs>
      ) : (
        list
      )}
      <DialerFormModal dialer={editing === 'new' ? null : editing} opened={editing !== null} onClose={() => setEditing(null)} />
    </>
  );
}

type StateKey = 'running' | 'waiting' | 'paused' | 'finished' | 'stopped';

// a running dialer whose lists are all done is finished: a new list would start sending again at once
function stateOf(s: DialerStatus): StateKey {
  if (s.totals.total > 0 && s.totals.notProcessed === 0) return 'finished';
  if (s.dialer.state === 'running') return s.inSchedule ? 'running' : 'waiting';
  return s.totals.processed > 0 ? 'paused' : 'stopped';
}

const STATE_COLOR: Record<StateKey, string> = { running: 'green', waiting: 'yellow', paused: 'orange', finished: 'blue', stopped: 'gray' };

function DialerCard({ dialer, onEdit }: { dialer: Dialer; onEdit: (() => void) | null }) {
  const { t } = useTranslation();
  const status = useDialerStatus(dialer.id);
  const command = useDialerCommand();
  const upload = useUploadList();
  const [report, setReport] = useState<ListReport | null>(null);
  const s = status.data;
  const state = s ? stateOf(s) : null;
  const c = s?.totals;
  const pct = c && c.total > 0 ? Math.round((c.processed / c.total) * 100) : 0;
  const run = (cmd: 'start' | 'pause' | 'resume' | 'stop') => command.mutate({ id: dialer.id, command: cmd }, { onError: (e) => notifyError(t, e) });
  const onFile = (file: File | null) => {
    if (!file) return;
    upload.mutate(
      { id: dialer.id, file },
      {
        onSuccess: (r) => {
          if (r.ok) notifySuccess(t('dialer.imported', { rows: r.rows }));
          setReport(r.ok ? null : r);
        },
        onError: (e) => notifyError(t, e),
      },
    );
  };
  return (
    <Paper withBorder radius="sm" p="md" data-testid={`dialer-${dialer.name}`}>
      <Group justify="space-between" align="flex-start" wrap="nowrap">
        <Stack gap={2} miw={0}>
          <Group gap="xs">
            <Text fw={600}>{dialer.name}</Text>
            {state ? (
              <Badge color={STATE_COLOR[state]} variant="light" data-testid="dialer-state">
                {t(`dialer.state.${state}`)}
              </Badge>
            ) : null}
          </Group>
          <Text size="xs" c="dimmed">
            {t('dialer.campaignLine', { campaign: dialer.campaignName, subject: dialer.subject })}
          </Text>
        </Stack>
        <Group gap="xs" wrap="nowrap">
          <FileButton onChange={onFile} accept=".csv,text/csv,text/plain">
            {(props) => (
              <Button {...props} variant="default" size="xs" leftSection={<IconUpload size={14} />} loading={upload.isPending} data-testid="dialer-upload">
                {t('dialer.upload')}
              </Button>
            )}
          </FileButton>
          {s?.dialer.state === 'running' ? (
            <Button size="xs" variant="light" color="orange" leftSection={<IconPlayerPause size={14} />} onClick={() => run('pause')} data-testid="dialer-pause">
              {t('dialer.pause')}
            </Button>
          ) : (
            <Button size="xs" leftSection={<IconPlayerPlay size={14} />} onClick={() => run(c && c.processed > 0 ? 'resume' : 'start')} disabled={!c || c.notProcessed === 0} data-testid="dialer-start">
              {c && c.processed > 0 ? t('dialer.resume') : t('dialer.start')}
            </Button>
          )}
          <Button
            size="xs"
            variant="light"
            color="red"
            leftSection={<IconPlayerStop size={14} />}
            disabled={!c || c.notProcessed === 0}
            onClick={() =>
              confirmAction(t, {
                title: t('dialer.stopTitle'),
                message: t('dialer.stopMessage', { n: c?.notProcessed ?? 0 }),
                confirmLabel: t('dialer.stop'),
                onConfirm: () => run('stop'),
                testId: 'dialer-stop-confirm',
              })
            }
            data-testid="dialer-stop"
          >
            {t('dialer.stop')}
          </Button>
          {onEdit ? (
            <Button size="xs" variant="subtle" leftSection={<IconPencil size={14} />} onClick={onEdit} data-testid="dialer-edit">
              {t('common.edit')}
            </Button>
          ) : null}
        </Group>
      </Group>
      {c ? (
        <>
          <Group justify="space-between" mt="sm" mb={4}>
            <Text size="xs" c="dimmed" data-testid="dialer-progress-label">
              {t('dialer.progress', { processed: c.processed, total: c.total })}
            </Text>
            <Text size="xs" c="dimmed">
              {pct}%
            </Text>
          </Group>
          <Progress value={pct} size="md" aria-label={t('dialer.progressLabel')} data-testid="dialer-progress" data-processed={c.processed} data-total={c.total} />
          <SimpleGrid cols={{ base: 3, sm: 6 }} mt="sm" spacing="xs">
            <Counter label={t('dialer.count.queued')} value={c.notProcessed} testId="queued" />
            <Counter label={t('dialer.count.sent')} value={c.sent} testId="sent" />
            <Counter label={t('dialer.count.failed')} value={c.failed} testId="failed" />
            <Counter label={t('dialer.count.bounced')} value={c.rejected + c.skipped} testId="bounced" />
            <Counter label={t('dialer.count.replied')} value={c.replied} testId="replied" />
            <Counter label={t('dialer.count.stopped')} value={c.deleted} testId="deleted" />
          </SimpleGrid>
          {s ? (
            <Stack gap={2} mt="sm" data-testid="dialer-chart" data-sent={s.minutes.reduce((n, m) => n + m.sent, 0)}>
              <Text size="xs" c="dimmed">
                {t('dialer.chart.title')}
              </Text>
              <Suspense fallback={<Box h={120} />}>
                <MinutesChart points={minuteSeries(s.minutes, new Date())} />
              </Suspense>
            </Stack>
          ) : null}
          {s && s.inFlightRecovered > 0 ? (
            <Text size="xs" c="orange" mt="xs">
              {t('dialer.inFlightRecovered', { n: s.inFlightRecovered })}
            </Text>
          ) : null}
        </>
      ) : null}
      <Modal opened={report !== null} onClose={() => setReport(null)} title={t('dialer.refusedTitle')} size="lg">
        {report ? <ListReportView report={report} /> : null}
      </Modal>
    </Paper>
  );
}

function Counter({ label, value, testId }: { label: string; value: number; testId: string }) {
  return (
    <Stack gap={0}>
      <Text size="lg" fw={600} data-testid={`dialer-count-${testId}`}>
        {value.toLocaleString()}
      </Text>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
    </Stack>
  );
}

/** Every problem of a refused list, by line and column: nothing of it was imported. */
function ListReportView({ report }: { report: ListReport }) {
  const { t } = useTranslation();
  return (
    <Stack gap="sm" data-testid="list-report">
      <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />}>
        {t('dialer.refusedText', { n: report.problems.length + report.moreProblems })}
        {report.complete ? null : ` ${t('dialer.refusedIncomplete')}`}
      </Alert>
      <Table striped withTableBorder fz="sm">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('dialer.line')}</Table.Th>
            <Table.Th>{t('dialer.column')}</Table.Th>
            <Table.Th>{t('dialer.problem')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {report.problems.map((p, i) => (
            <Table.Tr key={i} data-testid="list-problem" data-line={p.line}>
              <Table.Td>{p.line}</Table.Td>
              <Table.Td>{p.column === null ? '—' : `${p.column}${p.field ? ` (${p.field})` : ''}`}</Table.Td>
              <Table.Td>{p.message}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {report.moreProblems > 0 ? (
        <Text size="xs" c="dimmed">
          {t('dialer.moreProblems', { n: report.moreProblems })}
        </Text>
      ) : null}
    </Stack>
  );
}
