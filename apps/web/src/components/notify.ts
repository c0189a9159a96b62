import { notifications } from '@mantine/notifications';
import type { TFunction } from 'i18next';
import { describeError } from './describe-error.ts';

/** A short green confirmation that something was saved. */
export function notifySuccess(message: string): void {
  notifications.show({ color: 'teal', message, autoClose: 2500, withBorder: true });
}

/** A red notice with the translated headline and the server's reason; stays longer to be read. */
export function notifyError(t: TFunction, error: unknown): void {
  const { title, message } = describeError(t, error);
  notifications.show({ color: 'red', title, message, autoClose: 8000, withBorder: true });
}

/** A red notice with a headline and reason the caller already phrased (e.g. per-protocol failures). */
export function notifyFailure(title: string, message: string): void {
  notifications.show({ color: 'red', title, message, autoClose: 8000, withBorder: true });
}

/** A yellow notice for an outcome that is not an error but did not go as hoped (e.g. still quarantined). */
export function notifyWarning(title: string, message: string): void {
  notifications.show({ color: 'yellow', title, message, autoClose: 8000, withBorder: true });
}
