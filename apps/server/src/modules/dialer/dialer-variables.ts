import { BUILT_IN_FIELDS, compileTemplate } from '@postdesk/mailkit/bulk';
import type { DialerInviteRow } from './dialers.repo.ts';

const VARIABLE_REF = /^\$\{\s*([A-Za-z_][A-Za-z0-9_.-]{0,63})\s*\}$/;

/** The invitation's time as the sending thread takes it: a fixed instant, or the name of the row variable holding one. */
export function inviteField(value: string): string | null {
  return VARIABLE_REF.exec(value.trim())?.[1] ?? null;
}

/**
 * The variables every list row must give: those of the template, the
 * subject and the invitation's times (the built-ins aside). A list is
 * checked against these, so a row can never render with a hole.
 */
export function requiredVariables(templateHtml: string | null, subject: string, invite: DialerInviteRow | null): string[] {
  const fields = new Set<string>([...(templateHtml === null ? [] : compileTemplate(templateHtml).fields), ...compileTemplate(subject).fields]);
  if (invite) for (const t of [invite.start, invite.end]) {
    const f = inviteField(t);
    if (f) fields.add(f);
  }
  for (const b of BUILT_IN_FIELDS) fields.delete(b);
  return [...fields].sort();
}
