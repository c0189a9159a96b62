import {
  Alert,
  Button,
  Center,
  Paper,
  PasswordInput,
  SegmentedControl,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconAlertCircle, IconClockPause } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useNavigate, useSearchParams } from 'react-router-dom';
import { ApiError } from '../../app/api.ts';
import { type Language, LANGUAGES } from '@postdesk/contracts';
import { Logo } from '../../app/logo.tsx';
import { describeError } from '../../components/describe-error.ts';
import { changeLanguage } from '../../i18n/i18n.ts';
import { useLogin, useMe } from './session.ts';

/** Only same-site paths are followed after login, never an absolute URL from the query string. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

/** Counts a rate-limit wait down to zero, one second at a time. */
function useCountdown(): [number, (seconds: number) => void] {
  const [remaining, setRemaining] = useState(0);
  useEffect(() => {
    if (remaining <= 0) return;
    const timer = window.setTimeout(() => setRemaining((value) => value - 1), 1000);
    return () => window.clearTimeout(timer);
  }, [remaining]);
  return [remaining, setRemaining];
}

/** Username and password; shows why a sign-in failed, including how long to wait when rate limited. */
export function LoginPage() {
  const { t, i18n } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const login = useLogin();
  const [error, setError] = useState<{ kind: 'credentials' | 'rateLimited' | 'other'; text: string } | null>(null);
  const [retryIn, setRetryIn] = useCountdown();
  const form = useForm({
    initialValues: { username: '', password: '' },
    validate: {
      username: (value) => (value.trim() ? null : t('login.usernameRequired')),
      password: (value) => (value ? null : t('login.passwordRequired')),
    },
  });

  if (me.data) return <Navigate to={safeNext(params.get('next'))} replace />;

  const submit = form.onSubmit((values) => {
    setError(null);
    login.mutate(
      { username: values.username.trim(), password: values.password },
      {
        onSuccess: () => {
          void navigate(safeNext(params.get('next')), { replace: true });
        },
        onError: (cause) => {
          form.setFieldValue('password', '');
          if (cause instanceof ApiError && cause.status === 429) {
            const seconds = cause.retryAfterSec ?? 60;
            setRetryIn(seconds);
            setError({ kind: 'rateLimited', text: t('login.rateLimited') });
          } else if (cause instanceof ApiError && (cause.status === 401 || cause.code === 'invalid_credentials')) {
            setError({ kind: 'credentials', text: t('login.invalidCredentials') });
          } else {
            const { title, message } = describeError(t, cause);
            setError({ kind: 'other', text: `${title} ${message}` });
          }
        },
      },
    );
  });

  const language = LANGUAGES.find((candidate) => candidate === i18n.language) ?? 'en';

  return (
    <Center mih="100vh" p="md" bg="var(--mantine-color-gray-light)">
      <Stack w={360} gap="lg">
        <Center>
          <Logo size="lg" />
        </Center>
        <Paper withBorder shadow="sm" p="xl" radius="md">
          <form onSubmit={submit} noValidate>
            <Stack gap="sm">
              <div>
                <Title order={4}>{t('login.title')}</Title>
                <Text size="sm" c="dimmed">
                  {t('login.subtitle')}
                </Text>
              </div>
              {error ? (
                <Alert
                  color={error.kind === 'rateLimited' ? 'orange' : 'red'}
                  variant="light"
                  icon={error.kind === 'rateLimited' ? <IconClockPause size={18} /> : <IconAlertCircle size={18} />}
                  data-testid="login-error"
                  data-kind={error.kind}
                  role="alert"
                  p="sm"
                >
                  {error.text}
                  {error.kind === 'rateLimited' && retryIn > 0 ? (
                    <Text size="sm" fw={500} mt={4} data-testid="login-retry-after">
                      {t('login.retryIn', { count: retryIn })}
                    </Text>
                  ) : null}
                </Alert>
              ) : null}
              <TextInput
                label={t('login.username')}
                autoComplete="username"
                autoFocus
                data-testid="login-username"
                {...form.getInputProps('username')}
              />
              <PasswordInput
                label={t('login.password')}
                autoComplete="current-password"
                data-testid="login-password"
                {...form.getInputProps('password')}
              />
              <Button
                type="submit"
                fullWidth
                mt="xs"
                loading={login.isPending}
                disabled={retryIn > 0}
                data-testid="login-submit"
              >
                {t('login.submit')}
              </Button>
            </Stack>
          </form>
        </Paper>
        <Center>
          <SegmentedControl
            size="xs"
            value={language}
            onChange={(value) => {
              const next = LANGUAGES.find((candidate) => candidate === value);
              if (next) void changeLanguage(next);
            }}
            data={LANGUAGES.map((value: Language) => ({ value, label: t(`languages.${value}`) }))}
            aria-label={t('header.language')}
            data-testid="login-language"
          />
        </Center>
      </Stack>
    </Center>
  );
}
