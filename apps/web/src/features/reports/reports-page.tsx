import { Button, Group, Paper, Progress, SegmentedControl, Select, Stack, Table, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { IconFileSpreadsheet } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ReportPreset, ReportRatings } from '@postdesk/contracts';
import { EmptyRow } from '../../components/empty-row.tsx';
import { formatDuration } from '../../components/format-duration.ts';
import { notifyError } from '../../components/notify.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { QueryState } from '../../components/query-state.tsx';
import { useCampaigns } from '../campaigns/campaigns-api.ts';
import { downloadReportCsv, useReport, type ReportParams } from './reports-api.ts';

const PRESETS: readonly ReportPreset[] = ['today', 'yesterday', 'this_week', 'last_7_days', 'this_month', 'custom'];
const ALL = '__all__';
/** Score colours 1..5, from bad to good. */
const SCORE_COLOURS = ['red.6', 'orange.5', 'yellow.5', 'lime.6', 'green.7'] as const;

/** A service level as a bar and a figure; red under 60 %, amber under 80 %. */
function ServiceLevel({ pct }: { pct: number | null }) {
  if (pct === null) return <Text size="sm" c="dimmed">–</Text>;
  const colour = pct >= 80 ? 'green' : pct >= 60 ? 'yellow' : 'red';
  return (
    <Group gap={6} wrap="nowrap">
      <Progress value={pct} color={colour} size="sm" w={60} aria-hidden />
      <Text size="sm" ff="monospace" style={{ whiteSpace: 'nowrap' }}>
        {pct.toFixed(1)} %
      </Text>
    </Group>
  );
}

/** The ratings: count and mean, and their spread 1..5 as one stacked bar. */
function Ratings({ r }: { r: ReportRatings }) {
  const { t } = useTranslation();
  if (r.count === 0) return <Text size="sm" c="dimmed">–</Text>;
  return (
    <Group gap={6} wrap="nowrap">
      <Text size="sm" ff="monospace" w={72}>
        {r.average?.toFixed(2)} ({r.count})
      </Text>
      <Tooltip label={r.distribution.map((n, i) => `${i + 1}★ ${n}`).join(' · ')} withArrow>
        <Progress.Root size="md" w={90} aria-label={t('reports.columns.distribution')}>
          {r.distribution.map((n, i) => (n > 0 ? <Progress.Section key={i} value={(n / r.count) * 100} color={SCORE_COLOURS[i]} /> : null))}
        </Progress.Root>
      </Tooltip>
    </Group>
  );
}

const num = (n: number) => <Text size="sm" ff="monospace">{n}</Text>;
const dur = (s: number | null) => <Text size="sm" ff="monospace">{formatDuration(s)}</Text>;

/**
 * Per-period reports: for a preset or custom period (each campaign's own
 * time zone), per campaign and per agent — service level, answered,
 * abandoned, average wait and handling, customer ratings — and the CSV.
 */
export function ReportsPage() {
  const { t } = useTranslation();
  const campaigns = useCampaigns();
  const [params, setParams] = useState<ReportParams>({ preset: 'today', from: '', to: '', campaignId: null });
  const [exporting, setExporting] = useState(false);
  const report = useReport(params);
  const exportCsv = async () => {
    setExporting(true);
    try {
      await downloadReportCsv(params);
    } catch (err) {
      notifyError(t, err);
    } finally {
      setExporting(false);
    }
  };
  const custom = params.preset === 'custom';
  const incomplete = custom && (!params.from || !params.to);

  return (
    <>
      <PageHeader
        title={t('reports.title')}
        description={t('reports.description')}
        actions={
          <Button size="xs" variant="default" leftSection={<IconFileSpreadsheet size={16} />} loading={exporting} disabled={incomplete} onClick={() => void exportCsv()} data-testid="reports-export">
            {t('reports.export')}
          </Button>
        }
      />
      <Group gap="sm" align="flex-end" mb="sm" wrap="wrap">
        <SegmentedControl
          size="xs"
          value={params.preset}
          onChange={(v) => setParams((p) => ({ ...p, preset: v as ReportPreset }))}
          data={PRESETS.map((p) => ({ value: p, label: t(`reports.presets.${p}`) }))}
          data-testid="reports-preset"
        />
        {custom ? (
          <>
            <TextInput size="xs" type="date" label={t('reports.from')} value={params.from} onChange={(e) => {
                const from = e.currentTarget.value;
                setParams((p) => ({ ...p, from }));
              }} data-testid="reports-from" />
            <TextInput size="xs" type="date" label={t('reports.to')} value={params.to} onChange={(e) => {
                const to = e.currentTarget.value;
                setParams((p) => ({ ...p, to }));
              }} data-testid="reports-to" />
          </>
        ) : null}
        <Select
          size="xs"
          w={220}
          label={t('reports.campaign')}
          value={params.campaignId ?? ALL}
          onChange={(v) => setParams((p) => ({ ...p, campaignId: v && v !== ALL ? v : null }))}
          data={[{ value: ALL, label: t('reports.allCampaigns') }, ...(campaigns.data ?? []).map((c) => ({ value: c.id, label: c.name }))]}
          allowDeselect={false}
          data-testid="reports-campaign"
        />
      </Group>
      {incomplete ? (
        <Text size="sm" c="dimmed">{t('reports.pickDates')}</Text>
      ) : (
        <QueryState isPending={report.isPending} error={report.data ? null : report.error} onRetry={() => void report.refetch()}>
          <Stack gap="md">
            <Paper withBorder radius="sm">
              <Table className="pd-table" data-testid="reports-campaigns">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('reports.columns.campaign')}</Table.Th>
                    <Table.Th>{t('reports.columns.period')}</Table.Th>
                    <Table.Th>{t('reports.columns.serviceLevel')}</Table.Th>
                    <Table.Th>{t('reports.columns.answered')}</Table.Th>
                    <Table.Th>{t('reports.columns.withinSl')}</Table.Th>
                    <Table.Th>{t('reports.columns.abandoned')}</Table.Th>
                    <Table.Th>{t('reports.columns.avgWait')}</Table.Th>
                    <Table.Th>{t('reports.columns.handled')}</Table.Th>
                    <Table.Th>{t('reports.columns.avgHandling')}</Table.Th>
                    <Table.Th>{t('reports.columns.ratings')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {(report.data?.campaigns ?? []).length === 0 ? (
                    <EmptyRow colSpan={10} text={t('reports.noCampaigns')} />
                  ) : (
                    report.data!.campaigns.map((c) => (
                      <Table.Tr key={c.campaignId} data-testid={`report-campaign-${c.key}`}>
                        <Table.Td>
                          <Text size="sm" fw={500}>{c.name}</Text>
                        </Table.Td>
                        <Table.Td>
                          <Text size="xs" c="dimmed">
                            {c.from === c.to ? c.from : `${c.from} – ${c.to}`} · {c.timezone}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <Tooltip label={t('reports.slWithin', { sec: c.serviceLevelSec })} withArrow>
                            <div>
                              <ServiceLevel pct={c.serviceLevelPct} />
                            </div>
                          </Tooltip>
                        </Table.Td>
                        <Table.Td>{num(c.answered)}</Table.Td>
                        <Table.Td>{num(c.answeredWithinSl)}</Table.Td>
                        <Table.Td>{num(c.abandoned)}</Table.Td>
                        <Table.Td>{dur(c.avgWaitSec)}</Table.Td>
                        <Table.Td>{num(c.handled)}</Table.Td>
                        <Table.Td>{dur(c.avgHandlingSec)}</Table.Td>
                        <Table.Td>
                          <Ratings r={c.ratings} />
                        </Table.Td>
                      </Table.Tr>
                    ))
                  )}
                </Table.Tbody>
              </Table>
            </Paper>
            <Title order={5}>{t('reports.agents')}</Title>
            <Paper withBorder radius="sm">
              <Table className="pd-table" data-testid="reports-agents">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('reports.columns.agent')}</Table.Th>
                    <Table.Th>{t('reports.columns.serviceLevel')}</Table.Th>
                    <Table.Th>{t('reports.columns.answered')}</Table.Th>
                    <Table.Th>{t('reports.columns.withinSl')}</Table.Th>
                    <Table.Th>{t('reports.columns.avgWait')}</Table.Th>
                    <Table.Th>{t('reports.columns.handled')}</Table.Th>
                    <Table.Th>{t('reports.columns.avgHandling')}</Table.Th>
                    <Table.Th>{t('reports.columns.ratings')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {(report.data?.agents ?? []).length === 0 ? (
                    <EmptyRow colSpan={8} text={t('reports.noAgents')} />
                  ) : (
                    report.data!.agents.map((a) => (
                      <Table.Tr key={a.agentId} data-testid="report-agent">
                        <Table.Td>
                          <Text size="sm" fw={500}>{a.name}</Text>
                        </Table.Td>
                        <Table.Td>
                          <ServiceLevel pct={a.serviceLevelPct} />
                        </Table.Td>
                        <Table.Td>{num(a.answered)}</Table.Td>
                        <Table.Td>{num(a.answeredWithinSl)}</Table.Td>
                        <Table.Td>{dur(a.avgWaitSec)}</Table.Td>
                        <Table.Td>{num(a.handled)}</Table.Td>
                        <Table.Td>{dur(a.avgHandlingSec)}</Table.Td>
                        <Table.Td>
                          <Ratings r={a.ratings} />
                        </Table.Td>
                      </Table.Tr>
                    ))
                  )}
                </Table.Tbody>
              </Table>
            </Paper>
          </Stack>
        </QueryState>
      )}
    </>
  );
}
