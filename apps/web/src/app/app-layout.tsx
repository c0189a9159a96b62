import {
  ActionIcon,
  AppShell,
  Avatar,
  Burger,
  Center,
  Group,
  Loader,
  Menu,
  NavLink,
  ScrollArea,
  Stack,
  Text,
  Tooltip,
  UnstyledButton,
  useComputedColorScheme,
  useMantineColorScheme,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { IconCheck, IconChevronDown, IconKey, IconLanguage, IconLogout, IconMoon, IconSun } from '@tabler/icons-react';
import { Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { notifyError } from '../components/notify.ts';
import { ChangePasswordModal } from '../features/auth/change-password-modal.tsx';
import { useCurrentUser, useLogout, useUpdateMe } from '../features/auth/session.ts';
import { type Language, LANGUAGES } from '@postdesk/contracts';
import { Logo } from './logo.tsx';
import { PresenceMenu } from '../features/routing/presence-menu.tsx';
import { NAV_SECTIONS } from './navigation.ts';
import { can } from './policy.ts';
import { RealtimeProvider } from './realtime.tsx';

/** The console frame: header with the user menu, role-filtered navigation, the current screen. */
export function AppLayout() {
  const { t } = useTranslation();
  const user = useCurrentUser();
  const location = useLocation();
  const [opened, { toggle, close }] = useDisclosure();

  return (
    <RealtimeProvider>
      <AppShell
        header={{ height: 48 }}
        navbar={{ width: 224, breakpoint: 'sm', collapsed: { mobile: !opened } }}
        padding="lg"
      >
        <AppShell.Header>
          <Group h="100%" px="md" justify="space-between" wrap="nowrap">
            <Group gap="sm" wrap="nowrap">
              <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t('header.toggleNavigation')} />
              <UnstyledButton component={Link} to="/" aria-label={t('app.name')}>
                <Logo />
              </UnstyledButton>
            </Group>
            <Group gap={6} wrap="nowrap">
              {can(user.role, 'work.use') ? <PresenceMenu /> : null}
              <ColorSchemeToggle />
              <UserMenu />
            </Group>
          </Group>
        </AppShell.Header>

        <AppShell.Navbar p="xs" aria-label={t('header.navigation')}>
          <AppShell.Section grow component={ScrollArea}>
            <Stack gap="md" pt={4}>
              {NAV_SECTIONS.map((section) => {
                const items = section.items.filter((item) => can(user.role, item.capability));
                if (items.length === 0) return null;
                return (
                  <div key={section.id}>
                    <Text size="xs" fw={600} c="dimmed" tt="uppercase" px="sm" pb={4} lts={0.4}>
                      {t(`nav.section.${section.id}`)}
                    </Text>
                    {items.map((item) => {
                      const active = location.pathname === item.to || location.pathname.startsWith(`${item.to}/`);
                      return (
                        <NavLink
                          key={item.id}
                          component={Link}
                          to={item.to}
                          label={t(`nav.${item.id}`)}
                          leftSection={<item.icon size={17} stroke={1.6} />}
                          active={active}
                          variant="light"
                          onClick={close}
                          data-testid={item.testId}
                          aria-current={active ? 'page' : undefined}
                          styles={{ root: { borderRadius: 'var(--mantine-radius-sm)' } }}
                          py={6}
                        />
                      );
                    })}
                  </div>
                );
              })}
            </Stack>
          </AppShell.Section>
          <AppShell.Section>
            <Text size="xs" c="dimmed" px="sm" py={6}>
              {t('app.tagline')}
            </Text>
          </AppShell.Section>
        </AppShell.Navbar>

        <AppShell.Main>
          <Suspense
            fallback={
              <Center py="xl">
                <Loader size="sm" type="dots" />
              </Center>
            }
          >
            <Outlet />
          </Suspense>
        </AppShell.Main>
      </AppShell>
    </RealtimeProvider>
  );
}

function ColorSchemeToggle() {
  const { t } = useTranslation();
  const { setColorScheme } = useMantineColorScheme();
  const computed = useComputedColorScheme('light', { getInitialValueInEffect: true });
  const next = computed === 'dark' ? 'light' : 'dark';
  return (
    <Tooltip label={t(next === 'dark' ? 'header.darkMode' : 'header.lightMode')}>
      <ActionIcon
        size="lg"
        onClick={() => setColorScheme(next)}
        aria-label={t(next === 'dark' ? 'header.darkMode' : 'header.lightMode')}
        data-testid="color-scheme-toggle"
      >
        {computed === 'dark' ? <IconSun size={18} stroke={1.6} /> : <IconMoon size={18} stroke={1.6} />}
      </ActionIcon>
    </Tooltip>
  );
}

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? `${parts[0]?.[0] ?? ''}${parts[parts.length - 1]?.[0] ?? ''}` : name.slice(0, 2);
  return letters.toUpperCase();
}

function UserMenu() {
  const { t } = useTranslation();
  const user = useCurrentUser();
  const navigate = useNavigate();
  const logout = useLogout();
  const updateMe = useUpdateMe();
  const [passwordOpened, password] = useDisclosure();

  const chooseLanguage = (language: Language) => {
    if (language === user.language) return;
    updateMe.mutate({ language }, { onError: (error) => notifyError(t, error) });
  };

  return (
    <>
      <ChangePasswordModal opened={passwordOpened} onClose={password.close} />
      <Menu position="bottom-end" width={220} shadow="md" withinPortal>
        <Menu.Target>
          <UnstyledButton data-testid="user-menu" aria-label={t('header.userMenu')} px={6} py={4} style={{ borderRadius: 6 }}>
            <Group gap={8} wrap="nowrap">
              <Avatar size={28} radius="xl" color="indigo" variant="light">
                {initials(user.displayName || user.username)}
              </Avatar>
              <Stack gap={0} visibleFrom="sm">
                <Text size="sm" fw={500} lh={1.2}>
                  {user.displayName || user.username}
                </Text>
                <Text size="xs" c="dimmed" lh={1.2}>
                  {t(`roles.${user.role}`)}
                </Text>
              </Stack>
              <IconChevronDown size={14} stroke={1.6} />
            </Group>
          </UnstyledButton>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Label>{t('header.signedInAs', { username: user.username })}</Menu.Label>
          <Menu.Divider />
          <Menu.Label>
            <Group gap={6}>
              <IconLanguage size={14} />
              {t('header.language')}
            </Group>
          </Menu.Label>
          {LANGUAGES.map((language) => (
            <Menu.Item
              key={language}
              onClick={() => chooseLanguage(language)}
              rightSection={language === user.language ? <IconCheck size={14} /> : null}
              data-testid={`language-${language}`}
              lang={language}
            >
              {t(`languages.${language}`)}
            </Menu.Item>
          ))}
          <Menu.Divider />
          <Menu.Item leftSection={<IconKey size={15} stroke={1.6} />} onClick={password.open} data-testid="change-password">
            {t('account.changePassword')}
          </Menu.Item>
          <Menu.Item
            leftSection={<IconLogout size={15} stroke={1.6} />}
            data-testid="logout"
            onClick={() =>
              logout.mutate(undefined, {
                onSettled: () => {
                  void navigate('/login', { replace: true });
                },
              })
            }
          >
            {t('header.logout')}
          </Menu.Item>
        </Menu.Dropdown>
      </Menu>
    </>
  );
}
