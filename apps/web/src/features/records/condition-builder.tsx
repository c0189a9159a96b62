import { ActionIcon, Button, Group, SegmentedControl, Select, Stack, Switch, Text, TextInput, Tooltip } from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { RECORD_FIELD_KINDS, RECORD_OPERATORS, recordFieldSchema, type RecordCondition, type RecordField, type RecordOperator } from '@postdesk/contracts';

const needsValue = (op: RecordOperator): boolean => op !== 'is_empty' && op !== 'is_not_empty';

/** A new condition on a field, with the field's first operator. */
export const newCondition = (field: RecordField = 'customer_email'): RecordCondition => ({
  field,
  operator: RECORD_OPERATORS[RECORD_FIELD_KINDS[field]][0]!,
  value: '',
  enabled: true,
});

/**
 * The advanced search: conditions of field, operator and value, combined
 * with all / any. Each can be edited in place or switched off without being
 * deleted; only the operators a field accepts are offered.
 */
export function ConditionBuilder({
  conditions,
  match,
  onChange,
}: {
  conditions: RecordCondition[];
  match: 'all' | 'any';
  onChange: (next: { conditions: RecordCondition[]; match: 'all' | 'any' }) => void;
}) {
  const { t } = useTranslation();
  const set = (i: number, patch: Partial<RecordCondition>) =>
    onChange({ match, conditions: conditions.map((c, n) => (n === i ? { ...c, ...patch } : c)) });
  return (
    <Stack gap="xs" data-testid="condition-builder">
      <Group gap="xs">
        <Text size="sm">{t('records.match.label')}</Text>
        <SegmentedControl
          size="xs"
          value={match}
          onChange={(v) => onChange({ conditions, match: v === 'any' ? 'any' : 'all' })}
          data={[
            { value: 'all', label: t('records.match.all') },
            { value: 'any', label: t('records.match.any') },
          ]}
          data-testid="condition-match"
        />
      </Group>
      {conditions.map((c, i) => {
        const kind = RECORD_FIELD_KINDS[c.field];
        return (
          <Group key={i} gap="xs" wrap="nowrap" data-testid={`condition-${i}`} opacity={c.enabled ? 1 : 0.55}>
            <Select
              w={190}
              size="xs"
              aria-label={t('records.condition.field')}
              value={c.field}
              allowDeselect={false}
              data={recordFieldSchema.options.map((f) => ({ value: f, label: t(`records.fields.${f}`) }))}
              onChange={(v) => {
                const field = recordFieldSchema.parse(v);
                const ops = RECORD_OPERATORS[RECORD_FIELD_KINDS[field]];
                set(i, { field, operator: ops.includes(c.operator) ? c.operator : ops[0]! });
              }}
              data-testid={`condition-field-${i}`}
            />
            <Select
              w={150}
              size="xs"
              aria-label={t('records.condition.operator')}
              value={c.operator}
              allowDeselect={false}
              data={RECORD_OPERATORS[kind].map((o) => ({ value: o, label: t(`records.operators.${o}`) }))}
              onChange={(v) => v && set(i, { operator: v as RecordOperator })}
              data-testid={`condition-operator-${i}`}
            />
            {needsValue(c.operator) ? (
              <TextInput
                flex={1}
                size="xs"
                aria-label={t('records.condition.value')}
                placeholder={kind === 'date' ? 'YYYY-MM-DD' : undefined}
                type={kind === 'date' ? 'date' : 'text'}
                value={c.value}
                onChange={(e) => set(i, { value: e.currentTarget.value })}
                data-testid={`condition-value-${i}`}
              />
            ) : (
              <Text flex={1} size="xs" c="dimmed">
                —
              </Text>
            )}
            <Tooltip label={c.enabled ? t('records.condition.disable') : t('records.condition.enable')}>
              <Switch
                size="xs"
                checked={c.enabled}
                onChange={(e) => set(i, { enabled: e.currentTarget.checked })}
                aria-label={t('records.condition.enabled')}
                data-testid={`condition-enabled-${i}`}
              />
            </Tooltip>
            <ActionIcon
              variant="subtle"
              color="red"
              size="sm"
              aria-label={t('records.condition.remove')}
              onClick={() => onChange({ match, conditions: conditions.filter((_, n) => n !== i) })}
              data-testid={`condition-remove-${i}`}
            >
              <IconTrash size={14} />
            </ActionIcon>
          </Group>
        );
      })}
      <Group gap="xs">
        <Button size="compact-xs" variant="default" leftSection={<IconPlus size={12} />} onClick={() => onChange({ match, conditions: [...conditions, newCondition()] })} data-testid="condition-add">
          {t('records.condition.add')}
        </Button>
        {conditions.length > 0 ? (
          <Button size="compact-xs" variant="subtle" color="red" onClick={() => onChange({ match, conditions: [] })} data-testid="condition-clear">
            {t('records.condition.clear')}
          </Button>
        ) : null}
      </Group>
    </Stack>
  );
}
