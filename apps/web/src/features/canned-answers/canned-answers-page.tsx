import {
  ActionIcon,
  Badge,
  Button,
  Group,
  Modal,
  Paper,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Tooltip,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconPencil, IconPlus, IconTrash, IconWorld } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../../app/api.ts';
import type { CannedAnswer, Campaign } from '@postdesk/contracts';
import { can } from '../../app/policy.ts';
import { confirmDelete } from '../../components/confirm.ts';
import { EmptyRow } from '../../components/empty-row.tsx';
import { FilterInput, matchesFilter } from '../../components/filter-input.tsx';
import { splitFieldErrors } from '../../components/form-errors.ts';
import { submitOnModEnter } from '../../components/keyboard.ts';
import { notifyError, notifySuccess } from '../../components/notify.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { QueryState } from '../../components/query-state.tsx';
import { useCurrentUser } from '../auth/session.ts';
import { useCampaigns } from '../campaigns/campaigns-api.ts';
import { useCannedAnswers, useDeleteCannedAnswer, useSaveCannedAnswer } from './canned-answers-api.ts';

const ALL = '__all__';

/** The blended list of canned answers: global ones (globe icon) and per-campaign ones (campaign key). */
export function CannedAnswersPage() {
  const { t } = useTranslation();
  const user = useCurrentUser();
  const manage = can(user.role, 'cannedAnswers.manage');
  const campaigns = useCampaigns();
  const [campaignId, setCampaignId] = useState<string>(ALL);
  const answers = useCannedAnswers(campaignId === ALL ? null : campaignId);
  const remove = useDeleteCannedAnswer();
  const [filter, setFilter] = useState('');
  const [editing, setEditing] = useState<CannedAnswer | null>(null);
  const [formOpen, setFormOpen] = useState(false);
  const campaignList = campaigns.data ?? [];

  const rows = (answers.data ?? []).filter((answer) => matchesFilter(filter, answer.name, answer.text));
  const open = (answer: CannedAnswer | null) => {
    setEditing(answer);
    setFormOpen(true);
  };

  return (
    <>
      <PageHeader
        title={t('canned.title')}
        description={manage ? t('canned.description') : t('canned.descriptionReadOnly')}
        actions={
          manage ? (
            <Button leftSection={<IconPlus size={16} />} onClick={() => open(null)} data-testid="canned-create">
              {t('canned.create')}
            </Button>
          ) : null
        }
      />
      <Group justify="space-between" mb="sm">
        <Group gap="sm">
          <FilterInput value={filter} onChange={setFilter} placeholder={t('canned.filter')} />
          <Select
            w={260}
            value={campaignId}
            onChange={(value) => setCampaignId(value ?? ALL)}
            data={[
              { value: ALL, label: t('canned.allAnswers') },
              ...campaignList.map((campaign) => ({ value: campaign.id, label: `${campaign.name} (${campaign.key})` })),
            ]}
            aria-label={t('canned.campaignFilter')}
            searchable
            data-testid="canned-campaign-filter"
          />
        </Group>
        <Text size="xs" c="dimmed">
          {campaignId !== ALL ? t('canned.blendedHint') : null}
        </Text>
      </Group>
      <QueryState isPending={answers.isPending} error={answers.error} onRetry={() => void answers.refetch()}>
        <Paper withBorder radius="sm">
          <Table className="pd-table" data-testid="canned-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={110}>{t('canned.scope')}</Table.Th>
                <Table.Th w={220}>{t('canned.name')}</Table.Th>
                <Table.Th>{t('canned.text')}</Table.Th>
                {manage ? <Table.Th w={80} aria-label={t('common.actions')} /> : null}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.length === 0 ? (
                <EmptyRow colSpan={manage ? 4 : 3} filtered={Boolean(filter)} />
              ) : (
                rows.map((answer) => (
                  <Table.Tr key={answer.id} data-testid={`canned-row-${answer.name}`}>
                    <Table.Td>
                      <ScopeBadge campaignId={answer.campaignId} campaigns={campaignList} />
                    </Table.Td>
                    <Table.Td fw={500}>{answer.name}</Table.Td>
                    <Table.Td>
                      <Text size="sm" lineClamp={2} c="dimmed" style={{ whiteSpace: 'pre-line' }}>
                        {answer.text}
                      </Text>
                    </Table.Td>
                    {manage ? (
                      <Table.Td>
                        <Group gap={2} wrap="nowrap" justify="flex-end">
                          <Tooltip label={t('common.edit')}>
                            <ActionIcon onClick={() => open(answer)} aria-label={t('common.edit')} data-testid="canned-edit">
                              <IconPencil size={16} stroke={1.6} />
                            </ActionIcon>
                          </Tooltip>
                          <Tooltip label={t('common.delete')}>
                            <ActionIcon
                              color="red"
                              aria-label={t('common.delete')}
                              data-testid="canned-delete"
                              onClick={() =>
                                confirmDelete(t, {
                                  name: answer.name,
                                  onConfirm: () =>
                                    remove.mutate(answer.id, {
                                      onSuccess: () => notifySuccess(t('canned.deleted')),
                                      onError: (error) => notifyError(t, error),
                                    }),
                                })
                              }
                            >
                              <IconTrash size={16} stroke={1.6} />
                            </ActionIcon>
                          </Tooltip>
                        </Group>
                      </Table.Td>
                    ) : null}
                  </Table.Tr>
                ))
              )}
            </Table.Tbody>
          </Table>
        </Paper>
      </QueryState>
      {manage ? (
        <CannedAnswerModal
          opened={formOpen}
          answer={editing}
          campaigns={campaignList}
          defaultCampaignId={campaignId === ALL ? null : campaignId}
          onClose={() => setFormOpen(false)}
        />
      ) : null}
    </>
  );
}

function ScopeBadge({ campaignId, campaigns }: { campaignId: string | null; campaigns: readonly Campaign[] }) {
  const { t } = useTranslation();
  if (campaignId === null) {
    return (
      <Tooltip label={t('canned.globalHint')}>
        <Badge
          variant="light"
          color="gray"
          size="sm"
          leftSection={<IconWorld size={12} />}
          data-testid="canned-scope-global"
         
        >
          {t('canned.global')}
        </Badge>
      </Tooltip>
    );
  }
  const campaign = campaigns.find((candidate) => candidate.id === campaignId);
  return (
    <Tooltip label={campaign?.name ?? campaignId}>
      <Badge variant="light" size="sm" ff="monospace" data-testid="canned-scope-campaign">
        {campaign?.key ?? '?'}
      </Badge>
    </Tooltip>
  );
}

function CannedAnswerModal({
  opened,
  answer,
  campaigns,
  defaultCampaignId,
  onClose,
}: {
  opened: boolean;
  answer: CannedAnswer | null;
  campaigns: readonly Campaign[];
  defaultCampaignId: string | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  return (
    <Modal opened={opened} onClose={onClose} title={answer ? t('canned.editTitle') : t('canned.createTitle')} size="lg">
      {opened ? (
        <CannedAnswerForm
          key={answer?.id ?? 'new'}
          answer={answer}
          campaigns={campaigns}
          defaultCampaignId={defaultCampaignId}
          onDone={onClose}
        />
      ) : null}
    </Modal>
  );
}

function CannedAnswerForm({
  answer,
  campaigns,
  defaultCampaignId,
  onDone,
}: {
  answer: CannedAnswer | null;
  campaigns: readonly Campaign[];
  defaultCampaignId: string | null;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const save = useSaveCannedAnswer();
  const form = useForm({
    initialValues: {
      name: answer?.name ?? '',
      text: answer?.text ?? '',
      campaignId: answer ? (answer.campaignId ?? ALL) : (defaultCampaignId ?? ALL),
    },
    validate: {
      name: (value) => (value.trim() ? null : t('validation.required')),
      text: (value) => (value.trim() ? null : t('validation.required')),
    },
  });

  const submit = form.onSubmit((values) =>
    save.mutate(
      { id: answer?.id ?? null, input: { name: values.name.trim(), text: values.text, campaignId: values.campaignId === ALL ? null : values.campaignId } },
      {
        onSuccess: () => {
          notifySuccess(t('canned.saved'));
          onDone();
        },
        onError: (error) => {
          if (isApiError(error, 'validation_failed')) {
            const split = splitFieldErrors(error.details, (path) => ['name', 'text', 'campaignId'].includes(path));
            form.setErrors(split.fieldErrors);
            if (split.otherErrors.length === 0) return;
          }
          notifyError(t, error);
        },
      },
    ),
  );

  return (
    <form onSubmit={submit} onKeyDown={submitOnModEnter} noValidate data-testid="canned-form">
      <Stack gap="sm">
        <TextInput label={t('canned.name')} required data-autofocus data-testid="canned-name" {...form.getInputProps('name')} />
        <Select
          label={t('canned.campaign')}
          description={t('canned.campaignHint')}
          data={[
            { value: ALL, label: t('canned.globalOption') },
            ...campaigns.map((campaign) => ({ value: campaign.id, label: `${campaign.name} (${campaign.key})` })),
          ]}
          searchable
          data-testid="canned-campaign"
          {...form.getInputProps('campaignId')}
          onChange={(value) => form.setFieldValue('campaignId', value ?? ALL)}
        />
        <Textarea
          label={t('canned.text')}
          description={t('canned.textHint')}
          required
          autosize
          minRows={5}
          maxRows={14}
          data-testid="canned-text"
          {...form.getInputProps('text')}
        />
        <Group justify="flex-end" gap="xs" mt="xs">
          <Button variant="default" onClick={onDone}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" loading={save.isPending} data-testid="canned-save">
            {answer ? t('common.save') : t('common.create')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
