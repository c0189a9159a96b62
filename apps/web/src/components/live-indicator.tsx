import { Group, Text } from '@mantine/core';

/** The pulsing "live" dot and its caption; paused (grey, still) when updates have stopped. */
export function LiveIndicator({ paused, label, testId }: { paused: boolean; label: string; testId: string }) {
  return (
    <Group gap={6} wrap="nowrap" data-testid={testId} data-paused={paused ? 'true' : 'false'} data-connected={paused ? 'false' : 'true'}>
      <span className={paused ? 'pd-live-dot pd-live-dot-paused' : 'pd-live-dot'} aria-hidden />
      <Text size="xs" c="dimmed">
        {label}
      </Text>
    </Group>
  );
}
