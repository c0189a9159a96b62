import {
  ActionIcon,
  Alert,
  Button,
  Code,
  CopyButton,
  Group,
  Modal,
  Paper,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Tooltip,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconCheck, IconCopy, IconPlus, IconShieldLock, IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { roleSchema } from '@postdesk/contracts';
import { confirmDelete } from '../../components/confirm.ts';
import { EmptyRow } from '../../components/empty-row.tsx';
import { FilterInput, matchesFilter } from '../../components/filter-input.tsx';
import { submitOnModEnter } from '../../components/keyboard.ts';
import { notifyError, notifySuccess } from '../../components/notify.ts';
import { QueryState } from '../../components/query-state.tsx';
import { RelativeTime } from '../../components/relative-time.tsx';
import { RoleBadge } from './role-badge.tsx';
import { useCreateToken, useRevokeToken, useTokens } from './users-api.ts';

/** API tokens: list, create (secret shown once), revoke. */
export function TokensPanel() {
  const { t } = useTranslation();
  const tokens = useTokens();
  const revoke = useRevokeToken();
  const [filter, setFilter] = useState('');
  const [createOpen, setCreateOpen] = useState(false);

  const rows = (tokens.data ?? []).filter((token) => matchesFilter(filter, token.name, token.prefix, token.owner.username, token.owner.displayName));

  return (
    <>
      <Group justify="space-between" mb="sm">
        <FilterInput value={filter} onChange={setFilter} placeholder={t('tokens.filter')} />
        <Button leftSection={<IconPlus size={16} />} onClick={() => setCreateOpen(true)} data-testid="token-create">
          {t('tokens.create')}
        </Button>
      </Group>
      <QueryState isPending={tokens.isPending} error={tokens.error} onRetry={() => void tokens.refetch()}>
        <Paper withBorder radius="sm">
          <Table className="pd-table" data-testid="tokens-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('tokens.name')}</Table.Th>
                <Table.Th>{t('tokens.owner')}</Table.Th>
                <Table.Th>{t('tokens.role')}</Table.Th>
                <Table.Th>{t('tokens.prefix')}</Table.Th>
                <Table.Th>{t('tokens.created')}</Table.Th>
                <Table.Th>{t('tokens.lastUsed')}</Table.Th>
                <Table.Th w={56} aria-label={t('common.actions')} />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.length === 0 ? (
                <EmptyRow colSpan={7} filtered={Boolean(filter)} />
              ) : (
                rows.map((token) => (
                  <Table.Tr key={token.id} data-testid={`token-row-${token.name}`}>
                    <Table.Td fw={500}>{token.name}</Table.Td>
                    <Table.Td>
                      <Text span size="sm">
                        {token.owner.displayName}
                      </Text>{' '}
                      <Text span size="sm" c="dimmed">
                        ({token.owner.username})
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <RoleBadge role={token.role} />
                    </Table.Td>
                    <Table.Td>
                      <Code>{token.prefix}…</Code>
                    </Table.Td>
                    <Table.Td>
                      <RelativeTime iso={token.createdAt} size="sm" />
                    </Table.Td>
                    <Table.Td>
                      {token.lastUsedAt ? (
                        <RelativeTime iso={token.lastUsedAt} size="sm" />
                      ) : (
                        <Text span size="sm" c="dimmed">
                          {t('common.never')}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Tooltip label={t('tokens.revoke')}>
                        <ActionIcon
                          color="red"
                          aria-label={t('tokens.revoke')}
                          data-testid="token-revoke"
                          onClick={() =>
                            confirmDelete(t, {
                              name: token.name,
                              onConfirm: () =>
                                revoke.mutate(token.id, {
                                  onSuccess: () => notifySuccess(t('tokens.revoked')),
                                  onError: (error) => notifyError(t, error),
                                }),
                            })
                          }
                        >
                          <IconTrash size={16} stroke={1.6} />
                        </ActionIcon>
                      </Tooltip>
                    </Table.Td>
                  </Table.Tr>
                ))
              )}
            </Table.Tbody>
          </Table>
        </Paper>
      </QueryState>
      <CreateTokenModal opened={createOpen} onClose={() => setCreateOpen(false)} />
    </>
  );
}

function CreateTokenModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const create = useCreateToken();
  const [secret, setSecret] = useState<string | null>(null);
  const form = useForm({
    initialValues: { name: '', role: 'agent' },
    validate: { name: (value) => (value.trim() ? null : t('validation.required')) },
  });

  const close = () => {
    setSecret(null);
    form.reset();
    create.reset();
    onClose();
  };

  const submit = form.onSubmit((values) => {
    const role = roleSchema.safeParse(values.role);
    if (!role.success) return;
    create.mutate(
      { name: values.name.trim(), role: role.data },
      { onSuccess: (result) => setSecret(result.token), onError: (error) => notifyError(t, error) },
    );
  });

  return (
    <Modal opened={opened} onClose={close} title={t('tokens.createTitle')} size="lg">
      {secret ? (
        <Stack gap="sm" data-testid="token-created">
          <Alert color="yellow" variant="light" icon={<IconShieldLock size={18} />} p="sm">
            {t('tokens.showOnce')}
          </Alert>
          <Group gap="xs" wrap="nowrap">
            <TextInput
              value={secret}
              readOnly
              flex={1}
              ff="monospace"
              onFocus={(event) => event.currentTarget.select()}
              aria-label={t('tokens.secret')}
              data-testid="token-secret"
              styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
            />
            <CopyButton value={secret}>
              {({ copied, copy }) => (
                <Button
                  onClick={copy}
                  color={copied ? 'teal' : undefined}
                  variant={copied ? 'light' : 'filled'}
                  leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
                  data-testid="token-copy"
                  miw={110}
                >
                  {copied ? t('common.copied') : t('common.copy')}
                </Button>
              )}
            </CopyButton>
          </Group>
          <Group justify="flex-end">
            <Button variant="default" onClick={close} data-testid="token-done">
              {t('common.done')}
            </Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit} onKeyDown={submitOnModEnter} noValidate>
          <Stack gap="sm">
            <TextInput
              label={t('tokens.name')}
              description={t('tokens.nameHint')}
              required
              data-autofocus
              data-testid="token-name"
              {...form.getInputProps('name')}
            />
            <Select
              label={t('tokens.role')}
              description={t('tokens.roleHint')}
              data={roleSchema.options.map((role) => ({ value: role, label: t(`roles.${role}`) }))}
              data-testid="token-role"
              {...form.getInputProps('role')}
            />
            <Group justify="flex-end" gap="xs" mt="sm">
              <Button variant="default" onClick={close}>
                {t('common.cancel')}
              </Button>
              <Button type="submit" loading={create.isPending} data-testid="token-submit">
                {t('common.create')}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
