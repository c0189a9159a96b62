import { Anchor, Badge, Button, Group, Menu, Modal, Paper, ScrollArea, Select, Stack, Text, Textarea, Title, Tooltip } from '@mantine/core';
import { getHotkeyHandler, useHotkeys } from '@mantine/hooks';
import { IconArrowBackUp, IconArrowsExchange, IconArrowForwardUp, IconCheck, IconMailFilled, IconNote } from '@tabler/icons-react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { z } from 'zod';
import { apiRequest } from '../../app/api.ts';
import { liveKeys } from '../../app/realtime.tsx';
import type { ComposeMode, Thread } from '@postdesk/contracts';
import { notifyError, notifySuccess } from '../../components/notify.ts';
import { QueryState } from '../../components/query-state.tsx';
import { formatDateTime } from '../../components/relative-time.tsx';
import { useDispositions } from '../dispositions/dispositions-api.ts';
import { Composer } from './composer.tsx';
import { MessageCard } from './message-card.tsx';
import { markRead, setDisposing, useAddNote, useCloseInteraction, useMarkUnread, useRetry, useThread, useTransfer } from './workspace-api.ts';

const transferTargetsSchema = z.object({
  agents: z.array(z.object({ userId: z.string(), displayName: z.string(), state: z.string() })),
  campaigns: z.array(z.object({ id: z.string(), key: z.string(), name: z.string() })),
});

/**
 * An interaction as the agent works it: the customer, the conversation, notes,
 * and the answer being written. `onClosed` runs once the agent has closed it
 * (the desk moves on to the next one), `onLeave` once they marked it as
 * unread (the desk leaves it, or opening it would read it again).
 */
export function ThreadView({ interactionId, onClosed, onLeave }: { interactionId: number; onClosed?: (id: number) => void; onLeave?: () => void }) {
  const thread = useThread(interactionId);
  return (
    <QueryState isPending={thread.isPending} error={thread.error} onRetry={() => void thread.refetch()}>
      {thread.data ? <ThreadBody key={interactionId} thread={thread.data} onClosed={onClosed} onLeave={onLeave} /> : null}
    </QueryState>
  );
}

function ThreadBody({ thread, onClosed, onLeave }: { thread: Thread; onClosed: ((id: number) => void) | undefined; onLeave: (() => void) | undefined }) {
  const { t, i18n } = useTranslation();
  const it = thread.interaction;
  const last = thread.messages.at(-1);
  const [open, setOpen] = useState<Set<number>>(() => new Set(thread.messages.slice(-2).map((m) => m.id)));
  const [compose, setCompose] = useState<{ mode: ComposeMode; parentId?: number } | null>(thread.draft ? { mode: thread.draft.mode } : null);
  const [closing, setClosing] = useState(false);
  const retry = useRetry();
  const unread = useMarkUnread();
  const canAnswer = it.status === 'open' && it.mine;
  const canMarkUnread = canAnswer && it.markAsUnread;
  // once marked unread, this view must not read it again (the refreshed thread arrives before the desk leaves it)
  const keptUnread = useRef(false);
  const markUnread = () => {
    if (!canMarkUnread) return;
    keptUnread.current = true;
    unread.mutate(it.id, {
      onSuccess: () => onLeave?.(),
      onError: (error) => {
        keptUnread.current = false;
        notifyError(t, error);
      },
    });
  };

  // New messages open as they arrive.
  useEffect(() => {
    if (last) setOpen((s) => (s.has(last.id) ? s : new Set([...s, last.id])));
  }, [last?.id]); // eslint-disable-line react-hooks/exhaustive-deps
  const queryClient = useQueryClient();
  useEffect(() => {
    if (it.unread && it.mine && !keptUnread.current)
      void markRead(it.id).then(
        () => queryClient.invalidateQueries({ queryKey: liveKeys.interactions }),
        () => undefined,
      );
  }, [it.id, it.unread, it.mine, queryClient]);

  const answer = (mode: ComposeMode, parentId?: number) => canAnswer && setCompose({ mode, parentId });
  useHotkeys([
    ['alt+r', () => answer('reply')],
    ['alt+shift+r', () => answer('reply_all')],
    ['alt+f', () => answer('forward')],
    ['alt+c', () => canAnswer && setClosing(true)],
    ['alt+u', () => markUnread()],
  ]);

  return (
    <Stack gap="sm" h="100%" data-testid={`thread-${it.id}`}>
      <Paper withBorder p="sm" radius="md">
        <Group justify="space-between" wrap="nowrap" align="flex-start">
          <Stack gap={2} miw={0}>
            <Group gap={6} wrap="nowrap">
              <Badge variant="light" style={{ flexShrink: 0 }}>
                {it.campaignKey}
              </Badge>
              <Title order={4} style={{ overflowWrap: 'anywhere' }} data-testid="thread-subject">
                {it.subject || t('work.noSubject')}
              </Title>
            </Group>
            {it.dialerMessage ? (
              <Tooltip
                label={t('desk.dialerReplyTip', { destination: it.dialerMessage.destination, list: it.dialerMessage.listName, line: it.dialerMessage.line })}
                multiline
                maw={360}
              >
                <Badge color="grape" variant="light" style={{ alignSelf: 'flex-start', textTransform: 'none' }} data-testid="thread-dialer">
                  {t('desk.dialerReply', { dialer: it.dialerMessage.dialerName })}
                </Badge>
              </Tooltip>
            ) : null}
            <Text size="sm">
              <Text span fw={600}>
                {it.customerName || it.customerAddress}
              </Text>
              {it.customerName ? (
                <Text span c="dimmed">
                  {' '}
                  &lt;{it.customerAddress}&gt;
                </Text>
              ) : null}
            </Text>
            <Text size="xs" c="dimmed">
              {it.campaignName} · #{it.id} · {formatDateTime(it.createdAt, i18n.language)}
              {it.assignedName ? ` · ${t('desk.with', { name: it.assignedName })}` : ''}
            </Text>
            {thread.otherOpen.length ? (
              <Group gap={6} mt={4}>
                <Text size="xs" c="dimmed">
                  {t('desk.otherOpen')}
                </Text>
                {thread.otherOpen.map((o) => (
                  <Anchor key={o.id} component={Link} to={`/work/${o.id}`} size="xs">
                    {o.campaignKey}-{o.id} {o.subject}
                  </Anchor>
                ))}
              </Group>
            ) : null}
          </Stack>
          <Group gap="xs" wrap="nowrap">
            {it.status === 'closed' ? (
              <Badge color="gray" variant="outline">
                {t('desk.closed')}
                {it.disposition ? ` · ${it.disposition}` : ''}
              </Badge>
            ) : null}
            {canAnswer ? (
              <>
                <Tooltip label="Alt+R">
                  <Button size="xs" variant="default" leftSection={<IconArrowBackUp size={14} />} onClick={() => answer('reply')} data-testid="reply">
                    {t('desk.mode.reply')}
                  </Button>
                </Tooltip>
                <Tooltip label="Alt+F">
                  <Button size="xs" variant="default" leftSection={<IconArrowForwardUp size={14} />} onClick={() => answer('forward')} data-testid="forward">
                    {t('desk.mode.forward')}
                  </Button>
                </Tooltip>
                {it.transferToAgent || it.transferToQueue ? <TransferMenu interactionId={it.id} /> : null}
                {canMarkUnread ? (
                  <Tooltip label="Alt+U">
                    <Button size="xs" variant="default" leftSection={<IconMailFilled size={14} />} onClick={() => markUnread()} loading={unread.isPending} data-testid="mark-unread">
                      {t('desk.markUnread')}
                    </Button>
                  </Tooltip>
                ) : null}
                <Tooltip label="Alt+C">
                  <Button size="xs" color="teal" leftSection={<IconCheck size={14} />} onClick={() => setClosing(true)} data-testid="close-interaction">
                    {t('work.close')}
                  </Button>
                </Tooltip>
              </>
            ) : null}
          </Group>
        </Group>
      </Paper>

      <ScrollArea style={{ flex: 1 }} offsetScrollbars>
        <Stack gap="xs">
          {thread.messages.map((m) => (
            <MessageCard
              key={m.id}
              message={m}
              open={open.has(m.id)}
              onToggle={() => setOpen((s) => (s.has(m.id) ? new Set([...s].filter((x) => x !== m.id)) : new Set([...s, m.id])))}
              onAnswer={answer}
              onRetry={(id) => retry.mutate(id, { onError: (error) => notifyError(t, error) })}
              canAnswer={canAnswer}
            />
          ))}
          <Notes thread={thread} />
          {compose && canAnswer ? <Composer thread={thread} initialMode={compose.mode} parentId={compose.parentId} onDone={() => setCompose(null)} /> : null}
        </Stack>
      </ScrollArea>
      <CloseModal thread={thread} opened={closing} onClose={() => setClosing(false)} onClosed={onClosed} />
    </Stack>
  );
}

/** Internal notes: for colleagues, never sent to the customer. */
function Notes({ thread }: { thread: Thread }) {
  const { t, i18n } = useTranslation();
  const [text, setText] = useState('');
  const add = useAddNote(thread.interaction.id);
  const submit = () =>
    text.trim() &&
    add.mutate(text.trim(), {
      onSuccess: () => setText(''),
      onError: (error) => notifyError(t, error),
    });
  return (
    <Paper withBorder p="sm" radius="md" bg="var(--mantine-color-yellow-light)" data-testid="notes">
      <Group gap={6} mb={6}>
        <IconNote size={14} />
        <Text size="xs" fw={600}>
          {t('desk.notes')}
        </Text>
        <Text size="xs" c="dimmed">
          {t('desk.notesHint')}
        </Text>
      </Group>
      <Stack gap={4}>
        {thread.notes.map((n) => (
          <Text key={n.id} size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
            <Text span size="xs" c="dimmed">
              {n.author ?? '—'} · {formatDateTime(n.createdAt, i18n.language)}:{' '}
            </Text>
            {n.text}
          </Text>
        ))}
        <Group gap="xs" align="flex-end" wrap="nowrap">
          <Textarea
            size="xs"
            autosize
            minRows={1}
            maxRows={6}
            style={{ flex: 1 }}
            placeholder={t('desk.addNote')}
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) submit();
            }}
            data-testid="note-input"
          />
          <Button size="xs" variant="default" onClick={submit} loading={add.isPending}>
            {t('desk.addNoteButton')}
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

function TransferMenu({ interactionId }: { interactionId: number }) {
  const { t } = useTranslation();
  const [opened, setOpened] = useState(false);
  const targets = useQuery({
    queryKey: ['transfer-targets', interactionId],
    queryFn: () => apiRequest(`/api/interactions/${interactionId}/transfer-targets`, transferTargetsSchema),
    enabled: opened,
  });
  const transfer = useTransfer();
  const go = (target: { userId: string } | { campaignId: string }) =>
    transfer.mutate({ id: interactionId, target }, { onSuccess: () => notifySuccess(t('desk.transferred')), onError: (error) => notifyError(t, error) });
  return (
    <Menu opened={opened} onChange={setOpened} withinPortal position="bottom-end">
      <Menu.Target>
        <Button size="xs" variant="default" leftSection={<IconArrowsExchange size={14} />} data-testid="transfer">
          {t('desk.transfer')}
        </Button>
      </Menu.Target>
      <Menu.Dropdown mah={360} style={{ overflowY: 'auto' }}>
        {targets.data?.agents.length ? <Menu.Label>{t('desk.toAgent')}</Menu.Label> : null}
        {targets.data?.agents.map((a) => (
          <Menu.Item key={a.userId} disabled={a.state !== 'available'} onClick={() => go({ userId: a.userId })} rightSection={<Text size="xs" c="dimmed">{t(`presence.${a.state}`, { defaultValue: a.state })}</Text>}>
            {a.displayName}
          </Menu.Item>
        ))}
        {targets.data?.campaigns.length ? <Menu.Label>{t('desk.toCampaign')}</Menu.Label> : null}
        {targets.data?.campaigns.map((c) => (
          <Menu.Item key={c.id} onClick={() => go({ campaignId: c.id })}>
            {c.key} · {c.name}
          </Menu.Item>
        ))}
        {targets.data && !targets.data.agents.length && !targets.data.campaigns.length ? <Menu.Label>{t('desk.noTargets')}</Menu.Label> : null}
      </Menu.Dropdown>
    </Menu>
  );
}

// Keyboard: Alt+C opens this dialog (disposition field focused: type to
// filter, Enter picks one); Enter or Alt+C again closes the interaction.
function CloseModal({ thread, opened, onClose, onClosed }: { thread: Thread; opened: boolean; onClose: () => void; onClosed: ((id: number) => void) | undefined }) {
  const { t } = useTranslation();
  const it = thread.interaction;
  const dispositions = useDispositions(opened ? it.campaignId : null);
  const [dispositionId, setDispositionId] = useState<string | null>(null);
  const close = useCloseInteraction();
  const missing = it.mandatoryDisposition && !dispositionId;
  // while the dialog is open the agent may be paused (campaign setting); cancelling ends it, closing ends it on the server
  useEffect(() => {
    if (!opened) return;
    void setDisposing(it.id, true).catch(() => undefined);
  }, [opened, it.id]);
  const cancel = () => {
    void setDisposing(it.id, false).catch(() => undefined);
    onClose();
  };
  const submit = () =>
    !missing &&
    close.mutate(
      { id: it.id, dispositionId },
      {
        onSuccess: () => {
          notifySuccess(t('desk.closedOk'));
          onClose();
          onClosed?.(it.id);
        },
        onError: (error) => notifyError(t, error),
      },
    );
  return (
    <Modal opened={opened} onClose={cancel} title={t('desk.closeTitle')} size="sm">
      <Stack
        component="form"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          submit();
        }}
        onKeyDown={getHotkeyHandler([['alt+c', () => submit()]])}
        data-testid="close-form"
      >
        <Select
          label={t('desk.disposition')}
          placeholder={t('desk.chooseDisposition')}
          data={(dispositions.data ?? []).map((d) => ({ value: d.id, label: d.name }))}
          value={dispositionId}
          onChange={setDispositionId}
          required={it.mandatoryDisposition}
          clearable={!it.mandatoryDisposition}
          searchable
          data-autofocus
          data-testid="disposition"
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={cancel}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" color="teal" disabled={missing} loading={close.isPending} data-testid="confirm-close">
            {t('work.close')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
