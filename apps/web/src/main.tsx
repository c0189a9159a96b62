import './app/zod-config.ts';
import '@mantine/core/styles.css';
import '@mantine/charts/styles.css';
import '@mantine/notifications/styles.css';
import '@mantine/tiptap/styles.css';
import './app/global.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RouterProvider } from 'react-router-dom';
import { setUnauthenticatedHandler } from './app/api.ts';
import { createQueryClient, Providers } from './app/providers.tsx';
import { createRouter } from './app/router.tsx';
import { ME_KEY } from './features/auth/session.ts';
import { initI18n } from './i18n/i18n.ts';

initI18n();
const queryClient = createQueryClient();
const router = createRouter();

// A 401 anywhere means the session ended: forget the user and go to the login, remembering where we were.
setUnauthenticatedHandler(() => {
  const { pathname, search } = window.location;
  if (pathname === '/login') return;
  queryClient.setQueryData(ME_KEY, null);
  void router.navigate(`/login?next=${encodeURIComponent(`${pathname}${search}`)}`, { replace: true });
});

const container = document.getElementById('root');
if (!container) throw new Error('#root is missing from index.html');
createRoot(container).render(
  <StrictMode>
    <Providers queryClient={queryClient}>
      <RouterProvider router={router} />
    </Providers>
  </StrictMode>,
);
