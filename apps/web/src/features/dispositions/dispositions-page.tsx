import { ActionIcon, Button, Group, Paper, Select, Table, Text, TextInput, Tooltip } from '@mantine/core';
import { IconCheck, IconPencil, IconPlus, IconTrash, IconX } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { isApiError } from '../../app/api.ts';
import type { Disposition } from '@postdesk/contracts';
import { confirmDelete } from '../../components/confirm.ts';
import { EmptyRow } from '../../components/empty-row.tsx';
import { FilterInput, matchesFilter } from '../../components/filter-input.tsx';
import { notifyError, notifySuccess } from '../../components/notify.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { QueryState } from '../../components/query-state.tsx';
import { useCampaigns } from '../campaigns/campaigns-api.ts';
import { useCreateDisposition, useDeleteDisposition, useDispositions, useRenameDisposition } from './dispositions-api.ts';

/** Pick a campaign, then add, rename and delete the outcomes its agents record. */
export function DispositionsPage() {
  const { t } = useTranslation();
  const campaigns = useCampaigns();
  const [params, setParams] = useSearchParams();
  const campaignList = campaigns.data ?? [];
  const requested = params.get('campaign');
  const campaignId = campaignList.find((c) => c.id === requested)?.id ?? campaignList[0]?.id ?? null;
  const dispositions = useDispositions(campaignId);
  const create = useCreateDisposition();
  const [filter, setFilter] = useState('');
  const [newName, setNewName] = useState('');
  const [newError, setNewError] = useState<string | null>(null);

  const add = () => {
    const name = newName.trim();
    if (!campaignId) return;
    if (!name) {
      setNewError(t('validation.required'));
      return;
    }
    create.mutate(
      { campaignId, name },
      {
        onSuccess: () => {
          setNewName('');
          setNewError(null);
          notifySuccess(t('dispositions.added', { name }));
        },
        onError: (error) => {
          if (isApiError(error, 'validation_failed') || isApiError(error, 'conflict')) {
            setNewError(error.details[0]?.message ?? error.message);
            return;
          }
          notifyError(t, error);
        },
      },
    );
  };

  const rows = (dispositions.data ?? []).filter((d) => matchesFilter(filter, d.name));

  return (
    <>
      <PageHeader title={t('dispositions.title')} description={t('dispositions.description')} />
      <QueryState isPending={campaigns.isPending} error={campaigns.error} onRetry={() => void campaigns.refetch()}>
        {campaignList.length === 0 ? (
          <Paper withBorder p="xl" radius="sm">
            <Text c="dimmed" size="sm" ta="center">
              {t('dispositions.noCampaigns')}
            </Text>
          </Paper>
        ) : (
          <>
            <Group justify="space-between" mb="sm" align="flex-end">
              <Group gap="sm" align="flex-end">
                <Select
                  label={t('dispositions.campaign')}
                  w={300}
                  value={campaignId}
                  onChange={(value) => value && setParams({ campaign: value }, { replace: true })}
                  data={campaignList.map((campaign) => ({ value: campaign.id, label: `${campaign.name} (${campaign.key})` }))}
                  searchable
                  data-testid="dispositions-campaign"
                />
                <FilterInput value={filter} onChange={setFilter} placeholder={t('dispositions.filter')} />
              </Group>
            </Group>
            <Paper withBorder radius="sm" maw={760}>
              <form
                onSubmit={(event) => {
                  event.preventDefault();
                  add();
                }}
              >
                <Group gap="xs" p="sm" align="flex-start" style={{ borderBottom: '1px solid var(--mantine-color-default-border)' }}>
                  <TextInput
                    flex={1}
                    value={newName}
                    onChange={(event) => {
                      setNewName(event.currentTarget.value);
                      setNewError(null);
                    }}
                    placeholder={t('dispositions.newPlaceholder')}
                    aria-label={t('dispositions.name')}
                    error={newError}
                    data-testid="disposition-new-name"
                  />
                  <Button type="submit" leftSection={<IconPlus size={16} />} loading={create.isPending} data-testid="disposition-add">
                    {t('common.add')}
                  </Button>
                </Group>
              </form>
              <QueryState isPending={dispositions.isPending} error={dispositions.error} onRetry={() => void dispositions.refetch()}>
                <Table className="pd-table" data-testid="dispositions-table">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>{t('dispositions.name')}</Table.Th>
                      <Table.Th w={90} aria-label={t('common.actions')} />
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {rows.length === 0 ? (
                      <EmptyRow colSpan={2} filtered={Boolean(filter)} text={filter ? undefined : t('dispositions.empty')} />
                    ) : (
                      rows.map((disposition) => <DispositionRow key={disposition.id} disposition={disposition} />)
                    )}
                  </Table.Tbody>
                </Table>
              </QueryState>
            </Paper>
          </>
        )}
      </QueryState>
    </>
  );
}

function DispositionRow({ disposition }: { disposition: Disposition }) {
  const { t } = useTranslation();
  const rename = useRenameDisposition();
  const remove = useDeleteDisposition();
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(disposition.name);
  const [error, setError] = useState<string | null>(null);

  const cancel = () => {
    setEditing(false);
    setName(disposition.name);
    setError(null);
  };

  const saveName = () => {
    const trimmed = name.trim();
    if (!trimmed) {
      setError(t('validation.required'));
      return;
    }
    if (trimmed === disposition.name) {
      cancel();
      return;
    }
    rename.mutate(
      { id: disposition.id, name: trimmed },
      {
        onSuccess: () => {
          setEditing(false);
          notifySuccess(t('dispositions.renamed'));
        },
        onError: (cause) => {
          if (isApiError(cause, 'validation_failed') || isApiError(cause, 'conflict')) {
            setError(cause.details[0]?.message ?? cause.message);
            return;
          }
          notifyError(t, cause);
        },
      },
    );
  };

  return (
    <Table.Tr data-testid={`disposition-row-${disposition.name}`}>
      <Table.Td>
        {editing ? (
          <TextInput
            size="xs"
            value={name}
            autoFocus
            error={error}
            onChange={(event) => setName(event.currentTarget.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter') {
                event.preventDefault();
                saveName();
              } else if (event.key === 'Escape') {
                event.preventDefault();
                cancel();
              }
            }}
            aria-label={t('dispositions.name')}
            data-testid="disposition-edit-name"
          />
        ) : (
          <Text size="sm">{disposition.name}</Text>
        )}
      </Table.Td>
      <Table.Td>
        <Group gap={2} wrap="nowrap" justify="flex-end">
          {editing ? (
            <>
              <Tooltip label={t('common.save')}>
                <ActionIcon color="teal" onClick={saveName} loading={rename.isPending} aria-label={t('common.save')} data-testid="disposition-save">
                  <IconCheck size={16} />
                </ActionIcon>
              </Tooltip>
              <Tooltip label={t('common.cancel')}>
                <ActionIcon onClick={cancel} aria-label={t('common.cancel')}>
                  <IconX size={16} />
                </ActionIcon>
              </Tooltip>
            </>
          ) : (
            <>
              <Tooltip label={t('common.edit')}>
                <ActionIcon onClick={() => setEditing(true)} aria-label={t('common.edit')} data-testid="disposition-edit">
                  <IconPencil size={16} stroke={1.6} />
                </ActionIcon>
              </Tooltip>
              <Tooltip label={t('common.delete')}>
                <ActionIcon
                  color="red"
                  aria-label={t('common.delete')}
                  data-testid="disposition-delete"
                  onClick={() =>
                    confirmDelete(t, {
                      name: disposition.name,
                      onConfirm: () =>
                        remove.mutate(disposition.id, {
                          onSuccess: () => notifySuccess(t('dispositions.deleted', { name: disposition.name })),
                          onError: (cause) => notifyError(t, cause),
                        }),
                    })
                  }
                >
                  <IconTrash size={16} stroke={1.6} />
                </ActionIcon>
              </Tooltip>
            </>
          )}
        </Group>
      </Table.Td>
    </Table.Tr>
  );
}
