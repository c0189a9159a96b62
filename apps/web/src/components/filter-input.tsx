import { Kbd, TextInput } from '@mantine/core';
import { useHotkeys } from '@mantine/hooks';
import { IconSearch } from '@tabler/icons-react';
import { useRef } from 'react';
import { useTranslation } from 'react-i18next';

/** The list filter; `/` anywhere outside a field jumps to it, Escape clears it. */
export function FilterInput({
  value,
  onChange,
  placeholder,
  w = 260,
}: {
  value: string;
  onChange: (value: string) => void;
  placeholder?: string;
  w?: number;
}) {
  const { t } = useTranslation();
  const ref = useRef<HTMLInputElement>(null);
  useHotkeys([
    [
      '/',
      (event) => {
        event.preventDefault();
        ref.current?.focus();
        ref.current?.select();
      },
    ],
  ]);
  return (
    <TextInput
      ref={ref}
      w={w}
      value={value}
      onChange={(event) => onChange(event.currentTarget.value)}
      onKeyDown={(event) => {
        if (event.key === 'Escape' && value) {
          event.stopPropagation();
          onChange('');
        }
      }}
      placeholder={placeholder ?? t('common.filter')}
      aria-label={placeholder ?? t('common.filter')}
      leftSection={<IconSearch size={15} stroke={1.6} />}
      rightSection={value ? null : <Kbd size="xs">/</Kbd>}
      rightSectionPointerEvents="none"
      data-testid="list-filter"
    />
  );
}

/** Case- and accent-insensitive "contains" over the given fields. */
export function matchesFilter(filter: string, ...fields: (string | null | undefined)[]): boolean {
  const needle = normalise(filter.trim());
  if (!needle) return true;
  return fields.some((field) => field !== null && field !== undefined && normalise(field).includes(needle));
}

function normalise(text: string): string {
  return text.normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase();
}
