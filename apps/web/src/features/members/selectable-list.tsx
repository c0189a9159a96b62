import { Checkbox, Group, Paper, ScrollArea, Stack, Text, TextInput } from '@mantine/core';
import { IconSearch } from '@tabler/icons-react';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { matchesFilter } from '../../components/filter-input.tsx';

/** One item of a multi-select column. */
export interface SelectableItem {
  id: string;
  label: string;
  hint?: string;
  badge?: ReactNode;
  testId: string;
}

/** A titled, filterable column of checkable rows with select-all; used by the members screen. */
export function SelectableList({
  title,
  items,
  selected,
  onChange,
  emptyText,
  testId,
}: {
  title: string;
  items: readonly SelectableItem[];
  selected: ReadonlySet<string>;
  onChange: (next: Set<string>) => void;
  emptyText: string;
  testId: string;
}) {
  const { t } = useTranslation();
  const [filter, setFilter] = useState('');
  const visible = items.filter((item) => matchesFilter(filter, item.label, item.hint));
  const allVisibleSelected = visible.length > 0 && visible.every((item) => selected.has(item.id));
  const someVisibleSelected = visible.some((item) => selected.has(item.id));

  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    onChange(next);
  };

  const toggleAll = () => {
    const next = new Set(selected);
    for (const item of visible) {
      if (allVisibleSelected) next.delete(item.id);
      else next.add(item.id);
    }
    onChange(next);
  };

  return (
    <Paper withBorder radius="sm" h="100%" data-testid={testId} style={{ display: 'flex', flexDirection: 'column' }}>
      <Stack gap={6} p="sm" pb={6} style={{ borderBottom: '1px solid var(--mantine-color-default-border)' }}>
        <Group justify="space-between" wrap="nowrap">
          <Checkbox
            size="xs"
            checked={allVisibleSelected}
            indeterminate={!allVisibleSelected && someVisibleSelected}
            onChange={toggleAll}
            label={
              <Text size="sm" fw={600}>
                {title}
              </Text>
            }
            aria-label={t('members.selectAll', { list: title })}
            data-testid={`${testId}-all`}
          />
          <Text size="xs" c="dimmed">
            {t('members.selectedCount', { count: selected.size, total: items.length })}
          </Text>
        </Group>
        <TextInput
          size="xs"
          value={filter}
          onChange={(event) => setFilter(event.currentTarget.value)}
          placeholder={t('common.filter')}
          aria-label={t('members.filterList', { list: title })}
          leftSection={<IconSearch size={13} />}
        />
      </Stack>
      <ScrollArea.Autosize mah={520} type="auto" p={4} style={{ flex: 1 }}>
        {visible.length === 0 ? (
          <Text size="sm" c="dimmed" ta="center" py="lg">
            {filter ? t('common.noMatches') : emptyText}
          </Text>
        ) : (
          visible.map((item) => (
            <label key={item.id} className="pd-list-row" data-selected={selected.has(item.id)} data-testid={item.testId}>
              <Checkbox size="xs" checked={selected.has(item.id)} onChange={() => toggle(item.id)} aria-label={item.label} />
              <div style={{ minWidth: 0, flex: 1 }}>
                <Text size="sm" lineClamp={1}>
                  {item.label}
                </Text>
                {item.hint ? (
                  <Text size="xs" c="dimmed" lineClamp={1}>
                    {item.hint}
                  </Text>
                ) : null}
              </div>
              {item.badge}
            </label>
          ))
        )}
      </ScrollArea.Autosize>
    </Paper>
  );
}
