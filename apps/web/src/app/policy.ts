import type { Role } from '@postdesk/contracts';

/**
 * Who may see and change what in the console. The server enforces the same
 * rules; this only keeps the UI from offering what would be refused.
 */
export type Capability =
  | 'campaigns.view'
  | 'campaigns.manage'
  | 'members.manage'
  | 'templates.manage'
  | 'cannedAnswers.view'
  | 'cannedAnswers.manage'
  | 'dispositions.manage'
  | 'mailboxes.view'
  | 'mailboxes.manage'
  | 'quarantine.view'
  | 'quarantine.manage'
  | 'users.manage'
  | 'oauth.manage'
  | 'work.use'
  | 'live.view'
  | 'dialers.view'
  | 'dialers.manage'
  | 'records.view'
  | 'reports.view';

const GRANTS: Record<Role, readonly Capability[]> = {
  admin: [
    'campaigns.view',
    'campaigns.manage',
    'members.manage',
    'templates.manage',
    'cannedAnswers.view',
    'cannedAnswers.manage',
    'dispositions.manage',
    'mailboxes.view',
    'mailboxes.manage',
    'quarantine.view',
    'quarantine.manage',
    'users.manage',
    'oauth.manage',
    'live.view',
    'dialers.view',
    'dialers.manage',
    'records.view',
    'reports.view',
  ],
  supervisor: ['campaigns.view', 'cannedAnswers.view', 'mailboxes.view', 'quarantine.view', 'live.view', 'dialers.view', 'records.view', 'reports.view'],
  agent: ['work.use', 'campaigns.view', 'cannedAnswers.view'],
};

/** True when `role` holds `capability`. */
export function can(role: Role, capability: Capability): boolean {
  return GRANTS[role].includes(capability);
}
