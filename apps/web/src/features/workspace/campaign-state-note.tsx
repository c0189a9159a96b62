import { Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { myCampaignsSchema } from '@postdesk/contracts';
import { apiRequest } from '../../app/api.ts';
import { formatDateTime } from '../../components/relative-time.tsx';
import { deskScheduleNote } from './campaign-state.ts';

// Schedules open and close by the clock, not by an event: re-read each minute.
const REFRESH_MS = 60_000;

/** The empty offer list's line for an available agent: waiting for offers, or their campaigns closed and when the first opens. */
export function CampaignStateNote() {
  const { t, i18n } = useTranslation();
  const campaigns = useQuery({
    queryKey: ['me', 'campaigns'],
    queryFn: async () => (await apiRequest('/api/me/campaigns', myCampaignsSchema)).items,
    refetchInterval: REFRESH_MS,
  });
  const note = deskScheduleNote(campaigns.data ?? []);
  if (note.kind === 'open') return <Text size="xs">{t('work.waitingForOffers')}</Text>;
  return (
    <Text size="xs" data-testid="campaigns-closed">
      {note.next ? t('work.campaignsClosedUntil', { name: note.next.name, when: formatDateTime(note.next.at, i18n.language) }) : t('work.campaignsClosed')}
    </Text>
  );
}
