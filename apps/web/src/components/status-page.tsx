import { Button, Center, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import type { ReactNode } from 'react';
import { Link } from 'react-router-dom';

/** A calm full-area message (not allowed, not found) with a way back. */
export function StatusPage({
  icon,
  title,
  text,
  actionLabel,
  testId,
}: {
  icon: ReactNode;
  title: string;
  text: string;
  actionLabel: string;
  testId: string;
}) {
  return (
    <Center mih="60vh" data-testid={testId}>
      <Stack align="center" gap="sm" maw={420} ta="center">
        <ThemeIcon size={56} radius="xl" variant="light" color="gray">
          {icon}
        </ThemeIcon>
        <Title order={3}>{title}</Title>
        <Text c="dimmed" size="sm">
          {text}
        </Text>
        <Button component={Link} to="/" variant="light" mt="xs">
          {actionLabel}
        </Button>
      </Stack>
    </Center>
  );
}
