import { Paper, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/** A titled group of related fields inside a long form. */
export function FormSection({
  title,
  description,
  children,
  aside,
  testId,
}: {
  title: ReactNode;
  description?: ReactNode;
  children: ReactNode;
  aside?: ReactNode;
  testId?: string;
}) {
  return (
    <Paper withBorder radius="sm" p="md" data-testid={testId}>
      <Stack gap="sm">
        <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'flex-start', gap: 12 }}>
          <div>
            <Title order={5} fw={600}>
              {title}
            </Title>
            {description ? (
              <Text size="xs" c="dimmed" mt={2}>
                {description}
              </Text>
            ) : null}
          </div>
          {aside}
        </div>
        {children}
      </Stack>
    </Paper>
  );
}
