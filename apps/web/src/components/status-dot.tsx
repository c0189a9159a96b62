/** The small coloured dot that leads a state badge; `color` is a Mantine palette name. */
export function StatusDot({ color }: { color: string }) {
  return (
    <span
      aria-hidden
      style={{
        display: 'inline-block',
        width: 6,
        height: 6,
        borderRadius: 3,
        background: `var(--mantine-color-${color}-filled)`,
      }}
    />
  );
}
