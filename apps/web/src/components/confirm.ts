import { modals } from '@mantine/modals';
import type { TFunction } from 'i18next';

/** Asks before something irreversible; Escape or Cancel backs out. */
export function confirmDelete(t: TFunction, input: { name: string; onConfirm: () => void }): void {
  modals.openConfirmModal({
    title: t('common.confirmDeleteTitle'),
    children: t('common.confirmDeleteMessage', { name: input.name }),
    labels: { confirm: t('common.delete'), cancel: t('common.cancel') },
    confirmProps: { color: 'red', 'data-testid': 'confirm-delete' },
    cancelProps: { variant: 'default' },
    onConfirm: input.onConfirm,
  });
}
