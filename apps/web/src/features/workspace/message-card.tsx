import { ActionIcon, Anchor, Badge, Box, Button, Group, Image, Paper, Rating, Stack, Text, Tooltip, UnstyledButton } from '@mantine/core';
import { IconArrowBackUp, IconArrowForwardUp, IconDownload, IconPaperclip, IconRefresh } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import type { ComposeMode, ThreadMessage } from '@postdesk/contracts';
import { formatBytes } from '../../components/format-bytes.ts';
import { formatDateTime } from '../../components/relative-time.tsx';
import { TruncatedText } from '../../components/truncated-text.tsx';
import { MessageFrame } from './message-frame.tsx';

const OUTBOX_COLOURS: Record<string, string> = { queued: 'gray', sending: 'blue', retrying: 'orange', held: 'orange', sent: 'teal', failed: 'red' };

const who = (name: string, address: string): string => (name ? `${name} <${address}>` : address);

/** One message of a thread: collapsed to a line of text, or open with its body, files, state and rating. */
export function MessageCard({
  message,
  open,
  onToggle,
  onAnswer,
  onRetry,
  canAnswer,
}: {
  message: ThreadMessage;
  open: boolean;
  onToggle: () => void;
  onAnswer: (mode: ComposeMode, parentId: number) => void;
  onRetry: (messageId: number) => void;
  canAnswer: boolean;
}) {
  const { t, i18n } = useTranslation();
  const m = message;
  const outbound = m.direction === 'outbound';
  const files = m.attachments.filter((a) => !a.inline || !a.previewable);
  const images = m.attachments.filter((a) => a.previewable && !a.inline);
  return (
    <Paper withBorder p="sm" radius="md" data-testid={`message-${m.id}`} bg={outbound ? 'var(--mantine-color-blue-light)' : undefined}>
      <UnstyledButton onClick={onToggle} w="100%" aria-expanded={open}>
        <Group justify="space-between" wrap="nowrap" gap="xs">
          <Group gap={6} wrap="nowrap" miw={0}>
            <Badge size="xs" variant={outbound ? 'filled' : 'light'} color={outbound ? 'blue' : 'gray'}>
              {t(`desk.direction.${m.direction}`)}
            </Badge>
            <TruncatedText fw={600} size="sm" text={outbound && m.sentBy ? `${m.sentBy} · ${who(m.fromName, m.fromAddress)}` : who(m.fromName, m.fromAddress)} />
            {m.kind !== 'customer' && m.kind !== 'agent' ? (
              <Badge size="xs" variant="outline" color="gray">
                {t(`desk.kind.${m.kind}`, { defaultValue: m.kind })}
              </Badge>
            ) : null}
          </Group>
          <Group gap={6} wrap="nowrap">
            {m.attachments.length ? <IconPaperclip size={14} aria-label={t('desk.hasFiles')} /> : null}
            {m.outbox ? (
              <Tooltip label={m.outbox.error ?? t(`desk.outbox.${m.outbox.state}`, { defaultValue: m.outbox.state })} multiline maw={360}>
                <Badge size="xs" color={OUTBOX_COLOURS[m.outbox.state] ?? 'gray'} data-testid={`outbox-${m.id}`}>
                  {t(`desk.outbox.${m.outbox.state}`, { defaultValue: m.outbox.state })}
                </Badge>
              </Tooltip>
            ) : null}
            <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
              {formatDateTime(m.date, i18n.language)}
            </Text>
          </Group>
        </Group>
        {!open ? (
          <Text size="sm" c="dimmed" lineClamp={1} mt={4}>
            {m.snippet}
          </Text>
        ) : null}
      </UnstyledButton>
      {open ? (
        <Stack gap="xs" mt="xs">
          <Text size="xs" c="dimmed">
            {t('desk.to')}: {m.to.map((a) => who(a.name ?? '', a.address)).join(', ')}
            {m.cc.length ? ` · ${t('desk.cc')}: ${m.cc.map((a) => who(a.name ?? '', a.address)).join(', ')}` : ''}
          </Text>
          <MessageFrame messageId={m.id} html={m.hasHtml} snippet={m.snippet} />
          {images.length ? (
            <Group gap="xs">
              {images.map((a) => (
                <Anchor key={a.partPath} href={`/api/messages/${m.id}/attachments/${encodeURIComponent(a.partPath)}`} download>
                  <Image src={`/api/messages/${m.id}/attachments/${encodeURIComponent(a.partPath)}?inline=1`} alt={a.filename} h={72} w="auto" radius="sm" />
                </Anchor>
              ))}
            </Group>
          ) : null}
          {files.length ? (
            <Group gap="xs" data-testid={`files-${m.id}`}>
              {files.map((a) => (
                <Button
                  key={a.partPath}
                  component="a"
                  href={`/api/messages/${m.id}/attachments/${encodeURIComponent(a.partPath)}`}
                  download
                  size="compact-xs"
                  variant="default"
                  leftSection={<IconDownload size={12} />}
                >
                  <Box component="span" maw={220} style={{ overflow: 'hidden', textOverflow: 'ellipsis' }}>
                    {a.filename}
                  </Box>
                  <Text span size="xs" c="dimmed" ml={6}>
                    {formatBytes(a.size, i18n.language)}
                  </Text>
                </Button>
              ))}
            </Group>
          ) : null}
          <Group justify="space-between">
            <Group gap="xs">
              {outbound && m.rating !== null ? (
                <Group gap={4}>
                  <Text size="xs" c="dimmed">
                    {t('desk.rating')}
                  </Text>
                  <Rating value={m.rating} readOnly size="xs" data-testid={`rating-${m.id}`} />
                </Group>
              ) : null}
              {m.outbox?.state === 'failed' ? (
                <Button size="compact-xs" color="red" variant="light" leftSection={<IconRefresh size={12} />} onClick={() => onRetry(m.id)}>
                  {t('desk.retry')}
                </Button>
              ) : null}
            </Group>
            <Group gap={4}>
              <Tooltip label={t('desk.downloadEml')}>
                <ActionIcon component="a" href={`/api/messages/${m.id}/eml`} download variant="subtle" size="sm" aria-label={t('desk.downloadEml')} data-testid={`eml-${m.id}`}>
                  <IconDownload size={16} />
                </ActionIcon>
              </Tooltip>
              {canAnswer ? (
                <>
                <Tooltip label={t('desk.mode.reply')}>
                  <ActionIcon variant="subtle" size="sm" onClick={() => onAnswer('reply', m.id)} aria-label={t('desk.mode.reply')}>
                    <IconArrowBackUp size={16} />
                  </ActionIcon>
                </Tooltip>
                <Tooltip label={t('desk.mode.forward')}>
                  <ActionIcon variant="subtle" size="sm" onClick={() => onAnswer('forward', m.id)} aria-label={t('desk.mode.forward')}>
                    <IconArrowForwardUp size={16} />
                  </ActionIcon>
                </Tooltip>
                </>
              ) : null}
            </Group>
          </Group>
        </Stack>
      ) : null}
    </Paper>
  );
}
