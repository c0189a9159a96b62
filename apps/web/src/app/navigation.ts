import {
  IconActivityHeartbeat,
  IconAddressBook,
  IconHeadset,
  IconCategory,
  IconChartBar,
  IconInbox,
  IconKey,
  IconListSearch,
  IconMailCog,
  IconMailFast,
  IconMailExclamation,
  IconMessage2Bolt,
  IconTemplate,
  IconUsers,
  type Icon,
} from '@tabler/icons-react';
import type { Capability } from './policy.ts';

/** One entry of the left navigation. */
export interface NavItem {
  id: 'work' | 'live' | 'records' | 'reports' | 'campaigns' | 'members' | 'templates' | 'cannedAnswers' | 'dispositions' | 'mailboxes' | 'quarantine' | 'users' | 'dialers' | 'oauth';
  to: string;
  icon: Icon;
  capability: Capability;
  testId: string;
}

/** One titled group of the left navigation. */
export interface NavSection {
  id: 'email' | 'monitoring' | 'administration';
  items: readonly NavItem[];
}

/** The navigation, filtered per role by the shell: an agent never sees a link that would be refused. */
export const NAV_SECTIONS: readonly NavSection[] = [
  {
    id: 'email',
    items: [
      { id: 'work', to: '/work', icon: IconHeadset, capability: 'work.use', testId: 'nav-work' },
      { id: 'campaigns', to: '/campaigns', icon: IconMailCog, capability: 'campaigns.view', testId: 'nav-campaigns' },
      { id: 'members', to: '/members', icon: IconAddressBook, capability: 'members.manage', testId: 'nav-members' },
      { id: 'templates', to: '/templates', icon: IconTemplate, capability: 'templates.manage', testId: 'nav-templates' },
      {
        id: 'cannedAnswers',
        to: '/canned-answers',
        icon: IconMessage2Bolt,
        capability: 'cannedAnswers.view',
        testId: 'nav-canned-answers',
      },
      { id: 'dialers', to: '/dialers', icon: IconMailFast, capability: 'dialers.view', testId: 'nav-dialers' },
      {
        id: 'dispositions',
        to: '/dispositions',
        icon: IconCategory,
        capability: 'dispositions.manage',
        testId: 'nav-dispositions',
      },
    ],
  },
  {
    id: 'monitoring',
    items: [
      { id: 'live', to: '/live', icon: IconActivityHeartbeat, capability: 'live.view', testId: 'nav-live' },
      { id: 'records', to: '/records', icon: IconListSearch, capability: 'records.view', testId: 'nav-records' },
      { id: 'reports', to: '/reports', icon: IconChartBar, capability: 'reports.view', testId: 'nav-reports' },
      { id: 'mailboxes', to: '/mailboxes', icon: IconInbox, capability: 'mailboxes.view', testId: 'nav-mailboxes' },
      {
        id: 'quarantine',
        to: '/quarantine',
        icon: IconMailExclamation,
        capability: 'quarantine.view',
        testId: 'nav-quarantine',
      },
    ],
  },
  {
    id: 'administration',
    items: [
      { id: 'users', to: '/users', icon: IconUsers, capability: 'users.manage', testId: 'nav-users' },
      { id: 'oauth', to: '/oauth-providers', icon: IconKey, capability: 'oauth.manage', testId: 'nav-oauth' },
    ],
  },
];
