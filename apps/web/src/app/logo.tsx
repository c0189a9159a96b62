import { Group, Text, ThemeIcon } from '@mantine/core';
import { IconMailbox } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';

/** The product mark: an icon and the name. */
export function Logo({ size = 'md' }: { size?: 'md' | 'lg' }) {
  const { t } = useTranslation();
  return (
    <Group gap={8} wrap="nowrap">
      <ThemeIcon size={size === 'lg' ? 34 : 26} radius="md" variant="filled" color="indigo">
        <IconMailbox size={size === 'lg' ? 20 : 16} stroke={1.8} />
      </ThemeIcon>
      <Text fw={700} size={size === 'lg' ? 'xl' : 'md'} lts={-0.2}>
        {t('app.name')}
      </Text>
    </Group>
  );
}
