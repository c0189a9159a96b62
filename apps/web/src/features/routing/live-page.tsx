import {
  ActionIcon,
  Badge,
  Button,
  Group,
  Paper,
  Progress,
  RingProgress,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Tooltip,
} from '@mantine/core';
import { IconPlugConnected, IconPlugConnectedX, IconPlus, IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { LiveAgent, QueueFigures, ThresholdColour } from '@postdesk/contracts';
import { can } from '../../app/policy.ts';
import { useRealtimeConnected } from '../../app/realtime.tsx';
import { confirmAction } from '../../components/confirm.ts';
import { EmptyRow } from '../../components/empty-row.tsx';
import { pauseReasonLabel } from './pause-reason-label.ts';
import { formatDuration } from '../../components/format-duration.ts';
import { notifyError } from '../../components/notify.ts';
import { LiveIndicator } from '../../components/live-indicator.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { QueryState } from '../../components/query-state.tsx';
import { useNow } from '../../components/relative-time.tsx';
import { StatusDot } from '../../components/status-dot.tsx';
import { TruncatedText } from '../../components/truncated-text.tsx';
import { useCurrentUser } from '../auth/session.ts';
import { PRESENCE_COLOR } from './presence-menu.tsx';
import { AgentActions, WaitingTable } from './monitor-parts.tsx';
import { useCreatePauseReason, useDeletePauseReason, useLiveAgents, useLogoutAgent, usePauseReasons, useQueueFigures, useWaiting } from './routing-api.ts';

const COLOUR: Record<ThresholdColour, string> = { ok: 'teal', warn: 'yellow', bad: 'red' };

/** The supervisor's live view: every queue against its thresholds, every agent and their state. */
export function LivePage() {
  const { t } = useTranslation();
  const user = useCurrentUser();
  const connected = useRealtimeConnected();
  const queues = useQueueFigures();
  const agents = useLiveAgents();
  // one campaign or every one the supervisor sees
  const [campaignId, setCampaignId] = useState<string | null>(null);
  const waiting = useWaiting(campaignId);
  const chosen = queues.data?.find((q) => q.campaignId === campaignId) ?? null;
  const queueRows = (queues.data ?? []).filter((q) => !chosen || q === chosen);
  const agentRows = (agents.data ?? []).filter((a) => !chosen || a.campaignKeys.includes(chosen.campaignKey));
  return (
    <>
      <PageHeader
        title={t('live.title')}
        description={t('live.description')}
        actions={
          <Group gap="sm">
            <Select
              size="xs"
              w={220}
              aria-label={t('live.filterLabel')}
              placeholder={t('live.filterAll')}
              clearable
              data={(queues.data ?? []).map((q) => ({ value: q.campaignId, label: `${q.campaignKey} · ${q.campaignName}` }))}
              value={campaignId}
              onChange={setCampaignId}
              data-testid="live-campaign-filter"
            />
            <LiveIndicator testId="live-state" paused={!connected} label={connected ? t('live.live') : t('live.reconnecting')} />
          </Group>
        }
      />
      <Stack gap="lg">
        <QueryState isPending={queues.isPending} error={queues.data ? null : queues.error} onRetry={() => void queues.refetch()}>
          <QueueTable rows={queueRows} />
        </QueryState>
        <Stack gap="xs">
          <Text fw={600} size="sm">
            {t('live.waitingMail')}
          </Text>
          <QueryState isPending={waiting.isPending} error={waiting.data ? null : waiting.error} onRetry={() => void waiting.refetch()}>
            <WaitingTable rows={waiting.data ?? []} />
          </QueryState>
        </Stack>
        <SimpleGrid cols={{ base: 1, xl: can(user.role, 'users.manage') ? 3 : 1 }} spacing="lg">
          <Stack gap="xs" style={{ gridColumn: can(user.role, 'users.manage') ? 'span 2' : undefined }}>
            <Text fw={600} size="sm">
              {t('live.agents')}
            </Text>
            <QueryState isPending={agents.isPending} error={agents.data ? null : agents.error} onRetry={() => void agents.refetch()}>
              <AgentTable rows={agentRows} />
            </QueryState>
          </Stack>
          {can(user.role, 'users.manage') ? <PauseReasons /> : null}
        </SimpleGrid>
      </Stack>
    </>
  );
}

function Figure({ value, colour, testId }: { value: string; colour: ThresholdColour; testId?: string }) {
  return (
    <Text size="sm" ff="monospace" fw={colour === 'ok' ? 400 : 700} c={colour === 'ok' ? undefined : COLOUR[colour]} data-testid={testId} data-colour={colour}>
      {value}
    </Text>
  );
}

function QueueTable({ rows }: { rows: QueueFigures[] }) {
  const { t } = useTranslation();
  return (
    <Paper withBorder>
      <Table striped highlightOnHover verticalSpacing={6} data-testid="queue-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('live.campaign')}</Table.Th>
            <Table.Th ta="right">{t('live.waiting')}</Table.Th>
            <Table.Th ta="right">{t('live.longestWait')}</Table.Th>
            <Table.Th ta="center">{t('live.serviceLevel')}</Table.Th>
            <Table.Th ta="right">{t('live.answered')}</Table.Th>
            <Table.Th ta="right">{t('live.dropout')}</Table.Th>
            <Table.Th ta="right">{t('live.avgAnswer')}</Table.Th>
            <Table.Th ta="right">{t('live.avgHandling')}</Table.Th>
            <Table.Th w={180}>{t('live.team')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((q) => {
            const team = q.agents.available + q.agents.busy + q.agents.paused + q.agents.offline;
            const share = (n: number) => (team > 0 ? (n / team) * 100 : 0);
            return (
              <Table.Tr key={q.campaignId} data-testid={`queue-row-${q.campaignKey}`}>
                <Table.Td>
                  <Group gap={8} wrap="nowrap">
                    <Badge variant="light" size="sm">
                      {q.campaignKey}
                    </Badge>
                    <TruncatedText size="sm" maw={220} text={q.campaignName} />
                    {q.open ? null : (
                      <Badge size="xs" color="gray" variant="outline">
                        {t('live.closed')}
                      </Badge>
                    )}
                  </Group>
                  {q.sendingHeld ? (
                    // on a line of its own: the campaign's name and state keep their room
                    <Tooltip label={q.sendingHeld.response} multiline maw={360}>
                      <Badge size="xs" color="red" variant="light" mt={4} data-testid={`sending-held-${q.campaignKey}`}>
                        {t('live.sendingHeld', { count: q.sendingHeld.waiting })}
                      </Badge>
                    </Tooltip>
                  ) : null}
                </Table.Td>
                <Table.Td ta="right">
                  <Text size="sm" ff="monospace" fw={q.waiting > 0 ? 700 : 400} data-testid={`waiting-${q.campaignKey}`}>
                    {q.waiting}
                    {q.offered > 0 ? (
                      <Text span size="xs" c="dimmed">
                        {' '}
                        ({t('live.offeredCount', { count: q.offered })})
                      </Text>
                    ) : null}
                  </Text>
                </Table.Td>
                <Table.Td ta="right">
                  <Figure value={formatDuration(q.waiting ? q.longestWaitSec : null)} colour={q.colours.longestWait} testId={`longest-${q.campaignKey}`} />
                </Table.Td>
                <Table.Td>
                  <Group justify="center">
                    <Tooltip label={t('live.serviceLevelHint', { seconds: q.serviceLevelSec, within: q.acceptedWithinSl, total: q.accepted })}>
                      <RingProgress
                        size={38}
                        thickness={4}
                        roundCaps
                        sections={[{ value: q.serviceLevelPct ?? 0, color: COLOUR[q.colours.serviceLevel] }]}
                        label={
                          <Text size="9px" ta="center" fw={700}>
                            {q.serviceLevelPct === null ? '–' : `${Math.round(q.serviceLevelPct)}%`}
                          </Text>
                        }
                      />
                    </Tooltip>
                  </Group>
                </Table.Td>
                <Table.Td ta="right">
                  <Text size="sm" ff="monospace">
                    {q.accepted}
                  </Text>
                </Table.Td>
                <Table.Td ta="right">
                  <Figure value={q.dropoutPct === null ? '–' : `${q.dropoutPct}% (${q.abandoned})`} colour={q.colours.dropout} />
                </Table.Td>
                <Table.Td ta="right">
                  <Figure value={formatDuration(q.avgAnswerSec)} colour={q.colours.serviceLevel} />
                </Table.Td>
                <Table.Td ta="right">
                  <Figure value={formatDuration(q.avgHandlingSec)} colour={q.colours.handling} />
                </Table.Td>
                <Table.Td>
                  <Tooltip
                    label={t('live.teamHint', { available: q.agents.available, busy: q.agents.busy, paused: q.agents.paused, offline: q.agents.offline })}
                  >
                    <Progress.Root size={10}>
                      <Progress.Section value={share(q.agents.available)} color="teal" />
                      <Progress.Section value={share(q.agents.busy)} color="blue" />
                      <Progress.Section value={share(q.agents.paused)} color="yellow" />
                      <Progress.Section value={share(q.agents.offline)} color="gray.4" />
                    </Progress.Root>
                  </Tooltip>
                </Table.Td>
              </Table.Tr>
            );
          })}
          {rows.length === 0 ? <EmptyRow colSpan={9} text={t('live.noQueues')} /> : null}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}

function AgentTable({ rows }: { rows: LiveAgent[] }) {
  const { t } = useTranslation();
  const now = useNow(1_000);
  const logout = useLogoutAgent();
  const ask = (agent: LiveAgent) =>
    confirmAction(t, {
      testId: 'confirm-logout',
      title: t('live.logoutTitle', { name: agent.displayName }),
      message: t('live.logoutText'),
      confirmLabel: t('live.logout'),
      onConfirm: () => logout.mutate(agent.userId, { onError: (error) => notifyError(t, error) }),
    });
  return (
    <Paper withBorder>
      <Table striped highlightOnHover verticalSpacing={6} data-testid="agent-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('live.agent')}</Table.Th>
            <Table.Th>{t('live.state')}</Table.Th>
            <Table.Th ta="right">{t('live.timeInState')}</Table.Th>
            <Table.Th ta="right">{t('live.load')}</Table.Th>
            <Table.Th ta="right">{t('live.completedToday')}</Table.Th>
            <Table.Th>{t('live.campaigns')}</Table.Th>
            <Table.Th w={70} />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((a) => (
            <Table.Tr key={a.userId} data-testid={`agent-row-${a.username}`} data-state={a.state}>
              <Table.Td>
                <Group gap={6} wrap="nowrap">
                  <Tooltip label={a.connected ? t('live.connected') : t('live.notConnected')}>
                    {a.connected ? <IconPlugConnected size={14} color="var(--mantine-color-teal-6)" /> : <IconPlugConnectedX size={14} color="var(--mantine-color-gray-5)" />}
                  </Tooltip>
                  <TruncatedText size="sm" maw={200} text={a.displayName} />
                </Group>
              </Table.Td>
              <Table.Td>
                <Group gap={6} wrap="nowrap">
                  <StatusDot color={a.busy ? 'red' : a.state === 'available' && a.active > 0 ? 'blue' : PRESENCE_COLOR[a.state]} />
                  <Text size="sm" data-testid={`agent-state-${a.username}`}>
                    {a.busy ? t('live.busy') : a.state === 'paused' && a.pauseReason ? `${t('presence.paused')} · ${pauseReasonLabel(t, a.pauseReason)}` : t(`presence.${a.state}`)}
                  </Text>
                </Group>
              </Table.Td>
              <Table.Td ta="right">
                <Text size="sm" ff="monospace" c="dimmed">
                  {a.since ? formatDuration((now - Date.parse(a.since)) / 1000) : '–'}
                </Text>
              </Table.Td>
              <Table.Td ta="right">
                <Text size="sm" ff="monospace">
                  {a.active}
                  {a.pending > 0 ? (
                    <Text span size="xs" c="dimmed">
                      {' '}
                      +{a.pending}
                    </Text>
                  ) : null}
                </Text>
              </Table.Td>
              <Table.Td ta="right">
                <Text size="sm" ff="monospace" data-testid={`completed-${a.username}`}>
                  {a.completedToday}
                </Text>
              </Table.Td>
              <Table.Td>
                <Group gap={4}>
                  {a.campaignKeys.map((k) => (
                    <Badge key={k} size="xs" variant="light">
                      {k}
                    </Badge>
                  ))}
                </Group>
              </Table.Td>
              <Table.Td>
                <AgentActions agent={a} onLogout={() => ask(a)} />
              </Table.Td>
            </Table.Tr>
          ))}
          {rows.length === 0 ? <EmptyRow colSpan={7} text={t('live.noAgents')} /> : null}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}

/** The break types agents pause with (admins). */
function PauseReasons() {
  const { t } = useTranslation();
  const reasons = usePauseReasons();
  const create = useCreatePauseReason();
  const remove = useDeletePauseReason();
  const [name, setName] = useState('');
  const add = () => {
    const trimmed = name.trim();
    if (!trimmed) return;
    create.mutate(trimmed, { onSuccess: () => setName(''), onError: (error) => notifyError(t, error) });
  };
  return (
    <Stack gap="xs">
      <Text fw={600} size="sm">
        {t('live.pauseReasons')}
      </Text>
      <Paper withBorder p="sm">
        <Stack gap={6}>
          {(reasons.data ?? []).map((r) => (
            <Group key={r.id} justify="space-between" wrap="nowrap">
              <TruncatedText size="sm" text={pauseReasonLabel(t, r.name)} />
              <ActionIcon variant="subtle" color="gray" size="sm" aria-label={t('common.delete')} onClick={() => remove.mutate(r.id, { onError: (e) => notifyError(t, e) })}>
                <IconTrash size={14} />
              </ActionIcon>
            </Group>
          ))}
          {reasons.data?.length === 0 ? (
            <Text size="sm" c="dimmed">
              {t('presence.noReasons')}
            </Text>
          ) : null}
          <Group gap="xs" wrap="nowrap" mt={4}>
            <TextInput
              size="xs"
              flex={1}
              placeholder={t('live.newReason')}
              value={name}
              maxLength={60}
              onChange={(e) => setName(e.currentTarget.value)}
              onKeyDown={(e) => e.key === 'Enter' && add()}
              data-testid="new-pause-reason"
            />
            <Button size="xs" leftSection={<IconPlus size={14} />} onClick={add} loading={create.isPending}>
              {t('common.add')}
            </Button>
          </Group>
        </Stack>
      </Paper>
    </Stack>
  );
}
