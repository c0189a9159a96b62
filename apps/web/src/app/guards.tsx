import { Center, Loader } from '@mantine/core';
import { IconLock } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, Outlet, useLocation } from 'react-router-dom';
import { QueryState } from '../components/query-state.tsx';
import { StatusPage } from '../components/status-page.tsx';
import { useMe } from '../features/auth/session.ts';
import { type Capability, can } from './policy.ts';

/** Routes below need a session; without one, go to the login and come back afterwards. */
export function RequireSession() {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) {
    return (
      <Center h="100vh">
        <Loader size="sm" type="dots" />
      </Center>
    );
  }
  if (me.error) {
    return (
      <Center h="100vh" p="xl">
        <QueryState isPending={false} error={me.error} onRetry={() => void me.refetch()}>
          {null}
        </QueryState>
      </Center>
    );
  }
  if (!me.data) {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`} replace />;
  }
  return <Outlet />;
}

/** Shows the "not allowed" page instead of a screen the user's role may not use. */
export function RequireCapability({ capability, children }: { capability: Capability; children: ReactNode }) {
  const me = useMe();
  if (!me.data || !can(me.data.role, capability)) return <NotAllowedPage />;
  return <>{children}</>;
}

/** Where an agent lands when following a link meant for an admin. */
export function NotAllowedPage() {
  const { t } = useTranslation();
  return (
    <StatusPage
      testId="not-allowed"
      icon={<IconLock size={28} stroke={1.5} />}
      title={t('pages.notAllowedTitle')}
      text={t('pages.notAllowedText')}
      actionLabel={t('pages.goHome')}
    />
  );
}
