import { ActionIcon, Badge, Drawer, Group, Menu, Modal, Paper, ScrollArea, SimpleGrid, Stack, Table, Text, UnstyledButton } from '@mantine/core';
import { IconDotsVertical, IconEye, IconInfoCircle, IconLogout, IconPlayerPause, IconPlayerPlay } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { threadSchema, type LiveAgent, type WaitingItem } from '@postdesk/contracts';
import { apiRequest } from '../../app/api.ts';
import { liveKeys } from '../../app/realtime.tsx';
import { EmptyRow } from '../../components/empty-row.tsx';
import { formatDuration } from '../../components/format-duration.ts';
import { notifyError } from '../../components/notify.ts';
import { QueryState } from '../../components/query-state.tsx';
import { useNow } from '../../components/relative-time.tsx';
import { TruncatedText } from '../../components/truncated-text.tsx';
import { MessageCard } from '../workspace/message-card.tsx';
import { pauseReasonLabel } from './pause-reason-label.ts';
import { useAgentInfo, useAgentInteractions, usePauseReasons, useSetAgentPresence } from './routing-api.ts';

/** The mail in the queue now, longest on hold first; the time on hold ticks between pushes. */
export function WaitingTable({ rows }: { rows: WaitingItem[] }) {
  const { t } = useTranslation();
  const now = useNow(1_000);
  return (
    <Paper withBorder>
      <ScrollArea.Autosize mah={360}>
        <Table striped highlightOnHover verticalSpacing={6} data-testid="waiting-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('live.customer')}</Table.Th>
              <Table.Th>{t('live.subject')}</Table.Th>
              <Table.Th>{t('live.campaign')}</Table.Th>
              <Table.Th ta="right">{t('live.onHold')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((w) => (
              <Table.Tr key={w.interactionId} data-testid={`waiting-row-${w.interactionId}`} data-state={w.state}>
                <Table.Td>
                  <TruncatedText size="sm" maw={260} text={w.customerName ? `${w.customerName} <${w.customerAddress}>` : w.customerAddress} />
                </Table.Td>
                <Table.Td>
                  <Group gap={6} wrap="nowrap">
                    <TruncatedText size="sm" maw={320} text={w.subject} />
                    {w.stickyAgent ? (
                      <Badge size="xs" variant="outline" color="grape">
                        {t('live.sticky', { name: w.stickyAgent })}
                      </Badge>
                    ) : null}
                    {w.transferred ? (
                      <Badge size="xs" variant="outline" color="orange">
                        {t('live.transferred')}
                      </Badge>
                    ) : null}
                    {w.state === 'offered' ? (
                      <Badge size="xs" variant="light">
                        {t('live.offeredCount', { count: 1 })}
                      </Badge>
                    ) : null}
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Badge size="sm" variant="light">
                    {w.campaignKey}
                  </Badge>
                </Table.Td>
                <Table.Td ta="right">
                  <Text size="sm" ff="monospace">
                    {formatDuration(Math.max(0, (now - Date.parse(w.queuedAt)) / 1000))}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
            {rows.length === 0 ? <EmptyRow colSpan={4} text={t('live.noWaiting')} /> : null}
          </Table.Tbody>
        </Table>
      </ScrollArea.Autosize>
    </Paper>
  );
}

/** The actions on one agent: pause with a reason or unpause, info, spy, log out. */
export function AgentActions({ agent, onLogout }: { agent: LiveAgent; onLogout: () => void }) {
  const { t } = useTranslation();
  const reasons = usePauseReasons();
  const setPresence = useSetAgentPresence();
  const [info, setInfo] = useState(false);
  const [spy, setSpy] = useState(false);
  const set = (state: 'available' | 'paused', pauseReasonId?: string) =>
    setPresence.mutate({ userId: agent.userId, state, pauseReasonId }, { onError: (error) => notifyError(t, error) });
  return (
    <>
      {/* no focus back to the button: the confirm, info and spy dialogs opened from an item trap focus themselves */}
      <Menu position="bottom-end" withinPortal returnFocus={false}>
        <Menu.Target>
          <ActionIcon variant="subtle" color="gray" size="sm" aria-label={t('live.actions')} data-testid={`actions-${agent.username}`}>
            <IconDotsVertical size={16} />
          </ActionIcon>
        </Menu.Target>
        <Menu.Dropdown>
          {agent.state === 'paused' ? (
            <Menu.Item leftSection={<IconPlayerPlay size={14} />} onClick={() => set('available')} data-testid={`unpause-${agent.username}`}>
              {t('live.unpause')}
            </Menu.Item>
          ) : null}
          {agent.state !== 'offline' ? (
            <>
              <Menu.Label>{t('live.pauseWith')}</Menu.Label>
              {(reasons.data ?? [])
                .filter((r) => !(agent.state === 'paused' && agent.pauseReason === r.name))
                .map((r) => (
                  <Menu.Item key={r.id} leftSection={<IconPlayerPause size={14} />} onClick={() => set('paused', r.id)} data-testid={`pause-${agent.username}-${r.name}`}>
                    {pauseReasonLabel(t, r.name)}
                  </Menu.Item>
                ))}
              <Menu.Divider />
            </>
          ) : null}
          <Menu.Item leftSection={<IconInfoCircle size={14} />} onClick={() => setInfo(true)} data-testid={`info-${agent.username}`}>
            {t('live.info')}
          </Menu.Item>
          <Menu.Item leftSection={<IconEye size={14} />} onClick={() => setSpy(true)} data-testid={`spy-${agent.username}`}>
            {t('live.spy')}
          </Menu.Item>
          {agent.state !== 'offline' || agent.connected ? (
            <Menu.Item color="red" leftSection={<IconLogout size={14} />} onClick={onLogout} data-testid={`logout-${agent.username}`}>
              {t('live.logout')}
            </Menu.Item>
          ) : null}
        </Menu.Dropdown>
      </Menu>
      {info ? <AgentInfoModal agent={agent} onClose={() => setInfo(false)} /> : null}
      {spy ? <SpyDrawer agent={agent} onClose={() => setSpy(false)} /> : null}
    </>
  );
}

function AgentInfoModal({ agent, onClose }: { agent: LiveAgent; onClose: () => void }) {
  const { t } = useTranslation();
  const info = useAgentInfo(agent.userId);
  const d = info.data;
  return (
    <Modal opened onClose={onClose} title={agent.displayName} data-testid="agent-info">
      <QueryState isPending={info.isPending} error={d ? null : info.error} onRetry={() => void info.refetch()}>
        {d ? (
          <Stack gap="sm">
            <SimpleGrid cols={2} spacing="xs">
              <Text size="sm" c="dimmed">{t('users.username')}</Text>
              <Text size="sm">{d.username}</Text>
              <Text size="sm" c="dimmed">{t('live.email')}</Text>
              <Text size="sm">{d.email ?? '–'}</Text>
              <Text size="sm" c="dimmed">{t('live.state')}</Text>
              <Text size="sm">{d.state === 'paused' && d.pauseReason ? pauseReasonLabel(t, d.pauseReason) : t(`presence.${d.state}`)}</Text>
              <Text size="sm" c="dimmed">{t('live.campaigns')}</Text>
              <Group gap={4}>
                {d.campaigns.map((c) => (
                  <Badge key={c.id} size="xs" variant="light">
                    {c.key}
                  </Badge>
                ))}
              </Group>
            </SimpleGrid>
            <Text fw={600} size="sm">
              {t('live.today')}
            </Text>
            <SimpleGrid cols={3} spacing="xs">
              <Stat label={t('live.completed')} value={d.today.completed} testId="info-completed" />
              <Stat label={t('live.active')} value={d.today.active} />
              <Stat label={t('live.pending')} value={d.today.pending} />
            </SimpleGrid>
          </Stack>
        ) : null}
      </QueryState>
    </Modal>
  );
}

function Stat({ label, value, testId }: { label: string; value: number; testId?: string }) {
  return (
    <Paper withBorder p="xs">
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text size="lg" fw={700} ff="monospace" data-testid={testId}>
        {value}
      </Text>
    </Paper>
  );
}

/** Spy: the agent's open interactions and, for the chosen one, its thread — read only. */
function SpyDrawer({ agent, onClose }: { agent: LiveAgent; onClose: () => void }) {
  const { t } = useTranslation();
  const list = useAgentInteractions(agent.userId);
  const [chosen, setChosen] = useState<number | null>(null);
  return (
    <Drawer opened onClose={onClose} position="right" size="xl" title={t('live.spyTitle', { name: agent.displayName })} data-testid="spy-drawer">
      <Stack gap="sm">
        <QueryState isPending={list.isPending} error={list.data ? null : list.error} onRetry={() => void list.refetch()}>
          <Stack gap={4}>
            {(list.data ?? []).map((i) => (
              <UnstyledButton key={i.id} onClick={() => setChosen(i.id)} data-testid={`spy-item-${i.id}`}>
                <Paper withBorder p="xs" bg={chosen === i.id ? 'var(--mantine-color-blue-light)' : undefined}>
                  <Group gap={6} wrap="nowrap">
                    <Badge size="xs" variant="light">
                      {i.campaignKey}
                    </Badge>
                    <TruncatedText size="sm" fw={600} maw={260} text={i.subject} />
                    <TruncatedText size="xs" c="dimmed" maw={220} text={i.customerAddress} />
                  </Group>
                </Paper>
              </UnstyledButton>
            ))}
            {list.data?.length === 0 ? (
              <Text size="sm" c="dimmed">
                {t('live.noOpen')}
              </Text>
            ) : null}
          </Stack>
        </QueryState>
        {chosen !== null ? <SpyThread interactionId={chosen} /> : <Text size="sm" c="dimmed">{t('live.chooseInteraction')}</Text>}
      </Stack>
    </Drawer>
  );
}

function SpyThread({ interactionId }: { interactionId: number }) {
  // under the queues' key: a push about the campaign re-reads it
  const thread = useQuery({
    queryKey: [...liveKeys.queues, 'spy-thread', interactionId] as const,
    queryFn: () => apiRequest(`/api/interactions/${interactionId}`, threadSchema),
  });
  const [open, setOpen] = useState<Set<number>>(new Set());
  const toggle = (id: number) => setOpen((s) => {
    const next = new Set(s);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    return next;
  });
  return (
    <QueryState isPending={thread.isPending} error={thread.data ? null : thread.error} onRetry={() => void thread.refetch()}>
      <Stack gap="xs" data-testid="spy-thread">
        {(thread.data?.messages ?? []).map((m, i, all) => (
          <MessageCard
            key={m.id}
            message={m}
            open={open.has(m.id) || i === all.length - 1}
            onToggle={() => toggle(m.id)}
            onAnswer={() => undefined}
            onRetry={() => undefined}
            canAnswer={false}
          />
        ))}
      </Stack>
    </QueryState>
  );
}
