import { Alert, Button, Center, Loader } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from './describe-error.ts';

/** Loading spinner, or the load error with a retry, or the content. */
export function QueryState({
  isPending,
  error,
  onRetry,
  children,
}: {
  isPending: boolean;
  error: unknown;
  onRetry?: () => void;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  if (error) {
    const { title, message } = describeError(t, error);
    return (
      <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} title={title}>
        {message}
        {onRetry ? (
          <Button variant="white" color="red" size="xs" mt="xs" onClick={onRetry} display="block">
            {t('common.retry')}
          </Button>
        ) : null}
      </Alert>
    );
  }
  if (isPending) {
    return (
      <Center py="xl">
        <Loader size="sm" type="dots" aria-label={t('common.loading')} />
      </Center>
    );
  }
  return <>{children}</>;
}
