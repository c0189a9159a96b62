import { Badge, Button, Card, Group, Progress, Text, Tooltip } from '@mantine/core';
import { IconCheck, IconX } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import type { Offer } from '@postdesk/contracts';
import { useNow } from '../../components/relative-time.tsx';
import { TruncatedText } from '../../components/truncated-text.tsx';

/** A short two-tone chime from Web Audio: no file to fetch, nothing to load. */
export function chime(): void {
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

/** One offer with the time left to take it. */
export function OfferCard({ offer, busy, onRun }: { offer: Offer; busy: boolean; onRun: (path: string) => void }) {
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
