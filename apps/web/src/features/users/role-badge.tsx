import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Role } from '@postdesk/contracts';

const COLORS: Record<Role, string> = { admin: 'grape', supervisor: 'cyan', agent: 'gray' };

/** A role, coloured so admins stand out in a long list. */
export function RoleBadge({ role }: { role: Role }) {
  const { t } = useTranslation();
  return (
    <Badge color={COLORS[role]} variant="light" size="sm">
      {t(`roles.${role}`)}
    </Badge>
  );
}
