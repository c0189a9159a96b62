import { Group, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/** The title row every screen starts with: what this is, and its main actions on the right. */
export function PageHeader({
  title,
  description,
  actions,
  leading,
}: {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  leading?: ReactNode;
}) {
  return (
    <Group justify="space-between" align="flex-end" mb="md" wrap="nowrap" gap="md">
      <Group gap="sm" wrap="nowrap" align="center" miw={0}>
        {leading}
        <Stack gap={2} miw={0}>
          <Title order={3} fw={600} lh={1.2}>
            {title}
          </Title>
          {description ? (
            <Text size="sm" c="dimmed" lineClamp={1}>
              {description}
            </Text>
          ) : null}
        </Stack>
      </Group>
      {actions ? (
        <Group gap="xs" wrap="nowrap">
          {actions}
        </Group>
      ) : null}
    </Group>
  );
}
