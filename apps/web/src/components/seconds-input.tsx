import { NumberInput, type NumberInputProps, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/** A whole number of seconds, with the unit shown inside the field. */
export function SecondsInput(props: NumberInputProps) {
  const { t } = useTranslation();
  return (
    <NumberInput
      allowDecimal={false}
      allowNegative={false}
      rightSection={
        <Text size="xs" c="dimmed" pr={4}>
          {t('common.secondsShort')}
        </Text>
      }
      rightSectionPointerEvents="none"
      {...props}
    />
  );
}
