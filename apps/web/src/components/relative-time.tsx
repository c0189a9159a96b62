import { Text, type TextProps, Tooltip } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { serverNow } from '../app/server-clock.ts';

const STEPS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day', 30],
  ['month', 12],
  ['year', Number.POSITIVE_INFINITY],
];

/** "3 minutes ago" in the UI language; pure so it is testable with a fixed clock. */
export function formatRelativeTime(iso: string, now: number, language: string): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return iso;
  let value = (then - now) / 1000;
  const format = new Intl.RelativeTimeFormat(language, { numeric: 'auto', style: 'long' });
  if (Math.abs(value) < 10) return format.format(0, 'second');
  for (const [unit, size] of STEPS) {
    if (Math.abs(value) < size) return format.format(Math.round(value), unit);
    value /= size;
  }
  return format.format(Math.round(value), 'year');
}

/** A date and time in the UI language, for tooltips and tables. */
export function formatDateTime(iso: string, language: string): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return iso;
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' }).format(then);
}

/**
 * Now by the server's clock (the times compared with it are the server's),
 * re-rendered every 30 s so "checked 2 minutes ago" stays true while the
 * screen is open.
 */
export function useNow(intervalMs = 30_000): number {
  const [now, setNow] = useState(serverNow);
  useEffect(() => {
    const timer = window.setInterval(() => setNow(serverNow()), intervalMs);
    return () => window.clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/** Relative time with the exact date on hover. */
export function RelativeTime({ iso, ...textProps }: { iso: string } & TextProps) {
  const { i18n } = useTranslation();
  const now = useNow();
  return (
    <Tooltip label={formatDateTime(iso, i18n.language)}>
      {/* inherits the surrounding font unless a size is given (inherit would override it) */}
      <Text span inherit={textProps.size === undefined} {...textProps}>
        {formatRelativeTime(iso, now, i18n.language)}
      </Text>
    </Tooltip>
  );
}
