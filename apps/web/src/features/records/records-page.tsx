import { ActionIcon, Alert, Badge, Button, Center, Checkbox, Collapse, Group, Loader, Menu, Paper, Select, SimpleGrid, Table, Text, TextInput } from '@mantine/core';
import { modals } from '@mantine/modals';
import { IconAdjustmentsHorizontal, IconAlertTriangle, IconDotsVertical, IconDownload, IconEye, IconFileSpreadsheet, IconSearch, IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import type { RecordFilters, RecordItem, RecordSearch } from '@postdesk/contracts';
import { confirmAction } from '../../components/confirm.ts';
import { describeError } from '../../components/describe-error.ts';
import { EmptyRow } from '../../components/empty-row.tsx';
import { notifyError, notifySuccess } from '../../components/notify.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { QueryState } from '../../components/query-state.tsx';
import { formatDateTime } from '../../components/relative-time.tsx';
import { TruncatedText } from '../../components/truncated-text.tsx';
import { useCampaigns } from '../campaigns/campaigns-api.ts';
import { useDispositions } from '../dispositions/dispositions-api.ts';
import { useLiveAgents } from '../routing/routing-api.ts';
import { ConditionBuilder } from './condition-builder.tsx';
import { downloadCsv, threadZipUrl, useDeleteRecords, useDeleteSavedSearch, useRecords, useSavedSearches, useSaveSearch } from './records-api.ts';

const ANY = '__any__';
const EMPTY: RecordSearch = { filters: {}, conditions: [], match: 'all' };

/** A select's value for an optional filter, and back. */
const pick = (v: string | null): string | undefined => (v && v !== ANY ? v : undefined);
/** A date input (YYYY-MM-DD, local day) as the instant the filter compares with. */
const dayStart = (d: string): string | undefined => (d ? new Date(`${d}T00:00:00`).toISOString() : undefined);
const dayAfter = (d: string): string | undefined => {
  if (!d) return undefined;
  const x = new Date(`${d}T00:00:00`);
  x.setDate(x.getDate() + 1);
  return x.toISOString();
};

/**
 * Every email interaction of the supervisor's campaigns (the recordings):
 * quick filters, the advanced search, saved searches, keyset pages; CSV of
 * the selection or of everything matching; a thread's viewer, its download
 * as .eml files, and deletion after confirmation.
 */
export function RecordsPage() {
  const { t, i18n } = useTranslation();
  const campaigns = useCampaigns();
  const agents = useLiveAgents();
  const saved = useSavedSearches();
  const saveSearch = useSaveSearch();
  const deleteSaved = useDeleteSavedSearch();
  const del = useDeleteRecords();
  const [draft, setDraft] = useState<RecordSearch>(EMPTY);
  const [days, setDays] = useState({ from: '', to: '' });
  const [search, setSearch] = useState<RecordSearch>(EMPTY);
  const [advanced, setAdvanced] = useState(false);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [exporting, setExporting] = useState(false);
  const dispositions = useDispositions(draft.filters.campaignId ?? null);
  const records = useRecords(search);
  const rows = records.data?.pages.flatMap((p) => p.items) ?? [];
  const setFilter = (patch: Partial<RecordFilters>) => setDraft((d) => ({ ...d, filters: { ...d.filters, ...patch } }));
  const apply = () => {
    setSelected(new Set());
    setSearch({ ...draft, filters: { ...draft.filters, from: dayStart(days.from), to: dayAfter(days.to) } });
  };
  const loadSaved = (id: string | null) => {
    const s = saved.data?.find((x) => x.id === id);
    if (!s) return;
    setDraft(s.search);
    setDays({ from: '', to: '' });
    setAdvanced(s.search.conditions.length > 0);
    setSelected(new Set());
    setSearch(s.search);
  };
  const askSave = () => {
    let name = '';
    modals.openConfirmModal({
      title: t('records.saved.saveTitle'),
      children: <TextInput autoFocus label={t('records.saved.name')} onChange={(e) => (name = e.currentTarget.value)} data-testid="saved-search-name" />,
      labels: { confirm: t('common.save'), cancel: t('common.cancel') },
      confirmProps: { 'data-testid': 'saved-search-confirm' },
      onConfirm: () =>
        saveSearch.mutate(
          { name: name.trim() || t('records.saved.untitled'), search: { ...draft, filters: { ...draft.filters, from: dayStart(days.from), to: dayAfter(days.to) } } },
          { onSuccess: () => notifySuccess(t('records.saved.saved')), onError: (e) => notifyError(t, e) },
        ),
    });
  };
  const exportCsv = async () => {
    setExporting(true);
    try {
      await downloadCsv(search, selected.size ? [...selected] : undefined);
    } catch (e) {
      notifyError(t, e);
    } finally {
      setExporting(false);
    }
  };
  const askDelete = (ids: number[]) =>
    confirmAction(t, {
      title: t('records.delete.title'),
      message: t('records.delete.message', { count: ids.length }),
      confirmLabel: t('common.delete'),
      testId: 'confirm-delete-records',
      onConfirm: () =>
        del.mutate(ids, {
          onSuccess: (r) => {
            setSelected(new Set());
            notifySuccess(t('records.delete.done', { count: r.deleted }));
          },
          onError: (e) => notifyError(t, e),
        }),
    });
  const toggle = (id: number) =>
    setSelected((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });
  const allShown = rows.length > 0 && rows.every((r) => selected.has(r.id));
  const pageError = records.data && records.error ? describeError(t, records.error) : null;
  const campaignOptions = (campaigns.data ?? []).map((c) => ({ value: c.id, label: `${c.name} (${c.key})` }));

  return (
    <>
      <PageHeader
        title={t('records.title')}
        description={t('records.description')}
        actions={
          <Group gap="xs">
            <Button
              variant="default"
              leftSection={<IconFileSpreadsheet size={16} />}
              loading={exporting}
              onClick={() => void exportCsv()}
              data-testid="records-export"
            >
              {selected.size ? t('records.exportSelected', { count: selected.size }) : t('records.exportAll')}
            </Button>
            <Button color="red" variant="light" leftSection={<IconTrash size={16} />} disabled={selected.size === 0} onClick={() => askDelete([...selected])} data-testid="records-delete">
              {t('records.deleteSelected', { count: selected.size })}
            </Button>
          </Group>
        }
      />
      <Paper withBorder p="sm" radius="sm" mb="sm">
        <SimpleGrid cols={{ base: 2, md: 4 }} spacing="xs" verticalSpacing="xs">
          <TextInput size="xs" type="date" label={t('records.filters.from')} value={days.from} onChange={(e) => setDays((d) => ({ ...d, from: e.currentTarget.value }))} data-testid="filter-from" />
          <TextInput size="xs" type="date" label={t('records.filters.to')} value={days.to} onChange={(e) => setDays((d) => ({ ...d, to: e.currentTarget.value }))} data-testid="filter-to" />
          <TextInput size="xs" label={t('records.filters.customer')} value={draft.filters.customer ?? ''} onChange={(e) => setFilter({ customer: e.currentTarget.value || undefined })} data-testid="filter-customer" />
          <TextInput size="xs" label={t('records.filters.subject')} value={draft.filters.subject ?? ''} onChange={(e) => setFilter({ subject: e.currentTarget.value || undefined })} data-testid="filter-subject" />
          <Select
            size="xs"
            label={t('records.filters.campaign')}
            value={draft.filters.campaignId ?? ANY}
            data={[{ value: ANY, label: t('records.filters.any') }, ...campaignOptions]}
            onChange={(v) => setFilter({ campaignId: pick(v), dispositionId: undefined })}
            searchable
            data-testid="filter-campaign"
          />
          <Select
            size="xs"
            label={t('records.filters.agent')}
            value={draft.filters.agentId ?? ANY}
            data={[{ value: ANY, label: t('records.filters.any') }, ...(agents.data ?? []).map((a) => ({ value: a.userId, label: a.displayName }))]}
            onChange={(v) => setFilter({ agentId: pick(v) })}
            searchable
            data-testid="filter-agent"
          />
          <Select
            size="xs"
            label={t('records.filters.disposition')}
            disabled={!draft.filters.campaignId}
            value={draft.filters.dispositionId ?? ANY}
            data={[{ value: ANY, label: t('records.filters.any') }, ...(dispositions.data ?? []).map((d) => ({ value: d.id, label: d.name }))]}
            onChange={(v) => setFilter({ dispositionId: pick(v) })}
            data-testid="filter-disposition"
          />
          <Group gap="xs" grow>
            <Select
              size="xs"
              label={t('records.filters.status')}
              value={draft.filters.status ?? ANY}
              data={[
                { value: ANY, label: t('records.filters.any') },
                { value: 'open', label: t('records.status.open') },
                { value: 'closed', label: t('records.status.closed') },
              ]}
              onChange={(v) => setFilter({ status: pick(v) as RecordFilters['status'] })}
              data-testid="filter-status"
            />
            <Select
              size="xs"
              label={t('records.filters.read')}
              value={draft.filters.read ?? ANY}
              data={[
                { value: ANY, label: t('records.filters.any') },
                { value: 'unread', label: t('records.read.unread') },
                { value: 'read', label: t('records.read.read') },
              ]}
              onChange={(v) => setFilter({ read: pick(v) as RecordFilters['read'] })}
              data-testid="filter-read"
            />
          </Group>
        </SimpleGrid>
        <Collapse expanded={advanced}>
          <Paper withBorder p="xs" mt="sm" radius="sm">
            <ConditionBuilder conditions={draft.conditions} match={draft.match} onChange={(n) => setDraft((d) => ({ ...d, ...n }))} />
          </Paper>
        </Collapse>
        <Group justify="space-between" mt="sm">
          <Group gap="xs">
            <Button size="xs" variant={advanced ? 'light' : 'default'} leftSection={<IconAdjustmentsHorizontal size={14} />} onClick={() => setAdvanced((a) => !a)} data-testid="records-advanced">
              {t('records.advanced')}
            </Button>
            <Select
              size="xs"
              w={220}
              placeholder={t('records.saved.load')}
              value={null}
              data={(saved.data ?? []).map((s) => ({ value: s.id, label: s.name }))}
              onChange={loadSaved}
              data-testid="saved-searches"
              aria-label={t('records.saved.load')}
            />
            {saved.data?.length ? (
              <Menu position="bottom-start">
                <Menu.Target>
                  <ActionIcon variant="subtle" size="sm" aria-label={t('records.saved.manage')}>
                    <IconDotsVertical size={14} />
                  </ActionIcon>
                </Menu.Target>
                <Menu.Dropdown>
                  {saved.data.map((s) => (
                    <Menu.Item key={s.id} color="red" leftSection={<IconTrash size={12} />} onClick={() => deleteSaved.mutate(s.id)}>
                      {t('records.saved.forget', { name: s.name })}
                    </Menu.Item>
                  ))}
                </Menu.Dropdown>
              </Menu>
            ) : null}
          </Group>
          <Group gap="xs">
            <Button size="xs" variant="default" onClick={askSave} data-testid="records-save-search">
              {t('records.saved.save')}
            </Button>
            <Button size="xs" leftSection={<IconSearch size={14} />} onClick={apply} data-testid="records-search">
              {t('records.search')}
            </Button>
          </Group>
        </Group>
      </Paper>
      <Group justify="flex-end" mb={4} gap="xs">
        {records.isFetching && !records.isPending ? <Loader size={12} type="dots" /> : null}
        <Text size="xs" c="dimmed" data-testid="records-count">
          {t('records.shown', { count: rows.length })}
        </Text>
      </Group>
      <QueryState isPending={records.isPending} error={records.data ? null : records.error} onRetry={() => void records.refetch()}>
        <Paper withBorder radius="sm">
          <Table className="pd-table pd-table-fixed" layout="fixed" data-testid="records-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={36}>
                  <Checkbox
                    size="xs"
                    aria-label={t('records.selectAll')}
                    checked={allShown}
                    indeterminate={!allShown && selected.size > 0}
                    onChange={() => setSelected(allShown ? new Set() : new Set(rows.map((r) => r.id)))}
                  />
                </Table.Th>
                <Table.Th w={80}>{t('records.columns.ticket')}</Table.Th>
                <Table.Th w={150}>{t('records.columns.started')}</Table.Th>
                <Table.Th w={140}>{t('records.columns.campaign')}</Table.Th>
                <Table.Th w="20%">{t('records.columns.customer')}</Table.Th>
                <Table.Th>{t('records.columns.subject')}</Table.Th>
                <Table.Th w={130}>{t('records.columns.agent')}</Table.Th>
                <Table.Th w={110}>{t('records.columns.status')}</Table.Th>
                <Table.Th w={44} aria-label={t('common.actions')} />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.length === 0 ? (
                <EmptyRow colSpan={9} text={t('records.empty')} />
              ) : (
                rows.map((r) => <RecordRow key={r.id} r={r} checked={selected.has(r.id)} onToggle={() => toggle(r.id)} onDelete={() => askDelete([r.id])} language={i18n.language} />)
              )}
            </Table.Tbody>
          </Table>
        </Paper>
        {pageError ? (
          <Alert color="red" variant="light" icon={<IconAlertTriangle size={16} />} title={pageError.title} mt="sm" py={8}>
            {pageError.message}
          </Alert>
        ) : null}
        {records.hasNextPage ? (
          <Center mt="sm">
            <Button variant="default" size="xs" loading={records.isFetchingNextPage} onClick={() => void records.fetchNextPage()} data-testid="records-more">
              {t('records.more')}
            </Button>
          </Center>
        ) : null}
      </QueryState>
    </>
  );
}

function RecordRow({ r, checked, onToggle, onDelete, language }: { r: RecordItem; checked: boolean; onToggle: () => void; onDelete: () => void; language: string }) {
  const { t } = useTranslation();
  return (
    <Table.Tr data-testid={`record-${r.id}`} fw={r.unread ? 600 : undefined}>
      <Table.Td>
        <Checkbox size="xs" checked={checked} onChange={onToggle} aria-label={t('records.select', { id: r.id })} data-testid={`record-select-${r.id}`} />
      </Table.Td>
      <Table.Td>
        <Text size="sm" ff="monospace">
          {r.campaignKey}-{r.id}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">{formatDateTime(r.createdAt, language)}</Text>
      </Table.Td>
      <Table.Td>
        <TruncatedText size="sm" text={r.campaignName} />
      </Table.Td>
      <Table.Td>
        <TruncatedText size="sm" text={r.customerName ? `${r.customerName} <${r.customerAddress}>` : r.customerAddress} />
      </Table.Td>
      <Table.Td>
        <Link to={`/records/${r.id}`} data-testid={`record-open-${r.id}`} style={{ color: 'inherit' }}>
          <TruncatedText size="sm" text={r.subject || t('records.noSubject')} />
        </Link>
      </Table.Td>
      <Table.Td>
        <TruncatedText size="sm" text={r.agentName ?? '—'} />
      </Table.Td>
      <Table.Td>
        <Badge size="sm" variant="light" color={r.status === 'open' ? 'blue' : 'gray'}>
          {t(`records.status.${r.status === 'open' ? 'open' : 'closed'}`)}
        </Badge>
      </Table.Td>
      <Table.Td>
        <Menu position="bottom-end">
          <Menu.Target>
            <ActionIcon variant="subtle" size="sm" aria-label={t('common.actions')} data-testid={`record-menu-${r.id}`}>
              <IconDotsVertical size={14} />
            </ActionIcon>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Item component={Link} to={`/records/${r.id}`} leftSection={<IconEye size={14} />}>
              {t('records.view')}
            </Menu.Item>
            <Menu.Item component="a" href={threadZipUrl(r.id, true)} download leftSection={<IconDownload size={14} />}>
              {t('records.downloadWith')}
            </Menu.Item>
            <Menu.Item component="a" href={threadZipUrl(r.id, false)} download leftSection={<IconDownload size={14} />}>
              {t('records.downloadWithout')}
            </Menu.Item>
            <Menu.Item color="red" leftSection={<IconTrash size={14} />} onClick={onDelete} data-testid={`record-delete-${r.id}`}>
              {t('common.delete')}
            </Menu.Item>
          </Menu.Dropdown>
        </Menu>
      </Table.Td>
    </Table.Tr>
  );
}
