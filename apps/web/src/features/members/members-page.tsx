import { Badge, Button, Code, Grid, Group, Loader, NumberInput, Paper, ScrollArea, Stack, Text, Tooltip } from '@mantine/core';
import { IconArrowRight, IconUserMinus, IconUserPlus } from '@tabler/icons-react';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router-dom';
import { notifyError, notifySuccess } from '../../components/notify.ts';
import { PageHeader } from '../../components/page-header.tsx';
import { QueryState } from '../../components/query-state.tsx';
import { useCampaigns } from '../campaigns/campaigns-api.ts';
import { useUsers } from '../users/users-api.ts';
import type { Member } from '@postdesk/contracts';
import { useChangeMembers, useMemberSettings, useMembersOf } from './members-api.ts';
import { SelectableList } from './selectable-list.tsx';

/** Three columns: campaigns × agents → members; Add / Remove act on every selected pair. */
export function MembersPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const campaigns = useCampaigns();
  const users = useUsers();
  const change = useChangeMembers();
  const [selectedCampaigns, setSelectedCampaigns] = useState<Set<string>>(() => {
    const preselected = params.get('campaign');
    return new Set(preselected ? [preselected] : []);
  });
  const [selectedAgents, setSelectedAgents] = useState<Set<string>>(new Set());

  const campaignList = useMemo(
    () => [...(campaigns.data ?? [])].sort((a, b) => a.name.localeCompare(b.name)),
    [campaigns.data],
  );
  const agents = useMemo(
    () => (users.data ?? []).filter((user) => user.role === 'agent').sort((a, b) => a.displayName.localeCompare(b.displayName)),
    [users.data],
  );
  const selectedCampaignIds = campaignList.filter((campaign) => selectedCampaigns.has(campaign.id)).map((c) => c.id);
  const members = useMembersOf(selectedCampaignIds);

  const act = (action: 'add' | 'remove') => {
    const campaignIds = selectedCampaignIds;
    const userIds = agents.filter((agent) => selectedAgents.has(agent.id)).map((agent) => agent.id);
    change.mutate(
      { action, campaignIds, userIds },
      {
        onSuccess: () =>
          notifySuccess(
            t(action === 'add' ? 'members.added' : 'members.removed', {
              agents: userIds.length,
              campaigns: campaignIds.length,
            }),
          ),
        onError: (error) => notifyError(t, error),
      },
    );
  };

  const canAct = selectedCampaignIds.length > 0 && selectedAgents.size > 0;

  return (
    <>
      <PageHeader title={t('members.title')} description={t('members.description')} />
      <QueryState
        isPending={campaigns.isPending || users.isPending}
        error={campaigns.error ?? users.error}
        onRetry={() => {
          void campaigns.refetch();
          void users.refetch();
        }}
      >
        <Group justify="space-between" mb="sm" wrap="nowrap">
          <Text size="sm" c={canAct ? undefined : 'dimmed'} data-testid="members-selection">
            {t('members.selection', {
              campaigns: t('members.campaignCount', { count: selectedCampaignIds.length }),
              agents: t('members.agentCount', { count: selectedAgents.size }),
            })}
          </Text>
          <Group gap="xs" wrap="nowrap">
            <Button
              leftSection={<IconUserPlus size={16} />}
              disabled={!canAct}
              loading={change.isPending && change.variables.action === 'add'}
              onClick={() => act('add')}
              data-testid="members-add"
            >
              {t('members.add')}
            </Button>
            <Button
              variant="default"
              leftSection={<IconUserMinus size={16} />}
              disabled={!canAct}
              loading={change.isPending && change.variables.action === 'remove'}
              onClick={() => act('remove')}
              data-testid="members-remove"
            >
              {t('members.remove')}
            </Button>
          </Group>
        </Group>
        <Grid gap="md" align="stretch">
          <Grid.Col span={{ base: 12, md: 4 }}>
            <SelectableList
              title={t('members.campaigns')}
              testId="members-campaigns"
              items={campaignList.map((campaign) => ({
                id: campaign.id,
                label: campaign.name,
                hint: campaign.fromAddress,
                badge: (
                  <Code fz="xs" fw={600}>
                    {campaign.key}
                  </Code>
                ),
                testId: `members-campaign-${campaign.key}`,
              }))}
              selected={selectedCampaigns}
              onChange={setSelectedCampaigns}
              emptyText={t('members.noCampaigns')}
            />
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 4 }}>
            <SelectableList
              title={t('members.agents')}
              testId="members-agents"
              items={agents.map((agent) => ({
                id: agent.id,
                label: agent.displayName || agent.username,
                hint: agent.username,
                badge: agent.enabled ? undefined : (
                  <Badge size="xs" color="gray" variant="outline">
                    {t('common.disabled')}
                  </Badge>
                ),
                testId: `members-agent-${agent.username}`,
              }))}
              selected={selectedAgents}
              onChange={setSelectedAgents}
              emptyText={t('members.noAgents')}
            />
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 4 }}>
            <Paper withBorder radius="sm" h="100%" data-testid="members-list" style={{ display: 'flex', flexDirection: 'column' }}>
              <Group gap={6} p="sm" style={{ borderBottom: '1px solid var(--mantine-color-default-border)' }}>
                <Text size="sm" fw={600} lh="22px">
                  {t('members.members')}
                </Text>
              </Group>
              <ScrollArea.Autosize mah={520} type="auto" p="sm" style={{ flex: 1 }}>
                {selectedCampaignIds.length === 0 ? (
                  <Text size="sm" c="dimmed" ta="center" py="lg">
                    {t('members.pickCampaign')}
                  </Text>
                ) : (
                  <Stack gap="md">
                    {selectedCampaignIds.map((campaignId, index) => {
                      const campaign = campaignList.find((candidate) => candidate.id === campaignId);
                      const query = members[index];
                      const list = query?.data ?? [];
                      return (
                        <div key={campaignId} data-testid={`members-of-${campaign?.key ?? campaignId}`}>
                          <Group gap={6} mb={4} wrap="nowrap">
                            <Text size="sm" fw={600} lineClamp={1}>
                              {campaign?.name}
                            </Text>
                            <Badge size="xs" variant="light" color="gray">
                              {list.length}
                            </Badge>
                            {query?.isFetching ? <Loader size={10} /> : null}
                          </Group>
                          {query?.error ? (
                            <Text size="xs" c="red">
                              {t('errors.loadFailed')}
                            </Text>
                          ) : list.length === 0 && !query?.isPending ? (
                            <Text size="xs" c="dimmed" pl="sm">
                              {t('members.none')}
                            </Text>
                          ) : (
                            <Stack gap={0}>
                              <Group gap={4} wrap="nowrap" justify="flex-end" pb={2}>
                                <Text size="10px" c="dimmed" tt="uppercase" fw={600} w={58} ta="center">
                                  {t('members.position')}
                                </Text>
                                <Text size="10px" c="dimmed" tt="uppercase" fw={600} w={58} ta="center">
                                  {t('members.penalty')}
                                </Text>
                              </Group>
                              {list.map((member) => (
                                <Group
                                  key={member.userId}
                                  gap={6}
                                  wrap="nowrap"
                                  pl="sm"
                                  py={2}
                                  data-testid={`member-${member.username}`}
                                >
                                  <IconArrowRight size={12} color="var(--mantine-color-dimmed)" />
                                  <Text
                                    size="sm"
                                    lineClamp={1}
                                    fw={selectedAgents.has(member.userId) ? 600 : undefined}
                                    c={selectedAgents.has(member.userId) ? 'var(--mantine-primary-color-filled)' : undefined}
                                  >
                                    {member.displayName || member.username}
                                  </Text>
                                  <Text size="xs" c="dimmed" ff="monospace" style={{ flex: 1 }}>
                                    {member.username}
                                  </Text>
                                  <MemberSettings member={member} />
                                </Group>
                              ))}
                            </Stack>
                          )}
                        </div>
                      );
                    })}
                  </Stack>
                )}
              </ScrollArea.Autosize>
            </Paper>
          </Grid.Col>
        </Grid>
      </QueryState>
    </>
  );
}

/** Position (linear / round-robin order) and penalty (weighted random) of one member, saved when a field loses focus. */
function MemberSettings({ member }: { member: Member }) {
  const { t } = useTranslation();
  const save = useMemberSettings();
  const commit = (field: 'position' | 'penalty', n: number) => {
    if (n === member[field]) return;
    save.mutate({ campaignId: member.campaignId, userId: member.userId, [field]: n }, { onError: (error) => notifyError(t, error) });
  };
  return (
    <Group gap={4} wrap="nowrap">
      <MemberNumber member={member} field="position" max={10_000} onCommit={commit} />
      <MemberNumber member={member} field="penalty" max={100} onCommit={commit} />
    </Group>
  );
}

function MemberNumber({
  member,
  field,
  max,
  onCommit,
}: {
  member: Member;
  field: 'position' | 'penalty';
  max: number;
  onCommit: (field: 'position' | 'penalty', n: number) => void;
}) {
  const { t } = useTranslation();
  return (
    <Tooltip label={t(`members.${field}Hint`)}>
      <NumberInput
        size="xs"
        w={58}
        min={0}
        max={max}
        allowDecimal={false}
        allowNegative={false}
        hideControls
        styles={{ input: { textAlign: 'center' } }}
        defaultValue={member[field]}
        aria-label={t(`members.${field}`)}
        data-testid={`member-${field}-${member.username}`}
        onBlur={(e) => {
          const n = Number.parseInt(e.currentTarget.value, 10);
          if (Number.isInteger(n) && n >= 0 && n <= max) onCommit(field, n);
        }}
      />
    </Tooltip>
  );
}
