import { Badge, Button, Card, Group, Kbd, Paper, Progress, SimpleGrid, Stack, Switch, Table, Text, Tooltip } from '@mantine/core';
import { useHotkeys, useLocalStorage } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconCheck, IconInbox, IconX } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import type { Offer } from '../../app/contract.ts';
import { useRealtimeConnected, useRealtimeMessages } from '../../app/realtime.tsx';
import { EmptyRow } from '../../components/empty-row.tsx';
import { notifyError } from '../../components/notify.ts';
import { LiveIndicator } from '../../components/live-indicator.tsx';
import { PageHeader } from '../../components/page-header.tsx';
import { QueryState } from '../../components/query-state.tsx';
import { RelativeTime, useNow } from '../../components/relative-time.tsx';
import { StatusDot } from '../../components/status-dot.tsx';
import { TruncatedText } from '../../components/truncated-text.tsx';
import { useMyInteractions, useMyOffers, usePresence, useWorkAction } from './routing-api.ts';

/** A short two-tone chime from Web Audio: no file to fetch, nothing to load. */
function chime(): void {
  try {
    const ctx = new AudioContext();
    for (const [i, freq] of [880, 1320].entries()) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.08, ctx.currentTime + i * 0.12);
      gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + i * 0.12 + 0.25);
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + i * 0.12);
      osc.stop(ctx.currentTime + i * 0.12 + 0.25);
    }
    window.setTimeout(() => void ctx.close(), 1_000);
  } catch {
    // no audio device: the visual notification is enough
  }
}

/** The agent's desk until the full workspace arrives: offers to answer and the interactions in hand. */
export function WorkPage() {
  const { t } = useTranslation();
  const connected = useRealtimeConnected();
  const presence = usePresence();
  const offers = useMyOffers();
  const interactions = useMyInteractions();
  const action = useWorkAction();
  const [sound, setSound] = useLocalStorage({ key: 'postdesk.offerSound', defaultValue: true });

  useRealtimeMessages((m) => {
    if (m.type !== 'offer.created') return;
    notifications.show({
      id: `offer-${m.offer.id}`,
      color: 'teal',
      title: t('work.newOffer', { key: m.offer.campaignKey }),
      message: m.offer.subject || t('work.noSubject'),
    });
    if (sound) chime();
  });

  const run = (path: string) => action.mutate({ path }, { onError: (error) => notifyError(t, error) });
  const first = offers.data?.[0];
  useHotkeys([
    ['a', () => first && run(`/api/offers/${first.id}/accept`)],
    ['r', () => first && run(`/api/offers/${first.id}/reject`)],
  ]);
  const available = presence.data?.state === 'available';

  return (
    <>
      <PageHeader
        title={t('work.title')}
        description={t('work.description')}
        actions={
          <Group gap="md" wrap="nowrap">
            <Switch size="xs" label={t('work.sound')} checked={sound} onChange={(e) => setSound(e.currentTarget.checked)} />
            <LiveIndicator testId="live-state" paused={!connected} label={connected ? t('live.live') : t('live.reconnecting')} />
          </Group>
        }
      />
      <Stack gap="lg">
        <Stack gap="xs">
          <Group justify="space-between">
            <Text fw={600} size="sm">
              {t('work.offers')} {offers.data?.length ? <Badge size="sm" ml={4}>{offers.data.length}</Badge> : null}
            </Text>
            <Text size="xs" c="dimmed">
              <Kbd size="xs">A</Kbd> {t('work.acceptFirst')} · <Kbd size="xs">R</Kbd> {t('work.rejectFirst')}
            </Text>
          </Group>
          <QueryState isPending={offers.isPending} error={offers.error} onRetry={() => void offers.refetch()}>
            {offers.data?.length ? (
              <SimpleGrid cols={{ base: 1, md: 2, xl: 3 }} spacing="sm">
                {offers.data.map((offer) => (
                  <OfferCard key={offer.id} offer={offer} busy={action.isPending} onRun={run} />
                ))}
              </SimpleGrid>
            ) : (
              <Paper withBorder p="lg" ta="center" data-testid="no-offers">
                <Group justify="center" gap="xs" c="dimmed">
                  <IconInbox size={18} />
                  <Text size="sm">{available ? t('work.waitingForOffers') : t('work.notAvailable')}</Text>
                </Group>
              </Paper>
            )}
          </QueryState>
        </Stack>

        <Stack gap="xs">
          <Text fw={600} size="sm">
            {t('work.inHand')}
          </Text>
          <QueryState isPending={interactions.isPending} error={interactions.error} onRetry={() => void interactions.refetch()}>
            <Paper withBorder>
              <Table striped highlightOnHover verticalSpacing={6} data-testid="my-interactions">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th w={80}>{t('work.campaign')}</Table.Th>
                    <Table.Th>{t('work.subject')}</Table.Th>
                    <Table.Th>{t('work.customer')}</Table.Th>
                    <Table.Th w={140}>{t('work.assigned')}</Table.Th>
                    <Table.Th w={100} />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {(interactions.data ?? []).map((it) => (
                    <Table.Tr key={it.id} data-testid={`interaction-row-${it.id}`}>
                      <Table.Td>
                        <Badge variant="light" size="sm">
                          {it.campaignKey}
                        </Badge>
                      </Table.Td>
                      <Table.Td>
                        <Group gap={6} wrap="nowrap">
                          {it.unread ? <StatusDot color="blue" /> : null}
                          <TruncatedText fw={it.unread ? 600 : 400} size="sm" text={it.subject || t('work.noSubject')} />
                        </Group>
                      </Table.Td>
                      <Table.Td>
                        <TruncatedText size="sm" text={it.customerName || it.customerAddress} />
                      </Table.Td>
                      <Table.Td>{it.assignedAt ? <RelativeTime iso={it.assignedAt} size="sm" c="dimmed" /> : null}</Table.Td>
                      <Table.Td>
                        <Button size="compact-xs" variant="default" onClick={() => run(`/api/interactions/${it.id}/close`)}>
                          {t('work.close')}
                        </Button>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                  {interactions.data?.length === 0 ? <EmptyRow colSpan={5} text={t('work.nothingInHand')} /> : null}
                </Table.Tbody>
              </Table>
            </Paper>
          </QueryState>
        </Stack>
      </Stack>
    </>
  );
}

/** One offer with the time left to take it. */
function OfferCard({ offer, busy, onRun }: { offer: Offer; busy: boolean; onRun: (path: string) => void }) {
  const { t } = useTranslation();
  const now = useNow(1_000);
  const total = Date.parse(offer.expiresAt) - Date.parse(offer.createdAt);
  const left = Math.max(0, Date.parse(offer.expiresAt) - now);
  const share = total > 0 ? (left / total) * 100 : 0;
  return (
    <Card withBorder padding="sm" data-testid={`offer-${offer.interactionId}`}>
      <Group justify="space-between" wrap="nowrap" mb={6}>
        <Group gap={6} wrap="nowrap" miw={0}>
          <Badge variant="light" size="sm">
            {offer.campaignKey}
          </Badge>
          {offer.kind !== 'route' ? (
            <Badge variant="outline" size="sm" color={offer.kind === 'transfer' ? 'grape' : 'blue'}>
              {t(`work.kind.${offer.kind === 'transfer' ? 'transfer' : 'sticky'}`)}
            </Badge>
          ) : null}
        </Group>
        <Tooltip label={t('work.expiresIn')}>
          <Text size="xs" c={share < 25 ? 'red' : 'dimmed'} ff="monospace">
            {Math.ceil(left / 1000)} s
          </Text>
        </Tooltip>
      </Group>
      <TruncatedText fw={600} size="sm" text={offer.subject || t('work.noSubject')} />
      <TruncatedText size="xs" c="dimmed" text={offer.customerName ? `${offer.customerName} <${offer.customerAddress}>` : offer.customerAddress} />
      <Progress value={share} size={3} mt={8} color={share < 25 ? 'red' : 'teal'} aria-label={t('work.expiresIn')} />
      <Group gap="xs" mt="sm" grow>
        <Button size="xs" leftSection={<IconCheck size={14} />} disabled={busy} onClick={() => onRun(`/api/offers/${offer.id}/accept`)} data-testid="accept-offer">
          {t('work.accept')}
        </Button>
        <Button size="xs" variant="default" leftSection={<IconX size={14} />} disabled={busy} onClick={() => onRun(`/api/offers/${offer.id}/reject`)}>
          {t('work.reject')}
        </Button>
      </Group>
    </Card>
  );
}
