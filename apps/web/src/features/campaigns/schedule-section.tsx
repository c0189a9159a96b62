import { ActionIcon, Alert, Badge, Button, Grid, Group, Select, Stack, Table, Text, TextInput, Tooltip } from '@mantine/core';
import { IconClockHour8, IconMinus, IconPlus } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { FormSection } from '../../components/form-section.tsx';
import { useFieldProps } from './campaign-form-context.ts';
import { newRowKey, type ScheduleRow } from './campaign-form-values.ts';
import { timeZoneOptions } from './time-zones.ts';

/** Monday first, as the week is read in the product's markets; values are 0 = Sunday … 6 = Saturday. */
export const WEEK_ORDER = ['1', '2', '3', '4', '5', '6', '0'] as const;
type DayValue = (typeof WEEK_ORDER)[number];

function isDay(value: string): value is DayValue {
  return (WEEK_ORDER as readonly string[]).includes(value);
}

/** Weekly opening hours (several windows per day), in the campaign's time zone; none = always open. */
export function ScheduleSection() {
  const { t } = useTranslation();
  const { form, field } = useFieldProps();
  const rows = form.values.schedule;
  const dayOptions = WEEK_ORDER.map((value) => ({ value, label: t(`days.${value}`) }));

  const addRow = () => {
    const last = rows[rows.length - 1];
    const nextDay = last && isDay(last.day) ? WEEK_ORDER[(WEEK_ORDER.indexOf(last.day) + 1) % 7] : '1';
    const row: ScheduleRow = {
      key: newRowKey(),
      day: nextDay ?? '1',
      start: last?.start ?? '08:00',
      end: last?.end ?? '18:59',
    };
    form.insertListItem('schedule', row);
  };

  return (
    <Grid gap="md">
      <Grid.Col span={{ base: 12, lg: 8 }}>
        <FormSection
          title={t('campaign.schedule.title')}
          description={t('campaign.schedule.hint')}
          aside={
            <Select
              label={t('campaign.fields.timezone')}
              w={240}
              data={timeZoneOptions(form.values.timezone)}
              searchable
              limit={60}
              nothingFoundMessage={t('common.noMatches')}
              {...field('timezone')}
              data-testid="campaign-field-schedule-timezone"
            />
          }
        >
          {rows.length === 0 ? (
            <Alert color="gray" variant="light" icon={<IconClockHour8 size={18} />} p="sm" data-testid="schedule-always-open">
              {t('campaign.schedule.alwaysOpen')}
            </Alert>
          ) : (
            <Table className="pd-table" withRowBorders={false} verticalSpacing={4} highlightOnHover={false} data-testid="schedule-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('campaign.schedule.day')}</Table.Th>
                  <Table.Th>{t('campaign.schedule.start')}</Table.Th>
                  <Table.Th>{t('campaign.schedule.end')}</Table.Th>
                  <Table.Th w={40} aria-label={t('common.actions')} />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((row, index) => (
                  <Table.Tr key={row.key} data-testid={`schedule-row-${index}`}>
                    <Table.Td w={200}>
                      <Select
                        data={dayOptions}
                        aria-label={t('campaign.schedule.day')}
                        {...field(`schedule.${index}.day`)}
                      />
                    </Table.Td>
                    <Table.Td>
                      <TextInput type="time" aria-label={t('campaign.schedule.start')} {...field(`schedule.${index}.start`)} />
                    </Table.Td>
                    <Table.Td>
                      <TextInput type="time" aria-label={t('campaign.schedule.end')} {...field(`schedule.${index}.end`)} />
                    </Table.Td>
                    <Table.Td style={{ verticalAlign: 'top' }} pt={8}>
                      <Tooltip label={t('campaign.schedule.remove')}>
                        <ActionIcon
                          color="red"
                          onClick={() => form.removeListItem('schedule', index)}
                          aria-label={t('campaign.schedule.remove')}
                          data-testid="schedule-remove"
                        >
                          <IconMinus size={16} />
                        </ActionIcon>
                      </Tooltip>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          <Group gap="xs">
            <Button variant="light" leftSection={<IconPlus size={16} />} onClick={addRow} data-testid="schedule-add">
              {t('campaign.schedule.add')}
            </Button>
            {rows.length > 0 ? (
              <Button variant="subtle" color="gray" onClick={() => form.setFieldValue('schedule', [])} data-testid="schedule-clear">
                {t('campaign.schedule.clear')}
              </Button>
            ) : null}
          </Group>
        </FormSection>
      </Grid.Col>
      <Grid.Col span={{ base: 12, lg: 4 }}>
      <FormSection title={t('campaign.schedule.week')} description={t('campaign.schedule.weekHint', { timezone: form.values.timezone })}>
        <WeekSummary rows={rows} />
      </FormSection>
      </Grid.Col>
    </Grid>
  );
}

function WeekSummary({ rows }: { rows: readonly ScheduleRow[] }) {
  const { t } = useTranslation();
  return (
    <Stack gap={6} data-testid="schedule-week">
      {WEEK_ORDER.map((day) => {
        const frames = rows
          .filter((row) => row.day === day && row.start && row.end)
          .sort((a, b) => a.start.localeCompare(b.start));
        return (
          <Group key={day} gap="xs" wrap="nowrap" align="flex-start">
            <Text size="sm" w={96} fw={500}>
              {t(`days.${day}`)}
            </Text>
            <Group gap={4}>
              {rows.length === 0 ? (
                <Badge color="teal" variant="light" size="sm">
                  {t('campaign.schedule.open24')}
                </Badge>
              ) : frames.length === 0 ? (
                <Text size="sm" c="dimmed">
                  {t('campaign.schedule.closed')}
                </Text>
              ) : (
                frames.map((frame) => (
                  <Badge key={frame.key} variant="light" size="sm" ff="monospace">
                    {frame.start}–{frame.end}
                  </Badge>
                ))
              )}
            </Group>
          </Group>
        );
      })}
    </Stack>
  );
}
