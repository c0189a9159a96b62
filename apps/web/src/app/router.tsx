import { IconMapQuestion } from '@tabler/icons-react';
import { lazy } from 'react';
import { useTranslation } from 'react-i18next';
import { createBrowserRouter, Navigate } from 'react-router-dom';
import { StatusPage } from '../components/status-page.tsx';
import { LoginPage } from '../features/auth/login-page.tsx';
import { CampaignsPage } from '../features/campaigns/campaigns-page.tsx';
import { useCurrentUser } from '../features/auth/session.ts';
import { AppLayout } from './app-layout.tsx';
import { can } from './policy.ts';
import { RequireCapability, RequireSession } from './guards.tsx';

// Screens an agent rarely or never opens load on first visit, keeping the first paint small
// (the rich text editor alone is a large part of the bundle).
const CampaignFormPage = lazy(() =>
  import('../features/campaigns/campaign-form-page.tsx').then((m) => ({ default: m.CampaignFormPage })),
);
const CannedAnswersPage = lazy(() =>
  import('../features/canned-answers/canned-answers-page.tsx').then((m) => ({ default: m.CannedAnswersPage })),
);
const DispositionsPage = lazy(() =>
  import('../features/dispositions/dispositions-page.tsx').then((m) => ({ default: m.DispositionsPage })),
);
const MailboxesPage = lazy(() =>
  import('../features/mailboxes/mailboxes-page.tsx').then((m) => ({ default: m.MailboxesPage })),
);
const MembersPage = lazy(() => import('../features/members/members-page.tsx').then((m) => ({ default: m.MembersPage })));
const QuarantinePage = lazy(() =>
  import('../features/quarantine/quarantine-page.tsx').then((m) => ({ default: m.QuarantinePage })),
);
const TemplatesPage = lazy(() =>
  import('../features/templates/templates-page.tsx').then((m) => ({ default: m.TemplatesPage })),
);
const DialersPage = lazy(() => import('../features/dialer/dialers-page.tsx').then((m) => ({ default: m.DialersPage })));
const DeskPage = lazy(() => import('../features/workspace/desk-page.tsx').then((m) => ({ default: m.DeskPage })));
const LivePage = lazy(() => import('../features/routing/live-page.tsx').then((m) => ({ default: m.LivePage })));
const ReportsPage = lazy(() => import('../features/reports/reports-page.tsx').then((m) => ({ default: m.ReportsPage })));
const RecordsPage = lazy(() => import('../features/records/records-page.tsx').then((m) => ({ default: m.RecordsPage })));
const RecordViewerPage = lazy(() =>
  import('../features/records/record-viewer-page.tsx').then((m) => ({ default: m.RecordViewerPage })),
);
const OAuthProvidersPage = lazy(() =>
  import('../features/oauth/oauth-providers-page.tsx').then((m) => ({ default: m.OAuthProvidersPage })),
);
const UsersPage = lazy(() => import('../features/users/users-page.tsx').then((m) => ({ default: m.UsersPage })));

/** Shown for any address the console does not know. */
export function NotFoundPage() {
  const { t } = useTranslation();
  return (
    <StatusPage
      testId="not-found"
      icon={<IconMapQuestion size={28} stroke={1.5} />}
      title={t('pages.notFoundTitle')}
      text={t('pages.notFoundText')}
      actionLabel={t('pages.goHome')}
    />
  );
}

/** Agents start at their desk, everyone else at the campaigns. */
function HomeRedirect() {
  const user = useCurrentUser();
  return <Navigate to={can(user.role, 'work.use') ? '/work' : '/campaigns'} replace />;
}

/** Every screen and who may open it. */
export function createRouter() {
  return createBrowserRouter([
    { path: '/login', element: <LoginPage /> },
    {
      element: <RequireSession />,
      children: [
        {
          element: <AppLayout />,
          children: [
            { index: true, element: <HomeRedirect /> },
            {
              path: 'work/:interactionId?',
              element: (
                <RequireCapability capability="work.use">
                  <DeskPage />
                </RequireCapability>
              ),
            },
            {
              path: 'live',
              element: (
                <RequireCapability capability="live.view">
                  <LivePage />
                </RequireCapability>
              ),
            },
            {
              path: 'records',
              element: (
                <RequireCapability capability="records.view">
                  <RecordsPage />
                </RequireCapability>
              ),
            },
            {
              path: 'reports',
              element: (
                <RequireCapability capability="reports.view">
                  <ReportsPage />
                </RequireCapability>
              ),
            },
            {
              path: 'records/:id',
              element: (
                <RequireCapability capability="records.view">
                  <RecordViewerPage />
                </RequireCapability>
              ),
            },
            {
              path: 'campaigns',
              element: (
                <RequireCapability capability="campaigns.view">
                  <CampaignsPage />
                </RequireCapability>
              ),
            },
            {
              path: 'campaigns/new',
              element: (
                <RequireCapability capability="campaigns.manage">
                  <CampaignFormPage />
                </RequireCapability>
              ),
            },
            {
              path: 'campaigns/:id',
              element: (
                <RequireCapability capability="campaigns.manage">
                  <CampaignFormPage />
                </RequireCapability>
              ),
            },
            {
              path: 'members',
              element: (
                <RequireCapability capability="members.manage">
                  <MembersPage />
                </RequireCapability>
              ),
            },
            {
              path: 'templates',
              element: (
                <RequireCapability capability="templates.manage">
                  <TemplatesPage />
                </RequireCapability>
              ),
            },
            {
              path: 'canned-answers',
              element: (
                <RequireCapability capability="cannedAnswers.view">
                  <CannedAnswersPage />
                </RequireCapability>
              ),
            },
            {
              path: 'dispositions',
              element: (
                <RequireCapability capability="dispositions.manage">
                  <DispositionsPage />
                </RequireCapability>
              ),
            },
            {
              path: 'dialers',
              element: (
                <RequireCapability capability="dialers.view">
                  <DialersPage />
                </RequireCapability>
              ),
            },
            {
              path: 'mailboxes',
              element: (
                <RequireCapability capability="mailboxes.view">
                  <MailboxesPage />
                </RequireCapability>
              ),
            },
            {
              path: 'quarantine',
              element: (
                <RequireCapability capability="quarantine.view">
                  <QuarantinePage />
                </RequireCapability>
              ),
            },
            {
              path: 'users',
              element: (
                <RequireCapability capability="users.manage">
                  <UsersPage />
                </RequireCapability>
              ),
            },
            {
              path: 'oauth-providers',
              element: (
                <RequireCapability capability="oauth.manage">
                  <OAuthProvidersPage />
                </RequireCapability>
              ),
            },
            { path: '*', element: <NotFoundPage /> },
          ],
        },
      ],
    },
  ]);
}
