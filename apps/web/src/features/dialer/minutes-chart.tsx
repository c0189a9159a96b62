import { BarChart } from '@mantine/charts';
import { Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { MinutePoint } from './minute-series.ts';

/** Messages per minute over the last hour, sent and failed stacked (loaded on its own: the chart library is large). */
export default function MinutesChart({ points }: { points: MinutePoint[] }) {
  const { t, i18n } = useTranslation();
  const hhmm = new Intl.DateTimeFormat(i18n.language, { hour: '2-digit', minute: '2-digit' });
  const data = points.map((p) => ({ time: hhmm.format(new Date(p.minute)), sent: p.sent, failed: p.failed }));
  const any = points.some((p) => p.sent + p.failed > 0);
  return (
    <>
      <BarChart
        h={120}
        data={data}
        dataKey="time"
        type="stacked"
        series={[
          { name: 'sent', label: t('dialer.chart.sent'), color: 'teal.6' },
          { name: 'failed', label: t('dialer.chart.failed'), color: 'red.6' },
        ]}
        withLegend={false}
        gridAxis="y"
        tickLine="none"
        xAxisProps={{ interval: 9 }}
        yAxisProps={{ width: 40, allowDecimals: false }}
        barProps={{ isAnimationActive: false }}
        tooltipAnimationDuration={0}
      />
      {any ? null : (
        <Text size="xs" c="dimmed" ta="center">
          {t('dialer.chart.empty')}
        </Text>
      )}
    </>
  );
}
