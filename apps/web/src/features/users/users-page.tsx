import { Badge, Button, Group, Paper, Switch, Table, Tabs, Text, Tooltip, ActionIcon } from '@mantine/core';
import { IconKey, IconPencil, IconPlus, IconUsers } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import type { User } from '@postdesk/contracts';
import { FilterInput, matchesFilter } from '../../components/filter-input.tsx';
import { notifyError, notifySuccess } from '../../components/notify.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { QueryState } from '../../components/query-state.tsx';
import { EmptyRow } from '../../components/empty-row.tsx';
import { useCurrentUser } from '../auth/session.ts';
import { RoleBadge } from './role-badge.tsx';
import { TokensPanel } from './tokens-panel.tsx';
import { UserFormModal } from './user-form-modal.tsx';
import { useUpdateUser, useUsers } from './users-api.ts';

/** Users and API tokens, one tab each. */
export function UsersPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const tab = params.get('tab') === 'tokens' ? 'tokens' : 'users';
  return (
    <>
      <PageHeader title={t('users.title')} description={t('users.description')} />
      <Tabs
        value={tab}
        onChange={(value) => setParams(value === 'tokens' ? { tab: 'tokens' } : {}, { replace: true })}
        keepMounted={false}
      >
        <Tabs.List mb="md">
          <Tabs.Tab value="users" leftSection={<IconUsers size={15} />} data-testid="users-tab-users">
            {t('users.tabUsers')}
          </Tabs.Tab>
          <Tabs.Tab value="tokens" leftSection={<IconKey size={15} />} data-testid="users-tab-tokens">
            {t('tokens.tab')}
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="users">
          <UsersPanel />
        </Tabs.Panel>
        <Tabs.Panel value="tokens">
          <TokensPanel />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}

function UsersPanel() {
  const { t } = useTranslation();
  const me = useCurrentUser();
  const users = useUsers();
  const update = useUpdateUser();
  const [filter, setFilter] = useState('');
  const [editing, setEditing] = useState<User | null>(null);
  const [formOpen, setFormOpen] = useState(false);

  const openForm = (user: User | null) => {
    setEditing(user);
    setFormOpen(true);
  };

  const toggleEnabled = (user: User, enabled: boolean) => {
    update.mutate(
      { id: user.id, input: { enabled } },
      {
        onSuccess: () => notifySuccess(t(enabled ? 'users.enabledNotice' : 'users.disabledNotice', { username: user.username })),
        onError: (error) => notifyError(t, error),
      },
    );
  };

  const rows = (users.data ?? []).filter((user) =>
    matchesFilter(filter, user.username, user.displayName, user.email, t(`roles.${user.role}`)),
  );

  return (
    <>
      <Group justify="space-between" mb="sm">
        <FilterInput value={filter} onChange={setFilter} placeholder={t('users.filter')} />
        <Button leftSection={<IconPlus size={16} />} onClick={() => openForm(null)} data-testid="user-create">
          {t('users.create')}
        </Button>
      </Group>
      <QueryState isPending={users.isPending} error={users.error} onRetry={() => void users.refetch()}>
        <Paper withBorder radius="sm">
          <Table className="pd-table" data-testid="users-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('users.username')}</Table.Th>
                <Table.Th>{t('users.displayName')}</Table.Th>
                <Table.Th>{t('users.email')}</Table.Th>
                <Table.Th>{t('users.role')}</Table.Th>
                <Table.Th>{t('users.language')}</Table.Th>
                <Table.Th w={90}>{t('users.enabled')}</Table.Th>
                <Table.Th w={56} aria-label={t('common.actions')} />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.length === 0 ? (
                <EmptyRow colSpan={7} filtered={Boolean(filter)} />
              ) : (
                rows.map((user) => (
                  <Table.Tr key={user.id} data-testid={`user-row-${user.username}`} opacity={user.enabled ? 1 : 0.6}>
                    <Table.Td>
                      <Group gap={6} wrap="nowrap">
                        <Text size="sm" fw={500} ff="monospace">
                          {user.username}
                        </Text>
                        {user.id === me.id ? (
                          <Badge size="xs" variant="outline" color="gray">
                            {t('users.you')}
                          </Badge>
                        ) : null}
                      </Group>
                    </Table.Td>
                    <Table.Td>{user.displayName}</Table.Td>
                    <Table.Td>
                      {user.email ?? (
                        <Text span c="dimmed" size="sm">
                          —
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <RoleBadge role={user.role} />
                    </Table.Td>
                    <Table.Td>{t(`languages.${user.language}`)}</Table.Td>
                    <Table.Td>
                      <Switch
                        checked={user.enabled}
                        disabled={user.id === me.id}
                        onChange={(event) => toggleEnabled(user, event.currentTarget.checked)}
                        aria-label={t('users.enabledToggle', { username: user.username })}
                        data-testid="user-enabled-toggle"
                      />
                    </Table.Td>
                    <Table.Td>
                      <Tooltip label={t('common.edit')}>
                        <ActionIcon onClick={() => openForm(user)} aria-label={t('common.edit')} data-testid="user-edit">
                          <IconPencil size={16} stroke={1.6} />
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
      <UserFormModal user={editing} opened={formOpen} onClose={() => setFormOpen(false)} />
    </>
  );
}
