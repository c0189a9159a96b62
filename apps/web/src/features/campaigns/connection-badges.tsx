import { Badge, Group, Stack, Text, Tooltip } from '@mantine/core';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { Connection, Protocol } from '@postdesk/contracts';
import { formatDateTime, formatRelativeTime, useNow } from '../../components/relative-time.tsx';
import { StatusDot } from '../../components/status-dot.tsx';

/** The three states a connection badge can show. */
export type ConnectionState = 'ok' | 'failed' | 'unknown';

/** ok / failed from the last check, unknown when never checked. */
export function connectionState(connection: Connection | undefined): ConnectionState {
  if (!connection) return 'unknown';
  return connection.ok ? 'ok' : 'failed';
}

/** The server prefixes its messages with the protocol ("IMAP: …"); the UI already shows it beside them. */
export function withoutProtocolPrefix(message: string): string {
  return message.replace(/^(IMAP|POP3|SMTP):\s*/i, '');
}

const CONNECTION_ERROR_CODES = [
  'auth_failed',
  'auth_unavailable',
  'connection_refused',
  'host_not_found',
  'timeout',
  'tls_failed',
  'tls_expected',
  'starttls_unavailable',
  'mailbox_not_found',
  'protocol_error',
] as const;
type ConnectionErrorCode = (typeof CONNECTION_ERROR_CODES)[number];
const isConnectionErrorCode = (code: string | null | undefined): code is ConnectionErrorCode =>
  (CONNECTION_ERROR_CODES as readonly (string | null | undefined)[]).includes(code);

/**
 * What went wrong with a mail connection, in the user's language, from the
 * check's code; the server's own sentence (English, naming the host, the user
 * and what the mail server said) is shown beside it as the detail.
 */
export function connectionErrorTitle(t: TFunction, code: string | null | undefined): string {
  return isConnectionErrorCode(code) ? t(`connectionErrors.${code}`) : t('connectionErrors.unknown');
}

const COLORS: Record<ConnectionState, string> = { ok: 'teal', failed: 'red', unknown: 'gray' };

/** One badge per protocol in use: green ok, red failed (reason on hover), grey never checked. */
export function ConnectionBadges({
  protocols,
  connections,
}: {
  protocols: readonly Protocol[];
  connections: readonly Connection[];
}) {
  return (
    <Group gap={4} wrap="nowrap">
      {protocols.map((protocol) => (
        <ConnectionBadge
          key={protocol}
          protocol={protocol}
          connection={connections.find((candidate) => candidate.protocol === protocol)}
        />
      ))}
    </Group>
  );
}

function ConnectionBadge({ protocol, connection }: { protocol: Protocol; connection: Connection | undefined }) {
  const { t, i18n } = useTranslation();
  const now = useNow();
  const state = connectionState(connection);
  const label = (
    <Stack gap={2}>
      <Text size="xs" fw={600}>
        {t(`campaigns.connection.${state}`, { protocol: t(`protocols.${protocol}`) })}
      </Text>
      {connection && !connection.ok ? (
        <Text size="xs" fw={600} data-testid="connection-error-title">
          {connectionErrorTitle(t, connection.code)}
        </Text>
      ) : null}
      {connection && !connection.ok && connection.message ? (
        <Text size="xs" data-testid="connection-error-message">
          {withoutProtocolPrefix(connection.message)}
        </Text>
      ) : null}
      {connection?.hold ? (
        <Text size="xs" fw={600} data-testid="connection-hold">
          {t('campaigns.connection.held', { count: connection.hold.waiting })}{' '}
          {connection.hold.retryAt
            ? t('campaigns.connection.heldRetry', { when: formatRelativeTime(connection.hold.retryAt, now, i18n.language) })
            : t('campaigns.connection.heldForAdmin')}
        </Text>
      ) : null}
      {connection ? (
        <Text size="xs" c="dimmed" title={formatDateTime(connection.checkedAt, i18n.language)}>
          {t('campaigns.connection.checked', { when: formatRelativeTime(connection.checkedAt, now, i18n.language) })}
        </Text>
      ) : null}
    </Stack>
  );
  return (
    <Tooltip label={label} openDelay={100}>
      <Badge
        color={COLORS[state]}
        variant={state === 'unknown' ? 'outline' : 'light'}
        size="sm"
        radius="sm"
        tabIndex={0}
        leftSection={<StatusDot color={COLORS[state]} />}
        data-testid={`connection-badge-${protocol}`}
        data-state={state}
        data-held={connection?.hold ? 'true' : undefined}
        aria-label={t(`campaigns.connection.${state}`, { protocol: t(`protocols.${protocol}`) })}
        styles={{ root: { cursor: 'default' } }}
      >
        {t(`protocols.${protocol}`)}
        {connection?.hold ? ` · ${t('campaigns.connection.heldShort', { count: connection.hold.waiting })}` : ''}
      </Badge>
    </Tooltip>
  );
}
