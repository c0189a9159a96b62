import { Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/** The single row a table shows when it has nothing to list, or nothing matches the filter. */
export function EmptyRow({ colSpan, filtered, text }: { colSpan: number; filtered?: boolean; text?: string }) {
  const { t } = useTranslation();
  return (
    <Table.Tr>
      <Table.Td colSpan={colSpan}>
        <Text size="sm" c="dimmed" ta="center" py="lg" data-testid="empty-row">
          {text ?? (filtered ? t('common.noMatches') : t('common.empty'))}
        </Text>
      </Table.Td>
    </Table.Tr>
  );
}
