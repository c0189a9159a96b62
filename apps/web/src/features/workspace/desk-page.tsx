import { ActionIcon, Badge, Box, Button, CloseButton, Group, Kbd, Paper, ScrollArea, Stack, Text, TextInput, Tooltip, UnstyledButton } from '@mantine/core';
import { getHotkeyHandler, useHotkeys, useLocalStorage } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconBellOff, IconBellRinging, IconInbox, IconMail, IconSearch, IconVolume, IconVolumeOff } from '@tabler/icons-react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState, type RefObject } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router-dom';
import type { InboxItem } from '@postdesk/contracts';
import { useRealtimeConnected, useRealtimeMessages } from '../../app/realtime.tsx';
import { LiveIndicator } from '../../components/live-indicator.tsx';
import { notifyError } from '../../components/notify.ts';
import { QueryState } from '../../components/query-state.tsx';
import { RelativeTime } from '../../components/relative-time.tsx';
import { StatusDot } from '../../components/status-dot.tsx';
import { TruncatedText } from '../../components/truncated-text.tsx';
import { useMyOffers, usePresence, useWorkAction } from '../routing/routing-api.ts';
import { CampaignStateNote } from './campaign-state-note.tsx';
import { NewMailModal } from './new-mail-modal.tsx';
import { desktopNotificationsSupported, firstAlertFor, notifyDesktop, requestDesktopNotifications, useTitleCount } from './offer-alerts.ts';
import { chime, OfferCard } from './offer-card.tsx';
import { ThreadView } from './thread-view.tsx';
import { useInbox, useSearch } from './workspace-api.ts';

/**
 * The agent's desk: offers to take, the interactions in hand and recently
 * closed (live), search, and the open interaction's thread beside them.
 * Keyboard: A / R accept or reject the first offer, J / K move through the
 * list, / searches, N writes a new mail.
 */
export function DeskPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const params = useParams();
  const selected = params.interactionId ? Number(params.interactionId) : null;
  const connected = useRealtimeConnected();
  const presence = usePresence();
  const offers = useMyOffers();
  const inbox = useInbox();
  const action = useWorkAction();
  const [query, setQuery] = useState('');
  const search = useSearch(query);
  const searchRef = useRef<HTMLInputElement>(null);
  const listViewport = useRef<HTMLDivElement>(null);
  const [newMail, setNewMail] = useState(false);
  const [sound, setSound] = useLocalStorage({ key: 'postdesk.offerSound', defaultValue: true });
  const [desktop, setDesktop] = useLocalStorage({ key: 'postdesk.desktopAlerts', defaultValue: false });

  useRealtimeMessages((m) => {
    if (m.type !== 'offer.created' || !firstAlertFor(m.offer.interactionId)) return;
    const title = t('work.newOffer', { key: m.offer.campaignKey });
    const subject = m.offer.subject || t('work.noSubject');
    notifications.show({ id: `offer-${m.offer.id}`, color: 'teal', title, message: subject });
    if (sound) chime();
    if (desktop) notifyDesktop(title, subject, `offer-${m.offer.interactionId}`);
  });
  const toggleDesktop = async (on: boolean) => {
    if (!on) return setDesktop(false);
    if (await requestDesktopNotifications()) setDesktop(true);
    else notifications.show({ color: 'yellow', title: t('work.desktopAlerts'), message: t('work.desktopAlertsDenied') });
  };

  const run = (path: string, then?: () => void) => action.mutate({ path }, { onSuccess: then, onError: (error) => notifyError(t, error) });
  const open = (id: number) => navigate(`/work/${id}`);
  // Closed: on to the next interaction in hand (the one below, else above), not the closed thread.
  const afterClose = (id: number) => {
    const active = inbox.data?.active ?? [];
    const at = active.findIndex((x) => x.id === id);
    const next = at < 0 ? active[0] : (active[at + 1] ?? active[at - 1]);
    navigate(next ? `/work/${next.id}` : '/work');
  };
  const first = offers.data?.[0];
  const searching = query.trim().length >= 3;
  const list: InboxItem[] = searching ? (search.data ?? []) : [...(inbox.data?.active ?? []), ...(inbox.data?.closed ?? [])];
  const move = (step: number) => {
    if (list.length === 0) return;
    const at = list.findIndex((x) => x.id === selected);
    open(list[Math.min(list.length - 1, Math.max(0, at + step))]!.id);
  };
  useHotkeys([
    ['a', () => first && run(`/api/offers/${first.id}/accept`, () => open(first.interactionId))],
    ['r', () => first && run(`/api/offers/${first.id}/reject`)],
    ['j', () => move(1)],
    ['k', () => move(-1)],
    ['/', () => searchRef.current?.focus()],
    ['n', () => setNewMail(true)],
  ]);
  const available = presence.data?.state === 'available';
  const unreadInHand = (inbox.data?.active ?? []).filter((x) => x.unread).length;
  useTitleCount((offers.data?.length ?? 0) + unreadInHand);

  return (
    <Group align="stretch" gap="md" wrap="nowrap" h="calc(100dvh - var(--app-shell-header-height, 56px) - 2 * var(--mantine-spacing-md))">
      <Stack gap="sm" w={360} miw={300} style={{ flexShrink: 0 }}>
        <Group justify="space-between" wrap="nowrap">
          <Text fw={700}>{t('work.title')}</Text>
          <Group gap="xs" wrap="nowrap">
            <Tooltip label={t(sound ? 'work.soundOn' : 'work.soundOff')}>
              <ActionIcon variant={sound ? 'light' : 'subtle'} color={sound ? undefined : 'gray'} size="sm" onClick={() => setSound(!sound)} aria-label={t('work.sound')} aria-pressed={sound} data-testid="offer-sound">
                {sound ? <IconVolume size={15} /> : <IconVolumeOff size={15} />}
              </ActionIcon>
            </Tooltip>
            {desktopNotificationsSupported() ? (
              <Tooltip label={t(desktop ? 'work.desktopAlertsOn' : 'work.desktopAlertsOff')}>
                <ActionIcon variant={desktop ? 'light' : 'subtle'} color={desktop ? undefined : 'gray'} size="sm" onClick={() => void toggleDesktop(!desktop)} aria-label={t('work.desktopAlerts')} aria-pressed={desktop} data-testid="desktop-alerts">
                  {desktop ? <IconBellRinging size={15} /> : <IconBellOff size={15} />}
                </ActionIcon>
              </Tooltip>
            ) : null}
            <LiveIndicator testId="live-state" paused={!connected} label={connected ? t('live.live') : t('live.reconnecting')} />
          </Group>
        </Group>
        <Group gap="xs" wrap="nowrap">
          <TextInput
            ref={searchRef}
            size="xs"
            style={{ flex: 1 }}
            leftSection={<IconSearch size={14} />}
            rightSection={query ? <CloseButton size="xs" onClick={() => setQuery('')} aria-label={t('desk.clearSearch')} /> : <Kbd size="xs">/</Kbd>}
            placeholder={t('desk.searchPlaceholder')}
            value={query}
            onChange={(e) => setQuery(e.currentTarget.value)}
            onKeyDown={getHotkeyHandler([['Escape', () => setQuery('')]])}
            data-testid="search"
          />
          <Button size="xs" variant="light" leftSection={<IconMail size={14} />} onClick={() => setNewMail(true)} data-testid="new-mail">
            {t('desk.newMail')}
          </Button>
        </Group>

        {!searching ? (
          <Stack gap={6}>
            <Group justify="space-between">
              <Text size="xs" fw={600} tt="uppercase" c="dimmed">
                {t('work.offers')} {offers.data?.length ? <Badge size="xs" ml={4}>{offers.data.length}</Badge> : null}
              </Text>
              <Text size="xs" c="dimmed">
                <Kbd size="xs">A</Kbd> {t('work.acceptFirst')} · <Kbd size="xs">R</Kbd> {t('work.rejectFirst')}
              </Text>
            </Group>
            {offers.data?.length ? (
              offers.data.map((offer) => <OfferCard key={offer.id} offer={offer} busy={action.isPending} onRun={(path) => run(path, path.endsWith('/accept') ? () => open(offer.interactionId) : undefined)} />)
            ) : (
              <Paper withBorder p="xs" ta="center" data-testid="no-offers">
                <Group justify="center" gap="xs" c="dimmed">
                  <IconInbox size={16} />
                  {available ? <CampaignStateNote /> : <Text size="xs">{t('work.notAvailable')}</Text>}
                </Group>
              </Paper>
            )}
          </Stack>
        ) : null}

        <ScrollArea style={{ flex: 1 }} offsetScrollbars type="auto" viewportRef={listViewport}>
          {searching ? (
            <QueryState isPending={search.isPending} error={search.error} onRetry={() => void search.refetch()}>
              <ItemLists viewport={listViewport} selected={selected} onOpen={open} sections={[{ title: t('desk.results'), items: search.data ?? [], empty: t('desk.noResults'), testId: 'search-results' }]} />
            </QueryState>
          ) : (
            <QueryState isPending={inbox.isPending} error={inbox.error} onRetry={() => void inbox.refetch()}>
              <ItemLists
                viewport={listViewport}
                selected={selected}
                onOpen={open}
                sections={[
                  { title: t('work.inHand'), items: inbox.data?.active ?? [], empty: t('work.nothingInHand'), testId: 'my-interactions' },
                  { title: t('desk.recentlyClosed'), items: inbox.data?.closed ?? [], empty: t('desk.noneClosed'), testId: 'closed-interactions' },
                ]}
              />
            </QueryState>
          )}
        </ScrollArea>
      </Stack>

      <Box style={{ flex: 1, minWidth: 0 }}>
        {selected ? (
          <ThreadView interactionId={selected} onClosed={afterClose} onLeave={() => navigate('/work')} />
        ) : (
          <Paper withBorder h="100%" p="xl" radius="md">
            <Stack align="center" justify="center" h="100%" c="dimmed" gap="xs">
              <IconInbox size={32} />
              <Text size="sm">{t('desk.pick')}</Text>
              <Text size="xs">
                <Kbd size="xs">J</Kbd> / <Kbd size="xs">K</Kbd> {t('desk.moveHint')} · <Kbd size="xs">N</Kbd> {t('desk.newMail')}
              </Text>
            </Stack>
          </Paper>
        )}
      </Box>
      <NewMailModal opened={newMail} onClose={() => setNewMail(false)} onStarted={open} />
    </Group>
  );
}

interface Section {
  title: string;
  items: InboxItem[];
  empty: string;
  testId: string;
}

type Row = { kind: 'title'; section: Section } | { kind: 'empty'; section: Section } | { kind: 'item'; item: InboxItem };

// A row's height before it is measured: an interaction (two lines) or a heading.
const estimateRow = (row: Row | undefined): number => (row?.kind === 'item' ? 62 : 26);

/**
 * The desk's lists, virtualised: only the rows in view (and a few around
 * them) are in the page, so an agent with 2,000 interactions in hand renders
 * about thirty rows, not 2,000, on every push and every thread switch.
 */
function ItemLists({ sections, selected, onOpen, viewport }: { sections: Section[]; selected: number | null; onOpen: (id: number) => void; viewport: RefObject<HTMLDivElement | null> }) {
  const rows = useMemo<Row[]>(
    () => sections.flatMap((section): Row[] => [{ kind: 'title', section }, ...(section.items.length ? section.items.map((item): Row => ({ kind: 'item', item })) : [{ kind: 'empty' as const, section }])]),
    [sections],
  );
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => viewport.current,
    estimateSize: (i) => estimateRow(rows[i]),
    getItemKey: (i) => {
      const row = rows[i]!;
      return row.kind === 'item' ? `item-${row.item.id}` : `${row.kind}-${row.section.testId}`;
    },
    overscan: 8,
  });
  // J / K and links move the selection: keep it in view
  const selectedIndex = rows.findIndex((r) => r.kind === 'item' && r.item.id === selected);
  useEffect(() => {
    if (selectedIndex >= 0) virtualizer.scrollToIndex(selectedIndex, { align: 'auto' });
  }, [selectedIndex]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }} data-testid="desk-lists">
      {virtualizer.getVirtualItems().map((v) => {
        const row = rows[v.index]!;
        return (
          <div key={v.key} data-index={v.index} ref={virtualizer.measureElement} style={{ position: 'absolute', top: 0, left: 0, width: '100%', transform: `translateY(${v.start}px)`, paddingBottom: 4 }}>
            {row.kind === 'title' ? (
              <Text size="xs" fw={600} tt="uppercase" c="dimmed" pt={row.section === sections[0] ? 0 : 8} data-testid={row.section.testId}>
                {row.section.title} {row.section.items.length ? <Badge size="xs" variant="light" ml={4}>{row.section.items.length}</Badge> : null}
              </Text>
            ) : row.kind === 'empty' ? (
              <Text size="xs" c="dimmed" px={6}>
                {row.section.empty}
              </Text>
            ) : (
              <ItemRow it={row.item} selected={row.item.id === selected} onOpen={onOpen} />
            )}
          </div>
        );
      })}
    </div>
  );
}

function ItemRow({ it, selected, onOpen }: { it: InboxItem; selected: boolean; onOpen: (id: number) => void }) {
  return (
    <UnstyledButton
      onClick={() => onOpen(it.id)}
      data-testid={`interaction-row-${it.id}`}
      data-unread={it.unread}
      p={6}
      w="100%"
      style={{
        borderRadius: 6,
        background: selected ? 'var(--mantine-color-blue-light)' : undefined,
        border: '1px solid var(--mantine-color-default-border)',
      }}
    >
      <Group gap={6} wrap="nowrap" justify="space-between">
        <Group gap={6} wrap="nowrap" miw={0}>
          <Badge size="xs" variant="light" style={{ flexShrink: 0 }}>
            {it.campaignKey}
          </Badge>
          {it.unread ? <StatusDot color="blue" /> : null}
          <TruncatedText size="sm" fw={it.unread ? 700 : 500} text={it.subject || '—'} />
        </Group>
        <RelativeTime iso={it.closedAt ?? it.lastMessageAt} size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }} />
      </Group>
      <TruncatedText size="xs" c="dimmed" text={it.customerName ? `${it.customerName} <${it.customerAddress}>` : it.customerAddress} />
    </UnstyledButton>
  );
}
