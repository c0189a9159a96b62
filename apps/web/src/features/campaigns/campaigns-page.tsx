import { ActionIcon, Anchor, Badge, Button, Code, Group, Loader, Menu, Paper, Table, Text, Tooltip } from '@mantine/core';
import {
  IconCircleCheck,
  IconCircleOff,
  IconDots,
  IconPencil,
  IconPlus,
  IconRefresh,
  IconTrash,
  IconUsersGroup,
} from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router-dom';
import type { Campaign } from '@postdesk/contracts';
import { can } from '../../app/policy.ts';
import { confirmDelete } from '../../components/confirm.ts';
import { EmptyRow } from '../../components/empty-row.tsx';
import { FilterInput, matchesFilter } from '../../components/filter-input.tsx';
import { notifyError, notifyFailure, notifySuccess } from '../../components/notify.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { QueryState } from '../../components/query-state.tsx';
import { useCurrentUser } from '../auth/session.ts';
import { useCampaigns, useDeleteCampaign, useVerifyCampaign } from './campaigns-api.ts';
import { ConnectionBadges, connectionErrorTitle, withoutProtocolPrefix } from './connection-badges.tsx';

/** All campaigns with their live connection state; admins act on them, others only read. */
export function CampaignsPage() {
  const { t } = useTranslation();
  const user = useCurrentUser();
  const manage = can(user.role, 'campaigns.manage');
  const campaigns = useCampaigns();
  const [filter, setFilter] = useState('');

  const rows = (campaigns.data ?? []).filter((campaign) =>
    matchesFilter(filter, campaign.name, campaign.key, campaign.fromAddress, campaign.fromName),
  );

  return (
    <>
      <PageHeader
        title={t('campaigns.title')}
        description={manage ? t('campaigns.description') : t('campaigns.descriptionReadOnly')}
        actions={
          manage ? (
            <Button component={Link} to="/campaigns/new" leftSection={<IconPlus size={16} />} data-testid="campaign-create">
              {t('campaigns.create')}
            </Button>
          ) : null
        }
      />
      <Group justify="space-between" mb="sm">
        <FilterInput value={filter} onChange={setFilter} placeholder={t('campaigns.filter')} />
        <Text size="xs" c="dimmed">
          {t('campaigns.count', { count: rows.length })}
        </Text>
      </Group>
      <QueryState isPending={campaigns.isPending} error={campaigns.error} onRetry={() => void campaigns.refetch()}>
        <Paper withBorder radius="sm">
          <Table className="pd-table" data-testid="campaigns-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('campaigns.columns.name')}</Table.Th>
                <Table.Th>{t('campaigns.columns.key')}</Table.Th>
                <Table.Th>{t('campaigns.columns.sender')}</Table.Th>
                <Table.Th>{t('campaigns.columns.enabled')}</Table.Th>
                <Table.Th>{t('campaigns.columns.receive')}</Table.Th>
                {manage ? (
                  <>
                    <Table.Th>{t('campaigns.columns.inbound')}</Table.Th>
                    <Table.Th>{t('campaigns.columns.connection')}</Table.Th>
                    <Table.Th w={120} aria-label={t('common.actions')} />
                  </>
                ) : null}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.length === 0 ? (
                <EmptyRow
                  colSpan={manage ? 8 : 5}
                  filtered={Boolean(filter)}
                  text={filter ? undefined : manage ? t('campaigns.empty') : t('campaigns.emptyAgent')}
                />
              ) : (
                rows.map((campaign) => <CampaignRow key={campaign.id} campaign={campaign} manage={manage} />)
              )}
            </Table.Tbody>
          </Table>
        </Paper>
      </QueryState>
    </>
  );
}

function YesNo({ value, testId }: { value: boolean; testId: string }) {
  const { t } = useTranslation();
  return value ? (
    <Group gap={4} wrap="nowrap" data-testid={testId} data-value="true">
      <IconCircleCheck size={16} color="var(--mantine-color-teal-filled)" stroke={1.8} />
      <Text size="sm">{t('common.yes')}</Text>
    </Group>
  ) : (
    <Group gap={4} wrap="nowrap" data-testid={testId} data-value="false">
      <IconCircleOff size={16} color="var(--mantine-color-dimmed)" stroke={1.6} />
      <Text size="sm" c="dimmed">
        {t('common.no')}
      </Text>
    </Group>
  );
}

function CampaignRow({ campaign, manage }: { campaign: Campaign; manage: boolean }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const verify = useVerifyCampaign();
  const remove = useDeleteCampaign();

  const runVerify = () =>
    verify.mutate(campaign.id, {
      onSuccess: ({ connections }) => {
        const failed = connections.filter((connection) => !connection.ok);
        if (failed.length === 0) notifySuccess(t('campaigns.verifyOk', { name: campaign.name }));
        else
          notifyFailure(
            t('campaigns.verifyFailed', { name: campaign.name }),
            failed
              .map((f) => `${t(`protocols.${f.protocol}`)}: ${connectionErrorTitle(t, f.code)}${f.message ? ` (${withoutProtocolPrefix(f.message)})` : ''}`)
              .join(' · '),
          );
      },
      onError: (error) => notifyError(t, error),
    });

  return (
    <Table.Tr data-testid={`campaign-row-${campaign.key}`} data-campaign-id={campaign.id}>
      <Table.Td>
        {manage ? (
          <Anchor component={Link} to={`/campaigns/${campaign.id}`} size="sm" fw={500} data-testid="campaign-link">
            {campaign.name}
          </Anchor>
        ) : (
          <Text size="sm" fw={500}>
            {campaign.name}
          </Text>
        )}
        {campaign.description ? (
          <Text size="xs" c="dimmed" lineClamp={1} maw={320}>
            {campaign.description}
          </Text>
        ) : null}
      </Table.Td>
      <Table.Td>
        <Code fw={600}>{campaign.key}</Code>
      </Table.Td>
      <Table.Td>
        <Text size="sm" lineClamp={1}>
          {campaign.fromName}
        </Text>
        <Text size="xs" c="dimmed" lineClamp={1}>
          {campaign.fromAddress}
        </Text>
      </Table.Td>
      <Table.Td>
        <YesNo value={campaign.enabled} testId="campaign-enabled" />
      </Table.Td>
      <Table.Td>
        <YesNo value={campaign.receiveEmails} testId="campaign-receive" />
      </Table.Td>
      {manage ? (
        <>
      <Table.Td>
        {campaign.inbound ? (
          <Badge variant="default" size="sm" radius="sm" data-testid="campaign-inbound-protocol">
            {t(`protocols.${campaign.inbound.protocol}`)}
          </Badge>
        ) : null}
      </Table.Td>
      <Table.Td>
        {campaign.inbound ? (
          <ConnectionBadges protocols={[campaign.inbound.protocol, 'smtp']} connections={campaign.connections ?? []} />
        ) : null}
        {campaign.oauth && campaign.oauth.state !== 'sign_in_needed' ? (
          // who signed in, and for which mailbox when it differs (a Microsoft 365 shared mailbox, Google delegation)
          <Text size="xs" c="dimmed" lineClamp={2} maw={260} data-testid="campaign-oauth">
            {campaign.inbound && campaign.inbound.username.toLowerCase() !== campaign.oauth.email.toLowerCase()
              ? t('oauth.signedInForMailbox', { email: campaign.oauth.email, mailbox: campaign.inbound.username })
              : t('oauth.signedInShort', { email: campaign.oauth.email })}
          </Text>
        ) : null}
        {campaign.oauth?.state === 'sign_in_needed' ? (
          // the OAuth2 grant is gone: mail and sending wait until an admin signs in again on the mail account
          <Anchor component={Link} to={`/campaigns/${encodeURIComponent(campaign.id)}?tab=mail`} size="xs" c="red.8" fw={600} display="block" data-testid="campaign-sign-in-again">
            {t('oauth.signInAgainFor', { email: campaign.oauth.email })}
          </Anchor>
        ) : null}
      </Table.Td>
        <Table.Td>
          <Group gap={2} wrap="nowrap" justify="flex-end">
            <Tooltip label={t('campaigns.verifyNow')}>
              <ActionIcon
                onClick={runVerify}
                disabled={verify.isPending}
                aria-label={t('campaigns.verifyNow')}
                data-testid="verify-button"
                data-busy={verify.isPending ? 'true' : 'false'}
              >
                {verify.isPending ? <Loader size={14} /> : <IconRefresh size={16} stroke={1.6} />}
              </ActionIcon>
            </Tooltip>
            <Tooltip label={t('common.edit')}>
              <ActionIcon
                component={Link}
                to={`/campaigns/${campaign.id}`}
                aria-label={t('common.edit')}
                data-testid="campaign-edit"
              >
                <IconPencil size={16} stroke={1.6} />
              </ActionIcon>
            </Tooltip>
            <Menu position="bottom-end" withinPortal shadow="md">
              <Menu.Target>
                <ActionIcon aria-label={t('common.more')} data-testid="campaign-menu">
                  <IconDots size={16} stroke={1.6} />
                </ActionIcon>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Item
                  leftSection={<IconUsersGroup size={15} stroke={1.6} />}
                  onClick={() => void navigate(`/members?campaign=${encodeURIComponent(campaign.id)}`)}
                  data-testid="campaign-members"
                >
                  {t('campaigns.members')}
                </Menu.Item>
                <Menu.Divider />
                <Menu.Item
                  color="red"
                  leftSection={<IconTrash size={15} stroke={1.6} />}
                  data-testid="campaign-delete"
                  onClick={() =>
                    confirmDelete(t, {
                      name: campaign.name,
                      onConfirm: () =>
                        remove.mutate(campaign.id, {
                          onSuccess: () => notifySuccess(t('campaigns.deleted', { name: campaign.name })),
                          onError: (error) => notifyError(t, error),
                        }),
                    })
                  }
                >
                  {t('common.delete')}
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Table.Td>
        </>
      ) : null}
    </Table.Tr>
  );
}
