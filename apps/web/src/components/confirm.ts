import { modals } from '@mantine/modals';
import type { TFunction } from 'i18next';

/** Asks before something that cannot be taken back; Escape or Cancel backs out. */
export function confirmAction(
  t: TFunction,
  input: { title: string; message: string; confirmLabel: string; onConfirm: () => void; testId?: string },
): void {
  modals.openConfirmModal({
    title: input.title,
    children: input.message,
    labels: { confirm: input.confirmLabel, cancel: t('common.cancel') },
    confirmProps: { color: 'red', 'data-testid': input.testId ?? 'confirm-action' },
    cancelProps: { variant: 'default' },
    onConfirm: input.onConfirm,
  });
}

/** Asks before deleting something. */
export function confirmDelete(t: TFunction, input: { name: string; onConfirm: () => void }): void {
  confirmAction(t, {
    title: t('common.confirmDeleteTitle'),
    message: t('common.confirmDeleteMessage', { name: input.name }),
    confirmLabel: t('common.delete'),
    onConfirm: input.onConfirm,
    testId: 'confirm-delete',
  });
}
