import { ActionIcon, Alert, Badge, Button, FileButton, Group, Modal, Pagination, Stack, Table, Text, TextInput, Tooltip } from '@mantine/core';
import { useForm } from '@mantine/form';
import { useDebouncedValue } from '@mantine/hooks';
import { IconAlertTriangle, IconPlus, IconSearch, IconTrash, IconUpload } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { BlacklistUpload } from '@postdesk/contracts';
import { isApiError } from '../../app/api.ts';
import { confirmAction } from '../../components/confirm.ts';
import { submitOnModEnter } from '../../components/keyboard.ts';
import { notifyError, notifySuccess } from '../../components/notify.ts';
import { QueryState } from '../../components/query-state.tsx';
import { useAddToBlacklist, useBlacklist, useRemoveFromBlacklist, useUploadBlacklist } from './dialer-api.ts';

const PAGE = 50;
const REASON_COLOR = { manual: 'gray', upload: 'blue', bounce: 'red', spam: 'orange', unsubscribe: 'grape' } as const;

/** The dialer blacklist (admins): search by any part of the address, add, remove, upload a CSV checked as a whole. */
export function BlacklistPanel() {
  const { t, i18n } = useTranslation();
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search.trim(), 250);
  const [page, setPage] = useState(1);
  const list = useBlacklist(q, (page - 1) * PAGE, PAGE);
  const remove = useRemoveFromBlacklist();
  const upload = useUploadBlacklist();
  const [adding, setAdding] = useState(false);
  const [report, setReport] = useState<BlacklistUpload | null>(null);
  const total = list.data?.total ?? 0;
  const date = new Intl.DateTimeFormat(i18n.language, { dateStyle: 'medium', timeStyle: 'short' });

  const onFile = (file: File | null) => {
    if (!file) return;
    upload.mutate(file, {
      onSuccess: (r) => {
        if (r.ok) notifySuccess(t('dialer.blacklist.uploaded', { rows: r.rows, added: r.added }));
        setReport(r.ok ? null : r);
      },
      onError: (e) => notifyError(t, e),
    });
  };
  const onRemove = (address: string) =>
    confirmAction(t, {
      title: t('dialer.blacklist.removeTitle'),
      message: t('dialer.blacklist.removeMessage', { address }),
      confirmLabel: t('dialer.blacklist.remove'),
      testId: 'blacklist-remove-confirm',
      onConfirm: () => remove.mutate(address, { onSuccess: () => notifySuccess(t('dialer.blacklist.removed')), onError: (e) => notifyError(t, e) }),
    });

  return (
    <Stack gap="sm" data-testid="blacklist-panel">
      <Text size="sm" c="dimmed">
        {t('dialer.blacklist.description')}
      </Text>
      <Group justify="space-between" gap="xs">
        <TextInput
          leftSection={<IconSearch size={16} />}
          placeholder={t('dialer.blacklist.search')}
          aria-label={t('dialer.blacklist.search')}
          value={search}
          onChange={(e) => {
            setSearch(e.currentTarget.value);
            setPage(1);
          }}
          w={360}
          data-testid="blacklist-search"
        />
        <Group gap="xs">
          <Text size="xs" c="dimmed" data-testid="blacklist-total" data-total={total}>
            {t('dialer.blacklist.total', { n: total })}
          </Text>
          <FileButton onChange={onFile} accept=".csv,text/csv,text/plain">
            {(props) => (
              <Tooltip label={t('dialer.blacklist.uploadHint')}>
                <Button {...props} variant="default" size="xs" leftSection={<IconUpload size={14} />} loading={upload.isPending} data-testid="blacklist-upload">
                  {t('dialer.blacklist.upload')}
                </Button>
              </Tooltip>
            )}
          </FileButton>
          <Button size="xs" leftSection={<IconPlus size={14} />} onClick={() => setAdding(true)} data-testid="blacklist-add">
            {t('dialer.blacklist.add')}
          </Button>
        </Group>
      </Group>
      <QueryState isPending={list.isPending} error={list.error} onRetry={() => void list.refetch()}>
        <Table striped highlightOnHover withTableBorder fz="sm" verticalSpacing={4} data-testid="blacklist-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('dialer.blacklist.address')}</Table.Th>
              <Table.Th>{t('dialer.blacklist.reasonLabel')}</Table.Th>
              <Table.Th>{t('dialer.blacklist.note')}</Table.Th>
              <Table.Th>{t('dialer.blacklist.since')}</Table.Th>
              <Table.Th w={40} aria-label={t('common.actions')} />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(list.data?.items ?? []).length === 0 ? (
              <Table.Tr>
                <Table.Td colSpan={5}>
                  <Text c="dimmed" size="sm" ta="center" py="sm">
                    {t('dialer.blacklist.empty')}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ) : (
              (list.data?.items ?? []).map((e) => (
                <Table.Tr key={e.address} data-testid="blacklist-row" data-address={e.address}>
                  <Table.Td ff="monospace">{e.address}</Table.Td>
                  <Table.Td>
                    <Badge size="sm" variant="light" color={REASON_COLOR[e.reason]}>
                      {t(`dialer.blacklist.reason.${e.reason}`)}
                    </Badge>
                  </Table.Td>
                  <Table.Td maw={320} style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }} title={e.note}>
                    {e.note}
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{date.format(new Date(e.createdAt))}</Table.Td>
                  <Table.Td>
                    <Tooltip label={t('dialer.blacklist.remove')}>
                      <ActionIcon variant="subtle" color="red" onClick={() => onRemove(e.address)} aria-label={`${t('dialer.blacklist.remove')} ${e.address}`} data-testid="blacklist-remove">
                        <IconTrash size={16} />
                      </ActionIcon>
                    </Tooltip>
                  </Table.Td>
                </Table.Tr>
              ))
            )}
          </Table.Tbody>
        </Table>
      </QueryState>
      {total > PAGE ? <Pagination size="sm" total={Math.ceil(total / PAGE)} value={page} onChange={setPage} /> : null}
      <Modal opened={adding} onClose={() => setAdding(false)} title={t('dialer.blacklist.addTitle')}>
        {adding ? <AddForm onDone={() => setAdding(false)} /> : null}
      </Modal>
      <Modal opened={report !== null} onClose={() => setReport(null)} title={t('dialer.blacklist.refusedTitle')} size="lg">
        {report ? <UploadReport report={report} /> : null}
      </Modal>
    </Stack>
  );
}

function AddForm({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const add = useAddToBlacklist();
  const form = useForm({
    initialValues: { address: '', note: '' },
    validate: { address: (v) => (/^[^\s@]+@[^\s@]+$/.test(v.trim()) ? null : t('dialer.invite.badEmail')) },
  });
  const submit = form.onSubmit((values) =>
    add.mutate(
      { address: values.address.trim(), note: values.note.trim() },
      {
        onSuccess: () => {
          notifySuccess(t('dialer.blacklist.addedOk'));
          onDone();
        },
        onError: (error) => {
          if ((isApiError(error, 'validation_failed') || isApiError(error, 'conflict')) && error.details.length > 0) {
            form.setErrors(Object.fromEntries(error.details.map((d) => [d.path, d.message])));
            return;
          }
          notifyError(t, error);
        },
      },
    ),
  );
  return (
    <form onSubmit={submit} onKeyDown={submitOnModEnter} noValidate data-testid="blacklist-form">
      <Stack gap="sm">
        <TextInput label={t('dialer.blacklist.address')} required data-autofocus data-testid="blacklist-address" {...form.getInputProps('address')} />
        <TextInput label={t('dialer.blacklist.note')} maxLength={500} data-testid="blacklist-note" {...form.getInputProps('note')} />
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={onDone}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" loading={add.isPending} data-testid="blacklist-save">
            {t('dialer.blacklist.add')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Every problem of a refused blacklist file, by line: nothing of it was added. */
function UploadReport({ report }: { report: BlacklistUpload }) {
  const { t } = useTranslation();
  return (
    <Stack gap="sm" data-testid="blacklist-report">
      <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />}>
        {t('dialer.blacklist.refusedText', { n: report.problems.length + report.moreProblems })}
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
            <Table.Tr key={i} data-testid="blacklist-problem" data-line={p.line}>
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
