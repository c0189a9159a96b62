import { Badge, Stack, Text, Tooltip } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Mailbox, MailboxState } from '@postdesk/contracts';
import { formatDateTime, formatRelativeTime, useNow } from '../../components/relative-time.tsx';
import { StatusDot } from '../../components/status-dot.tsx';

/** Green running, blue/grey on the way, yellow retrying by itself, red waiting for a person. */
export const STATE_COLORS: Record<MailboxState, string> = {
  connected: 'teal',
  connecting: 'blue',
  idle: 'gray',
  backoff: 'yellow',
  needs_attention: 'red',
  stopped: 'gray',
};

/** The reader state of one mailbox; backoff counts down to the next attempt, the reason is on hover. */
export function MailboxStateBadge({ mailbox }: { mailbox: Mailbox }) {
  const { t, i18n } = useTranslation();
  // Ticks often enough that "retrying in 40 seconds" does not lie for long.
  const now = useNow(5_000);
  const { state, nextAttemptAt } = mailbox;
  const label =
    state === 'backoff'
      ? nextAttemptAt
        ? t('mailboxes.states.backoff', { when: formatRelativeTime(nextAttemptAt, now, i18n.language) })
        : t('mailboxes.states.backoffSoon')
      : t(`mailboxes.states.${state}`);
  const tooltip = (
    <Stack gap={2}>
      <Text size="xs">{t(`mailboxes.stateHints.${state}`)}</Text>
      {state === 'backoff' && nextAttemptAt ? (
        <Text size="xs" c="dimmed">
          {t('mailboxes.nextAttempt', { time: formatDateTime(nextAttemptAt, i18n.language) })}
        </Text>
      ) : null}
    </Stack>
  );
  return (
    <Tooltip label={tooltip} openDelay={150}>
      <Badge
        color={STATE_COLORS[state]}
        variant={state === 'stopped' ? 'outline' : 'light'}
        size="sm"
        maw="100%"
        tabIndex={0}
        leftSection={<StatusDot color={STATE_COLORS[state]} />}
        data-testid={`mailbox-state-${mailbox.campaignKey}`}
        data-state={state}
        styles={{ root: { cursor: 'default' } }}
      >
        {label}
      </Badge>
    </Tooltip>
  );
}
