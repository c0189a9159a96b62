import { Alert, Badge, Button, Group, Select, Stack, Text } from '@mantine/core';
import { IconAlertTriangle, IconKey, IconLogin } from '@tabler/icons-react';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OAuthAccount } from '@postdesk/contracts';
import { notifyError } from '../../components/notify.ts';
import { runSignIn, useOAuthProviders } from './oauth-api.ts';

/**
 * "Sign in with …" on a campaign's mail account: the provider's pages in a
 * popup, then the signed-in address; or, when the grant is gone, "sign in
 * again" for the same account. `accountId` is the form's oauthAccountId.
 */
export function OAuthSignIn(props: { stored: OAuthAccount | null; accountId: string | null; onChange: (accountId: string | null) => void }) {
  const { t } = useTranslation();
  const providers = useOAuthProviders();
  const [providerId, setProviderId] = useState<string | null>(props.stored?.providerId ?? null);
  const [signedIn, setSignedIn] = useState<OAuthAccount | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const stop = useRef<AbortController | null>(null);
  useEffect(() => () => stop.current?.abort(), []);

  const items = providers.data?.items ?? [];
  const chosen = providerId ?? items[0]?.id ?? null;
  const account = signedIn && signedIn.id === props.accountId ? signedIn : props.stored && props.stored.id === props.accountId ? props.stored : null;

  const start = async (again: OAuthAccount | null) => {
    const id = again?.providerId ?? chosen;
    if (!id) return;
    setFailure(null);
    setRunning(true);
    stop.current = new AbortController();
    try {
      const result = await runSignIn({ providerId: id, ...(again ? { accountId: again.id } : {}) }, stop.current.signal);
      if (result.state === 'completed' && result.account) {
        setSignedIn(result.account);
        props.onChange(result.account.id);
      } else {
        setFailure(result.error?.message ?? t('oauth.signInExpired'));
      }
    } catch (error) {
      if (!(error instanceof DOMException && error.name === 'AbortError')) notifyError(t, error);
    } finally {
      setRunning(false);
    }
  };

  if (props.accountId && account) {
    return (
      <Stack gap="xs" data-testid="oauth-account">
        <Group gap="sm">
          <IconKey size={16} />
          <Text size="sm">{t('oauth.signedInAs', { email: account.email, provider: account.providerName })}</Text>
          <Badge color={account.state === 'ok' ? 'green' : account.state === 'backoff' ? 'orange' : 'red'} variant="light" data-testid="oauth-account-state">
            {t(`oauth.state.${account.state}`)}
          </Badge>
        </Group>
        {account.state === 'sign_in_needed' ? (
          <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} title={t('oauth.signInAgainTitle')}>
            <Text size="sm">{account.error}</Text>
            <Button mt="xs" size="xs" color="red" onClick={() => void start(account)} loading={running} data-testid="oauth-sign-in-again">
              {t('oauth.signInAgain')}
            </Button>
          </Alert>
        ) : null}
        {failure ? (
          <Text size="sm" c="red" data-testid="oauth-sign-in-failure">
            {failure}
          </Text>
        ) : null}
        <Group>
          <Button size="xs" variant="subtle" onClick={() => props.onChange(null)}>
            {t('oauth.usePasswords')}
          </Button>
        </Group>
      </Stack>
    );
  }
  if (items.length === 0) {
    return (
      <Text size="sm" c="dimmed">
        {t('oauth.noProviders')}
      </Text>
    );
  }
  return (
    <Stack gap="xs">
      <Group align="flex-end" gap="sm">
        <Select
          label={t('oauth.signInWith')}
          w={260}
          data={items.map((p) => ({ value: p.id, label: p.name }))}
          value={chosen}
          onChange={setProviderId}
          allowDeselect={false}
          data-testid="oauth-provider-select"
        />
        <Button leftSection={<IconLogin size={16} />} onClick={() => void start(null)} loading={running} data-testid="oauth-sign-in">
          {t('oauth.signIn', { provider: items.find((p) => p.id === chosen)?.name ?? '' })}
        </Button>
      </Group>
      {failure ? (
        <Text size="sm" c="red" data-testid="oauth-sign-in-failure">
          {failure}
        </Text>
      ) : null}
    </Stack>
  );
}
