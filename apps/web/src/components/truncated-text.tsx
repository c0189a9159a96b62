import { Text, type TextProps, Tooltip } from '@mantine/core';

/**
 * One line of untrusted text (a subject, a sender, a server error), cut with an ellipsis and shown
 * whole on hover. Always rendered as a text node, never as HTML.
 */
export function TruncatedText({
  text,
  maw = '100%',
  testId,
  ...textProps
}: { text: string; maw?: number | string; testId?: string } & Omit<TextProps, 'maw' | 'truncate'>) {
  return (
    <Tooltip label={text} openDelay={300} styles={{ tooltip: { overflowWrap: 'anywhere', whiteSpace: 'pre-wrap' } }}>
      <Text size="sm" truncate="end" maw={maw} data-testid={testId} {...textProps}>
        {text}
      </Text>
    </Tooltip>
  );
}
