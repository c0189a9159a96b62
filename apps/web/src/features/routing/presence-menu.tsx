import { Button, Group, Menu, Text } from '@mantine/core';
import { IconChevronDown, IconCoffee, IconPlayerPlay, IconPower } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import type { PresenceState } from '@postdesk/contracts';
import { notifyError } from '../../components/notify.ts';
import { StatusDot } from '../../components/status-dot.tsx';
import { pauseReasonLabel } from './pause-reason-label.ts';
import { usePauseReasons, usePresence, useSetPresence } from './routing-api.ts';

/** Palette colour of each presence, shared by the header and the supervisor's list. */
export const PRESENCE_COLOR: Record<PresenceState, string> = { available: 'teal', paused: 'yellow', offline: 'gray' };

/** The agent's presence in the header: available, paused with a reason, or offline. */
export function PresenceMenu() {
  const { t } = useTranslation();
  const presence = usePresence();
  const reasons = usePauseReasons();
  const setPresence = useSetPresence();
  const state = presence.data?.state ?? 'offline';
  const change = (body: { state: PresenceState; pauseReasonId?: string }) =>
    setPresence.mutate(body, { onError: (error) => notifyError(t, error) });
  const label = state === 'paused' && presence.data?.pauseReason ? pauseReasonLabel(t, presence.data.pauseReason) : t(`presence.${state}`);

  return (
    <Menu position="bottom-end" width={220} shadow="md" withinPortal>
      <Menu.Target>
        <Button
          variant="default"
          size="compact-sm"
          data-testid="presence-menu"
          data-state={state}
          loading={setPresence.isPending}
          rightSection={<IconChevronDown size={14} />}
          aria-label={t('presence.change')}
        >
          <Group gap={6} wrap="nowrap">
            <StatusDot color={PRESENCE_COLOR[state]} />
            <Text size="sm" span maw={140} truncate>
              {label}
            </Text>
          </Group>
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Item leftSection={<IconPlayerPlay size={16} />} data-testid="presence-available" onClick={() => change({ state: 'available' })}>
          {t('presence.available')}
        </Menu.Item>
        <Menu.Label>{t('presence.pauseWith')}</Menu.Label>
        {(reasons.data ?? []).map((reason) => (
          <Menu.Item
            key={reason.id}
            leftSection={<IconCoffee size={16} />}
            data-testid={`presence-pause-${reason.name}`}
            onClick={() => change({ state: 'paused', pauseReasonId: reason.id })}
          >
            {pauseReasonLabel(t, reason.name)}
          </Menu.Item>
        ))}
        {reasons.data?.length === 0 ? <Menu.Item disabled>{t('presence.noReasons')}</Menu.Item> : null}
        <Menu.Divider />
        <Menu.Item leftSection={<IconPower size={16} />} data-testid="presence-offline" onClick={() => change({ state: 'offline' })}>
          {t('presence.offline')}
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}
