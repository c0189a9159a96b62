const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const;

/** "12.4 kB" in the UI language (1024-based, one decimal above bytes); pure so it is testable. */
export function formatBytes(bytes: number, language: string): string {
  if (!Number.isFinite(bytes) || bytes < 0) return String(bytes);
  // Intl's short "byte" reads "812 byte" in English; "B" is what every mail client shows.
  if (bytes < 1024) return `${new Intl.NumberFormat(language).format(bytes)} B`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return new Intl.NumberFormat(language, {
    style: 'unit',
    unit: UNITS[unit],
    unitDisplay: 'short',
    maximumFractionDigits: unit === 0 || value >= 100 ? 0 : 1,
  }).format(value);
}
